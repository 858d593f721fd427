"""What a Telegram error code means, said for an operator (codes from delivery/errors.py)."""

from __future__ import annotations

from predlagator.bot.texts import N_, t

# Errors an operator meets, by the code the taxonomy names them with.
MEANING = {
    "CHAT_WRITE_FORBIDDEN": N_("the account may not post there (not an admin, or muted)"),
    "CHANNEL_PRIVATE": N_("the channel is private, or the account was removed from it"),
    "USER_BANNED_IN_CHANNEL": N_("the account is banned there"),
    "CHANNEL_INVALID": N_("the account can't see this channel"),
    "PEER_ID_INVALID": N_("the account doesn't know this chat (a wrong id, or never met)"),
    "USERNAME_NOT_OCCUPIED": N_("nobody has this username"),
    "USERNAME_INVALID": N_("this username is not valid"),
    "CHAT_RESTRICTED": N_("the chat is restricted"),
    "INVITE_HASH_EXPIRED": N_("the invite link has expired"),
    "INVITE_HASH_INVALID": N_("the invite link is not valid"),
    "INVITE_NOT_JOINED": N_("the account has not joined this chat: join it from the account"),
    "CHAT_ADMIN_REQUIRED": N_("only admins may post there"),
    "CHAT_SEND_PLAIN_FORBIDDEN": N_("the chat takes no plain text messages"),
    "ALLOW_PAYMENT_REQUIRED": N_("the chat charges Stars for messages"),
    "MESSAGE_TOO_LONG": N_("the post is too long for Telegram"),
    "ENTITY_BOUNDS_INVALID": N_("the post's formatting is broken: send the post again"),
    "PEER_FLOOD": N_("Telegram limited the account for spam"),
    "AUTH_KEY_UNREGISTERED": N_("the session is logged out: log in again (predlagator login)"),
    "SESSION_REVOKED": N_("the session was ended: log in again (predlagator login)"),
    "USER_DEACTIVATED": N_("the account was deleted"),
    "USER_DEACTIVATED_BAN": N_("the account was banned by Telegram"),
    "AUTH_KEY_DUPLICATED": N_("the session was used from two places: log in again"),
    "TIMEOUT": N_("Telegram did not answer in time"),
    "NETWORK": N_("the network failed on the way to Telegram"),
    "SERVER": N_("Telegram's servers failed"),
}
_UNKNOWN = N_("Telegram refused it")


def meaning(lang: str, code: str, seconds: int | None = None) -> str:
    """The error in a few words; codes with a wait say how long."""
    if code == "SLOWMODE_WAIT":
        return t(lang, "slow mode: the chat takes the next message in {n} s", n=seconds or 0)
    return t(lang, MEANING.get(code, _UNKNOWN))
