"""Edit: ask for the post's new version, take it as a template is taken, and start the edit."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from predlagator.bot import waiting
from predlagator.bot.actions import starting
from predlagator.bot.actions.states import PostActionInput
from predlagator.bot.campaigns.controls import with_tools
from predlagator.bot.campaigns.lifecycle import Tools
from predlagator.bot.templates.create import template_name
from predlagator.bot.templates.media import MAX_CAPTION, MAX_TEXT, telegram_length
from predlagator.bot.texts import KIND, N_, t, tn
from predlagator.db import audit, campaigns, template_media, templates
from predlagator.db.rows import Conn
from predlagator.models import FINISHED, MediaInfo, Operator, PostAction, Template

K = PostAction
TOO_LONG_TEXT = N_(
    "This post has {n} characters; Telegram allows {max}. Shorten it and send again."
)
TOO_LONG_CAPTION = N_(
    "This caption has {n} characters; Telegram allows {max} under a photo, video or file. "
    "Shorten it and send again."
)
TEXT_ONLY = N_("The post is text: send its new text, or /cancel to keep it.")
NO_CAPTION = N_("Send the new caption as text, or /cancel to keep it.")
SAME = N_("That is what the post already says. Send a changed version, or /cancel.")
GONE = N_("That campaign no longer exists; nothing was edited.")


async def ask(tools: Tools, state: FSMContext, campaign_id: int) -> str:
    """Ask for the new version (the next message is it), or say why there is nothing to edit."""
    found = await starting.look(tools, campaign_id, K.EDIT)
    if isinstance(found, str):
        return found
    async with tools.pool.connection() as conn:
        post = await templates.get(conn, found.campaign.template_id)
    assert post is not None  # a campaign's template is archived at most, never deleted
    await state.set_state(PostActionInput.new_version)
    await state.update_data(campaign_id=campaign_id)
    lang, n = tools.lang, found.posts
    if post.media_kind is None:
        return tn(
            lang,
            "Send the new text of campaign #{id}'s post, formatted as it should read (up to "
            "{max} characters). It replaces the post in {n} channel. /cancel keeps it as it is.",
            "Send the new text of campaign #{id}'s post, formatted as it should read (up to "
            "{max} characters). It replaces the post in {n} channels. /cancel keeps it as it "
            "is.",
            n,
            id=campaign_id,
            max=MAX_TEXT,
        )
    return tn(
        lang,
        "Send the new caption of campaign #{id}'s post (up to {max} characters); the {kind} "
        "stays. It replaces the caption in {n} channel. /cancel keeps it as it is.",
        "Send the new caption of campaign #{id}'s post (up to {max} characters); the {kind} "
        "stays. It replaces the caption in {n} channels. /cancel keeps it as it is.",
        n,
        id=campaign_id,
        max=MAX_CAPTION,
        kind=t(lang, KIND[post.kind]),
    )


async def on_new_version(message: Message, state: FSMContext, tools: Tools) -> None:
    """Check the new version; store it as a template and start the edit, or say what is wrong."""
    lang = tools.lang
    campaign_id = (await state.get_data()).get("campaign_id")
    async with tools.pool.connection() as conn:
        campaign = await campaigns.get(conn, campaign_id) if isinstance(campaign_id, int) else None
        post = await templates.get(conn, campaign.template_id) if campaign else None
    if campaign is None or post is None:
        await state.clear()
        await message.answer(t(lang, GONE))
        return
    problem = refusal(message, post, lang)
    if problem is not None:
        await message.answer(problem)  # still waiting: the operator sends it again
        return
    await state.clear()
    found = await starting.look(tools, campaign.id, K.EDIT)
    if isinstance(found, str):  # an edit began meanwhile, or the posts went
        await message.answer(found)
        return
    async with tools.pool.connection() as conn, conn.transaction():
        # Posts still to go take the version as they are (pointed at it): they need the file.
        posting = found.campaign.status not in FINISHED
        version = await _store(conn, message, post, tools.operator, with_file=posting)
        action, text = await starting.start(
            conn, tools, campaign.id, K.EDIT, message.chat.id, template_id=version.id
        )
    await message.answer(text)
    await starting.kick(tools, action)


def refusal(message: Message, post: Template, lang: str) -> str | None:
    """Why the message cannot be the post's new version, or None if it can."""
    if post.media_kind is None:
        if message.text is None:
            return t(lang, TEXT_ONLY)
        length, limit, too_long = telegram_length(message.text), MAX_TEXT, TOO_LONG_TEXT
    else:
        # A photo sent with a caption gives its caption; its file is not taken (yet).
        caption = message.text if message.text is not None else message.caption
        if not caption:
            return t(lang, NO_CAPTION)
        length, limit, too_long = telegram_length(caption), MAX_CAPTION, TOO_LONG_CAPTION
    if length > limit:
        return t(lang, too_long, n=length, max=limit)
    if message.html_text == post.html:
        return t(lang, SAME)
    return None


async def _store(
    conn: Conn, message: Message, post: Template, operator: Operator, *, with_file: bool
) -> Template:
    """The new version as a template: the new text, and `with_file` the old post's file (copied).

    Without the file, an edit of a media post changes its caption only and the posts keep their
    file; with it, the posts get the same file again (uploaded once), and posts not yet sent go
    out with it.
    """
    words = message.text if message.text is not None else message.caption or ""
    copied = with_file and post.media_kind is not None
    version = await templates.create(
        conn,
        template_name(words) or post.name,
        message.html_text,
        operator.user_id,
        media_kind=post.media_kind if copied else None,
        media_file_id=post.media_file_id if copied else None,
    )
    if copied:
        info = await template_media.info(conn, post.id)
        if info is not None:  # a post stored before files were kept has none to copy
            data = await template_media.read(conn, post.id)
            kept = MediaInfo.model_validate(info.model_dump(exclude={"template_id"}))
            await template_media.save(conn, version.id, kept, data)
    await audit.record(
        conn,
        operator.user_id,
        "template.create",
        "template",
        version.id,
        kind=version.kind,
        edit_of=post.id,
    )
    return version


def make_router() -> Router:
    """Build this feature's router. It goes first: while a new version is awaited, the next
    message is it, and a command ends the wait before any other router sees it."""
    router = Router(name=__name__)
    router.message.middleware(with_tools)
    awaited = PostActionInput.new_version
    router.message.register(waiting.on_cancel_command, awaited, Command("cancel"))
    router.message.register(waiting.on_command, awaited, F.text.startswith("/"))
    # Not for commands: the state filter still sees the wait that a command just ended.
    router.message.register(on_new_version, awaited, ~F.text.startswith("/"))
    return router
