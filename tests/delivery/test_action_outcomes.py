"""Each action's outcomes by Telegram's error name: the fake answers the action made through
TelethonPostActions and the real TelegramClient, and `action_outcome` says what it means."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from telethon import functions

from predlagator.delivery.action_outcomes import ActionOutcome, action_outcome
from predlagator.delivery.sender import Peer
from predlagator.delivery.telethon_actions import TelethonPostActions
from predlagator.delivery.telethon_sender import TelethonSender
from predlagator.models import PostAction
from predlagator.telegram_errors import CODES, TelegramFailure, describe_action
from tests.fakes.telethon_fake import FakeTelegram, fake_client
from tests.fakes.telethon_post_actions import PostActionsFake
from tests.fakes.telethon_sleeps import RecordedSleeps, telethon_sleeps_fixture  # noqa: F401

A = PostAction
R = ActionOutcome  # what happens to the row
POSTED = "<b>Offer</b> until Friday"
EDITED = "<b>Offer</b> until Sunday"

# The request each action makes (reach makes two; its first is the views read).
REQUEST = {
    A.EDIT: functions.messages.EditMessageRequest,
    A.DELETE: functions.channels.DeleteMessagesRequest,
    A.PIN: functions.messages.UpdatePinnedMessageRequest,
    A.UNPIN: functions.messages.UpdatePinnedMessageRequest,
    A.REACH: functions.channels.GetMessagesRequest,  # the posts, with views and reactions
}


@dataclass
class World:
    """One channel with one post of the account's, and the actions over it."""

    telegram: FakeTelegram
    fake: PostActionsFake
    actions: TelethonPostActions
    peer: Peer
    message_id: int

    async def act(self, action: PostAction) -> None:
        """Make `action` on the post."""
        if action is A.EDIT:
            await self.actions.edit(self.peer, self.message_id, EDITED)
        elif action is A.DELETE:
            await self.actions.delete(self.peer, [self.message_id])
        elif action is A.PIN:
            await self.actions.pin(self.peer, self.message_id)
        elif action is A.UNPIN:
            await self.actions.unpin(self.peer, self.message_id)
        else:
            await self.actions.views(self.peer, [self.message_id])


@pytest.fixture
async def world() -> AsyncIterator[World]:
    telegram = FakeTelegram()
    client = fake_client(telegram)
    sender = TelethonSender(client)
    await sender.start()
    telegram.add_channel("market")
    peer = await sender.resolve("market")
    message_id = await sender.send(peer, POSTED, random_id=1)
    assert message_id is not None
    yield World(telegram, telegram.post_actions, TelethonPostActions(client), peer, message_id)
    await sender.close()


Prepare = Callable[[World, PostAction], None]


def said(number: int, message: str, times: int = 1) -> Prepare:
    """Telegram answers the action's request with this error (`times` in a row)."""

    def said(world: World, action: PostAction) -> None:
        world.telegram.fail_next(number, message, times, request_type=REQUEST[action])

    return said


def refused(code: str) -> Prepare:
    """The chat refuses the action with `code` (an account without the rights for it)."""

    def refused(world: World, action: PostAction) -> None:
        kind = "pin" if action is A.UNPIN else action.value
        world.fake.refuse(world.peer.peer_id, kind, code)

    return refused


def broken(world: World, action: PostAction) -> None:
    """The connection breaks on the way: not Telegram's answer."""
    world.telegram.break_next(lambda: ConnectionError("reset"), request_type=REQUEST[action])


def nothing(world: World, action: PostAction) -> None:
    """The post as the account made it."""


def same_text(world: World, action: PostAction) -> None:
    """The post already reads as the edit would have it."""
    posts = world.telegram.posts[world.peer.peer_id]
    posts[0] = posts[0]._replace(text="Offer until Sunday")


def too_old(world: World, action: PostAction) -> None:
    world.fake.expire_edits(world.peer.peer_id, world.message_id)


def gone(world: World, action: PostAction) -> None:
    """The post was deleted (by a channel admin, say) before the action."""
    world.fake.state(world.peer.peer_id, world.message_id).deleted = True


def unknown_id(world: World, action: PostAction) -> None:
    world.message_id += 1000


def pinned(world: World, action: PostAction) -> None:
    world.fake.state(world.peer.peer_id, world.message_id).pinned = True


CASES: list[tuple[PostAction, Prepare, str | None, ActionOutcome]] = [
    # edit
    (A.EDIT, nothing, None, R.DONE),
    (A.EDIT, same_text, "MESSAGE_NOT_MODIFIED", R.DONE),
    (A.EDIT, too_old, "MESSAGE_EDIT_TIME_EXPIRED", R.FAILED),
    (A.EDIT, gone, "MESSAGE_ID_INVALID", R.FAILED),
    (A.EDIT, unknown_id, "MESSAGE_ID_INVALID", R.FAILED),
    (A.EDIT, refused("CHAT_ADMIN_REQUIRED"), "CHAT_ADMIN_REQUIRED", R.FAILED),
    (A.EDIT, refused("MESSAGE_AUTHOR_REQUIRED"), "MESSAGE_AUTHOR_REQUIRED", R.FAILED),
    (A.EDIT, refused("CHAT_WRITE_FORBIDDEN"), "CHAT_WRITE_FORBIDDEN", R.FAILED),
    (A.EDIT, said(400, "CHANNEL_PRIVATE"), "CHANNEL_PRIVATE", R.FAILED),
    (A.EDIT, said(400, "MESSAGE_TOO_LONG"), "MESSAGE_TOO_LONG", R.FAILED),
    (A.EDIT, said(400, "ENTITY_BOUNDS_INVALID"), "ENTITY_BOUNDS_INVALID", R.FAILED),
    (A.EDIT, said(420, "FLOOD_WAIT_30"), "FLOOD_WAIT", R.WAIT_ACCOUNT),
    (A.EDIT, said(420, "FLOOD_PREMIUM_WAIT_5"), "FLOOD_PREMIUM_WAIT", R.WAIT_ACCOUNT),
    (A.EDIT, said(400, "PEER_FLOOD"), "PEER_FLOOD", R.STOP_ACCOUNT),
    (A.EDIT, said(401, "AUTH_KEY_UNREGISTERED"), "AUTH_KEY_UNREGISTERED", R.STOP_ACCOUNT),
    (A.EDIT, said(500, "INTERNAL_SERVER_ERROR", times=3), "SERVER", R.RETRY),
    (A.EDIT, said(400, "MSG_WAIT_FAILED"), "MSG_WAIT_FAILED", R.RETRY),
    (A.EDIT, broken, "NETWORK", R.RETRY),
    # delete
    (A.DELETE, nothing, None, R.DONE),
    (A.DELETE, gone, None, R.DONE),  # Telegram deletes nothing and says so without an error
    (A.DELETE, said(400, "MESSAGE_ID_INVALID"), "MESSAGE_ID_INVALID", R.DONE),
    (A.DELETE, refused("MESSAGE_DELETE_FORBIDDEN"), "MESSAGE_DELETE_FORBIDDEN", R.FAILED),
    (A.DELETE, refused("CHAT_ADMIN_REQUIRED"), "CHAT_ADMIN_REQUIRED", R.FAILED),
    (A.DELETE, said(400, "CHANNEL_PRIVATE"), "CHANNEL_PRIVATE", R.FAILED),
    (A.DELETE, said(420, "FLOOD_WAIT_120"), "FLOOD_WAIT", R.WAIT_ACCOUNT),
    (A.DELETE, said(401, "SESSION_REVOKED"), "SESSION_REVOKED", R.STOP_ACCOUNT),
    (A.DELETE, said(500, "INTERNAL_SERVER_ERROR", times=3), "SERVER", R.RETRY),
    (A.DELETE, broken, "NETWORK", R.RETRY),
    # pin
    (A.PIN, nothing, None, R.DONE),
    (A.PIN, pinned, "CHAT_NOT_MODIFIED", R.DONE),
    (A.PIN, gone, "MESSAGE_ID_INVALID", R.FAILED),
    (A.PIN, refused("CHAT_ADMIN_REQUIRED"), "CHAT_ADMIN_REQUIRED", R.FAILED),
    (A.PIN, refused("PIN_RESTRICTED"), "PIN_RESTRICTED", R.FAILED),
    (A.PIN, said(420, "FLOOD_WAIT_30"), "FLOOD_WAIT", R.WAIT_ACCOUNT),
    (A.PIN, said(400, "USER_DEACTIVATED_BAN"), "USER_DEACTIVATED_BAN", R.STOP_ACCOUNT),
    (A.PIN, broken, "NETWORK", R.RETRY),
    # unpin
    (A.UNPIN, pinned, None, R.DONE),
    (A.UNPIN, nothing, "CHAT_NOT_MODIFIED", R.DONE),
    (A.UNPIN, gone, "MESSAGE_ID_INVALID", R.DONE),
    (A.UNPIN, refused("CHAT_ADMIN_REQUIRED"), "CHAT_ADMIN_REQUIRED", R.FAILED),
    (A.UNPIN, said(420, "FLOOD_WAIT_30"), "FLOOD_WAIT", R.WAIT_ACCOUNT),
    # reach
    (A.REACH, nothing, None, R.DONE),
    (A.REACH, said(400, "CHANNEL_PRIVATE"), "CHANNEL_PRIVATE", R.FAILED),
    (A.REACH, said(420, "FLOOD_WAIT_30"), "FLOOD_WAIT", R.WAIT_ACCOUNT),
    (A.REACH, said(401, "AUTH_KEY_UNREGISTERED"), "AUTH_KEY_UNREGISTERED", R.STOP_ACCOUNT),
    (A.REACH, said(500, "INTERNAL_SERVER_ERROR", times=3), "SERVER", R.RETRY),
]


def _case_id(case: tuple[PostAction, Prepare, str | None, ActionOutcome]) -> str:
    action, prepare, code, _ = case
    return f"{action}-{code or 'ok'}-{prepare.__name__}"


@pytest.mark.parametrize(("action", "prepare", "code", "outcome"), CASES, ids=map(_case_id, CASES))
async def test_each_outcome_by_telegram_error_name(
    world: World,
    telethon_sleeps: RecordedSleeps,
    action: PostAction,
    prepare: Prepare,
    code: str | None,
    outcome: ActionOutcome,
) -> None:
    prepare(world, action)

    try:
        await world.act(action)
    except TelegramFailure as failure:
        assert failure.code == code
        assert action_outcome(action, failure.code) is outcome
        # The reason in the operator's words, never the raw code.
        assert failure.code not in describe_action(action, failure.code, "en")
        assert failure.code not in describe_action(action, failure.code, "ru")
    else:
        assert code is None, f"expected {code}"
        assert outcome is R.DONE

    if outcome is R.WAIT_ACCOUNT:
        # Surfaces at once: Telethon neither sleeps nor retries a flood wait.
        assert telethon_sleeps.delays == []
        assert world.telegram.request_names().count(REQUEST[action].__name__) == 1
    if code == "SERVER":  # Telethon's own two retries, 2 s apart, then ours
        assert telethon_sleeps.delays == [2, 2, 2]
    if outcome is not R.DONE and action is A.EDIT:
        assert world.fake.text(world.peer.peer_id, 1) == "Offer until Friday"


async def test_a_flood_wait_on_an_action_says_how_long(world: World) -> None:
    world.telegram.fail_next(420, "FLOOD_WAIT_45", request_type=REQUEST[A.DELETE])
    with pytest.raises(TelegramFailure) as failure:
        await world.act(A.DELETE)
    assert (failure.value.code, failure.value.seconds) == ("FLOOD_WAIT", 45)
    assert not world.fake.state(world.peer.peer_id, world.message_id).deleted


@pytest.mark.parametrize("action", list(A))
@pytest.mark.parametrize("code", sorted(CODES))
def test_every_code_of_the_taxonomy_has_an_outcome_for_every_action(
    action: PostAction, code: str
) -> None:
    assert action_outcome(action, code) in set(R)


@pytest.mark.parametrize("action", list(A))
def test_an_action_never_deactivates_a_channel_and_unknown_codes_retry(action: PostAction) -> None:
    assert action_outcome(action, "USER_BANNED_IN_CHANNEL") is R.FAILED
    assert action_outcome(action, "SOMETHING_NEW") is R.RETRY
    assert action_outcome(action, "FLOOD_WAIT_30") is R.WAIT_ACCOUNT  # a whole code is split
