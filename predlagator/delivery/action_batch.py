"""One batch of an account's actions over posts: plan their slots at the account's pace,
reserve them, then for each row wait, re-check, mark sending, act and record.

Actions take the account's pace slots (accounts.last_slot_at) and its window guard (the
PostLog's account scope), the same ones its posts take, so posts and actions together never
exceed the account's pace in any window.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from predlagator.db import action_rows, channels
from predlagator.db import pacing as slots
from predlagator.db.rows import Conn
from predlagator.delivery import action_record, pacing, posting
from predlagator.delivery.chat_updates import ChatUpdates
from predlagator.delivery.post_actions import PostActions
from predlagator.delivery.sender import MediaFile, Peer
from predlagator.models import ActionClaim, PostAction
from predlagator.telegram_errors import TelegramFailure

if TYPE_CHECKING:
    from predlagator.delivery.drain import DrainDeps


async def act(
    deps: DrainDeps,
    conn: Conn,
    account_id: int,
    actions: PostActions,
    chat: ChatUpdates,
    files: dict[int, MediaFile],
    *,
    batch_s: float,
    limit: int,
) -> bool | None:
    """Claim and act on one batch of the account's due action rows (up to `limit`, spanning
    `batch_s` of its pace): None when none is due, else whether the drain may go on."""
    claims = await action_rows.claim(
        conn,
        account_id,
        limit=limit,
        batch_s=batch_s,
        now=deps.now(),
        spacing=pacing.SLOT_SPACING,
    )
    if not claims:
        return None
    deps.let_go.forget_before(deps.monotonic())
    deps.left.forget_before(deps.monotonic())
    batch = ActionBatch(deps, conn, account_id, actions, claims, chat, files)
    return await batch.send()


def plan_slots(claims: list[ActionClaim], *, spacing: float, jitter: float = 0.0) -> list[datetime]:
    """Each row's slot: one account interval after the previous (or the account's last
    reserved slot), never before now; each gap stretched by up to `jitter`, never shortened."""
    first = claims[0]
    gap_s = pacing.interval_s(first.account_rate) * (1 + spacing)
    at: datetime | None = first.account_slot_at
    out = []
    for _ in claims:
        gap = timedelta(seconds=gap_s * (1 + jitter * random.random()))
        at = first.now if at is None else max(first.now, at + gap)
        out.append(at)
    return out


class _Step(Enum):
    """What follows one row."""

    NEXT = "next"  # the batch's next row
    STOP_BATCH = "stop batch"  # the drain claims again
    STOP_DRAIN = "stop drain"  # a flood wait or the account's stop


@dataclass
class ActionBatch:
    """Act on one claim's rows in order; `send` says whether the drain may go on."""

    deps: DrainDeps
    conn: Conn
    account_id: int
    actions: PostActions
    claims: list[ActionClaim]
    chat: ChatUpdates
    files: dict[int, MediaFile] = field(default_factory=dict)
    _late_s: float = 0.0

    async def send(self) -> bool:
        """Reserve the rows' slots and act; False when the drain must stop."""
        planned = plan_slots(
            self.claims, spacing=pacing.SLOT_SPACING, jitter=self.deps.policy.pacing_jitter
        )
        start = self.deps.monotonic()
        now = self.claims[0].now
        await slots.set_slots(self.conn, self.account_id, planned[-1], {})
        reached = 0
        go_on = True
        for claim, slot in zip(self.claims, planned, strict=True):
            moment = start + (slot - now).total_seconds() + self._late_s
            step = await self._one(claim, moment)
            reached += 1
            if step is not _Step.NEXT:
                go_on = step is _Step.STOP_BATCH
                break
        if reached < len(self.claims) or self._late_s > 0:
            # Stopped early, or moved back after a stall: what was not used holds nothing.
            kept = planned[reached - 1] if reached else self.claims[0].account_slot_at
            if kept is not None and reached:
                kept += timedelta(seconds=self._late_s)
            await slots.set_slots(self.conn, self.account_id, kept, {})
        return go_on

    async def _one(self, claim: ActionClaim, moment: float) -> _Step:
        """One row: wait for its slot, mark, act, record."""
        marked = False
        try:
            peer = await self._peer(claim)
            now, held = await self._hold(self.deps.let_go, claim, moment)
            if held:
                self._late_s += now - moment
            # The last look at the action and the account, in one statement with the mark.
            marked = await action_rows.mark_sending(self.conn, claim.row_id)
            if not marked:
                # Paused or cancelled a moment ago (or the account paused): the rest of the
                # batch stays queued and its slots are given back; the drain claims again.
                return _Step.STOP_BATCH
            await self._hold(self.deps.left, claim, self.deps.monotonic())
            # Counted from when its request is written out, as a post is (Batch._leave).
            account: pacing.Scope = ("account", self.account_id, 0)
            pacing.settle_once_sent(self.deps.left, [account], self.deps.monotonic)
            await self._act(claim, peer)
        except TelegramFailure as failure:
            if not marked:  # a failed first-time resolve counts as an attempt too
                await action_rows.mark_sending(self.conn, claim.row_id)
            effects = await action_record.record_failure(
                self.conn, self.account_id, claim, failure, self.deps.policy
            )
            await self.chat.after(None, effects)
            if claim.kind is not PostAction.REACH:
                await self.chat.refresh(claim.campaign_id)
            return _Step.STOP_DRAIN if effects.stop_draining else _Step.NEXT
        await action_rows.mark_done(self.conn, claim.row_id)
        if claim.kind is not PostAction.REACH:  # a read changes nothing the card shows
            await self.chat.refresh(claim.campaign_id)
        return _Step.NEXT

    async def _act(self, claim: ActionClaim, peer: Peer) -> None:
        if claim.kind is PostAction.EDIT:
            media = await self._media(claim)
            await self.actions.edit(peer, claim.message_id, claim.html or "", media)
        elif claim.kind is PostAction.DELETE:
            await self.actions.delete(peer, [claim.message_id])
        elif claim.kind is PostAction.PIN:
            await self.actions.pin(peer, claim.message_id, claim.silent)
        elif claim.kind is PostAction.UNPIN:
            await self.actions.unpin(peer, claim.message_id)
        else:
            await self._read(claim, peer)

    async def _read(self, claim: ActionClaim, peer: Peer) -> None:
        """A reach read: the post's views, forwards and reactions, kept on its row and post."""
        (reach,) = await self.actions.views(peer, [claim.message_id])
        if not reach.found:
            # Deleted since: the row fails with the reason, the post keeps what was last read.
            raise TelegramFailure("MESSAGE_ID_INVALID", text="the post is no longer in the chat")
        await action_rows.record_reach(
            self.conn,
            claim.row_id,
            views=reach.views,
            forwards=reach.forwards,
            reactions=reach.reactions_total,
            members=reach.members,
        )

    async def _media(self, claim: ActionClaim) -> MediaFile | None:
        """The new version's file, when it has one: a media post keeps its file otherwise."""
        if claim.media_kind is None or claim.template_id is None:
            return None
        media = self.files.get(claim.template_id)
        if media is None:
            media = await posting.media_file(self.conn, claim.template_id, claim.media_kind)
            self.files[claim.template_id] = media
        return media

    async def _peer(self, claim: ActionClaim) -> Peer:
        """The chat as this account knows it (it made the post, so it resolved it)."""
        if claim.peer_type is not None and claim.peer_id is not None:
            return Peer(
                peer_type=claim.peer_type,
                peer_id=claim.peer_id,
                access_hash=claim.access_hash or 0,
            )
        peer = await self.deps.sender.resolve(claim.channel_ref)
        await channels.save_peers(self.conn, self.account_id, [(claim.channel_id, peer)])
        return peer

    async def _hold(
        self, log: pacing.PostLog, claim: ActionClaim, moment: float
    ) -> tuple[float, bool]:
        """Wait from `moment` on as long as the account's pace needs in `log` (the posts'
        own log, account scope), then count the request there; return that moment, and
        whether a window held it."""
        scope: pacing.Scope = ("account", self.account_id, 0)
        gapped = log.after_gap(scope, claim.account_rate, moment)
        moment = log.after_windows(scope, claim.account_rate, gapped)
        delay = moment - self.deps.monotonic()
        if delay > 0:
            await self.deps.sleep(delay)
        now = self.deps.monotonic()
        log.record([scope], now)
        return now, moment > gapped
