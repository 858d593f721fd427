"""The command menu: one line per command, shared by setMyCommands and /help."""

from __future__ import annotations

from predlagator.bot.texts import N_, t

# Menu order. Add a command here and it shows in Telegram's menu and in /help, in both languages.
COMMANDS: dict[str, str] = {
    "start": N_("What this bot does"),
    "help": N_("Commands and how to use them"),
    "batches": N_("Your channel lists"),
    "channels": N_("Inactive channels, to reactivate"),
    "templates": N_("Your posts"),
    "new_campaign": N_("Prepare a campaign"),
    "start_campaign": N_("Start a prepared campaign"),
    "pause": N_("Pause a campaign"),
    "resume": N_("Resume a paused campaign"),
    "cancel": N_("Cancel a campaign"),
    "retry": N_("Retry a finished campaign's failed posts"),
    "campaigns": N_("Campaigns and their status"),
    "edit": N_("Edit a campaign's posts in their channels: /edit ID"),
    "delete": N_("Delete a campaign's posts from their channels: /delete ID"),
    "pin": N_("Pin a campaign's posts in their channels: /pin ID"),
    "unpin": N_("Unpin a campaign's posts: /unpin ID"),
    "test": N_("Send a post once now: /test ID @channel, or me (the account's Saved Messages)"),
    "accounts": N_("Sending accounts: pace, pause, add, remove"),
    "status": N_("Worker, accounts, queues"),
    "audit": N_("Latest changes"),
    "report": N_("A campaign's report: counts, CSV, chart"),
    "operators": N_("Who may use the bot (owners)"),
}


def describe(lang: str, name: str) -> str:
    """One command's menu description."""
    return t(lang, COMMANDS[name])


def help_text(lang: str) -> str:
    """What the bot does, how a campaign is made, and every command."""
    intro = t(
        lang,
        "<b>Predlagator</b> posts your message into many Telegram channels at a safe pace.\n\n"
        "1. Send a list of channels (@name or t.me links, one per line) or a .txt/.csv file: "
        "it becomes a batch.\n"
        "2. Send or forward the post (text, or a photo, video or file with a caption): it "
        "becomes a template.\n"
        "3. Try it with /test, then /new_campaign: a few questions, and it starts.",
    )
    lines = [f"/{name}: {describe(lang, name)}" for name in COMMANDS]
    return intro + "\n\n" + "\n".join(lines)
