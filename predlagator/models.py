"""Typed rows of our tables and the values that travel between parts."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class Role(StrEnum):
    """What an operator may do: owners manage operators, viewers only look."""

    OWNER = "owner"
    OPERATOR = "operator"
    VIEWER = "viewer"


class CampaignStatus(StrEnum):
    """Lifecycle of a campaign (DESIGN.md)."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    RUNNING = "running"
    PAUSED = "paused"
    WAITING = "waiting"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


FINISHED = frozenset({CampaignStatus.COMPLETED, CampaignStatus.CANCELLED})


class DeliveryStatus(StrEnum):
    """Lifecycle of one post to one channel."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PostAction(StrEnum):
    """What can be done to a campaign's posts once they are out (issue 11)."""

    EDIT = "edit"
    DELETE = "delete"
    PIN = "pin"
    UNPIN = "unpin"
    REACH = "reach"  # read views, forwards and reactions back


class ActionStatus(StrEnum):
    """Lifecycle of an action over a campaign's posts (a small campaign of its own)."""

    RUNNING = "running"
    PAUSED = "paused"
    WAITING = "waiting"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


ACTION_OPEN = frozenset({ActionStatus.RUNNING, ActionStatus.PAUSED, ActionStatus.WAITING})


class ActionRowStatus(StrEnum):
    """Lifecycle of an action on one post."""

    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Operator(BaseModel):
    """Someone allowed to use the bot."""

    user_id: int
    role: Role
    added_by: int | None
    language: str | None
    created_at: datetime


class Account(BaseModel):
    """A sending user account of the pool: its session (encrypted), state, pace and limits."""

    id: int
    name: str
    status: str  # active | paused | stopped
    stop_reason: str | None
    flood_until: datetime | None
    rate_per_minute: float
    last_slot_at: datetime | None
    kind: str = "telegram"  # telegram | simulated
    session_enc: bytes | None = None
    daily_cap: int | None = None
    posts_day: date | None = None
    posts_today: int = 0
    sim_latency_ms: int = 300
    sim_failure_share: float = 0.0
    held_by: str | None = None
    held_since: datetime | None = None
    removed_at: datetime | None = None


class Channel(BaseModel):
    """A channel or group that posts go to."""

    id: int
    ref: str
    title: str | None
    active: bool
    consecutive_errors: int
    # Why it was switched off: the error's code, and how many times in a row it came.
    deactivated_code: str | None
    deactivated_count: int | None
    deactivated_at: datetime | None = None


class AccountPeer(BaseModel):
    """A channel as resolved by one account: id and access hash."""

    account_id: int
    channel_id: int
    peer_type: str
    peer_id: int
    access_hash: int


class Peer(BaseModel):
    """A resolved channel, group or user, valid for the account that resolved it."""

    peer_type: str  # "channel", "chat", "user", or "self" (the account's Saved Messages)
    peer_id: int
    access_hash: int = 0
    title: str | None = None


class Batch(BaseModel):
    """A named list of channels."""

    id: int
    name: str
    created_by: int | None
    created_at: datetime
    channel_count: int = 0
    active_count: int = 0
    archived_at: datetime | None = None  # set when deleted: campaigns still point at it


class Template(BaseModel):
    """A post: HTML text (the caption of a media post) and optional media."""

    id: int
    name: str
    html: str
    media_kind: str | None  # "photo", "video" or "document"; None for a text post
    media_file_id: str | None  # the Bot API's file_id, for the bot's own previews
    created_by: int | None
    created_at: datetime
    archived_at: datetime | None = None  # deleted by an operator; campaigns still point here

    @property
    def kind(self) -> str:
        """What the post is: "text", "photo", "video" or "document"."""
        return self.media_kind or "text"


class MediaInfo(BaseModel):
    """A template's file as the bot downloaded it, without the bytes."""

    file_name: str
    mime_type: str
    size: int
    width: int | None = None
    height: int | None = None
    duration: int | None = None


class TemplateMedia(MediaInfo):
    """The stored file of a media template, without the bytes."""

    template_id: int


class Campaign(BaseModel):
    """One template sent to one batch from one account at a rate."""

    id: int
    name: str
    batch_id: int
    template_id: int
    account_id: int
    rate_per_minute: float | None  # None: no cap, its accounts' paces together
    retry_limit: int
    status: CampaignStatus
    status_reason: str | None
    resume_at: datetime | None
    chat_id: int | None
    card_message_id: int | None
    card_digest: str | None = None  # what the card last showed (see bot/campaigns/card.py)
    language: str
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    start_at: datetime | None = None  # when a scheduled campaign is due to start
    # A recurring campaign's rule (predlagator/recurrence.py), its round, and when the next
    # starts (None: no round after this one). Between rounds it is scheduled, ledger made.
    repeat: dict[str, Any] | None = None
    round: int = 1
    next_round_at: datetime | None = None


class Delivery(BaseModel):
    """One row of the ledger: a campaign's post to one channel (in one round)."""

    id: int
    campaign_id: int
    channel_id: int
    round: int = 1
    status: DeliveryStatus
    attempts: int
    random_id: int
    message_id: int | None
    error_code: str | None
    error_text: str | None
    next_attempt_at: datetime
    sent_at: datetime | None


class Claim(BaseModel):
    """A delivery claimed for sending, with everything the sender needs."""

    delivery_id: int
    campaign_id: int
    channel_id: int
    channel_ref: str
    # False: switched off since the ledger was made; the claim fails the row untried.
    channel_active: bool = True
    random_id: int
    attempts: int
    html: str
    peer_type: str | None
    peer_id: int | None
    access_hash: int | None
    template_id: int = 0
    media_kind: str | None = None  # the template's photo, video or document, if any
    # The paces the batch is planned with, read with the claim: each rate, each last reserved
    # slot, and the clock they are measured against.
    campaign_rate: float
    campaign_slot_at: datetime | None
    account_rate: float
    account_slot_at: datetime | None
    now: datetime
    last_pending: bool = False  # nothing of its campaign is pending after it: it may end it


class Progress(BaseModel):
    """A campaign's ledger and pace, read in one query."""

    campaign_id: int
    status: CampaignStatus
    total: int
    queued: int
    retrying: int  # queued rows whose retry time has not come yet
    sending: int
    sent: int
    failed: int
    cancelled: int
    sent_last_minute: int
    rate_per_minute: float | None  # None: no cap (the campaign's accounts' paces together)
    resume_at: datetime | None
    flood_until: datetime | None  # the account's current flood wait, if any
    started_at: datetime | None
    finished_at: datetime | None
    round: int = 1  # the counts are this round's (a campaign sent once has only round 1)
    next_round_at: datetime | None = None

    @property
    def done(self) -> int:
        """Deliveries that reached an end state."""
        return self.sent + self.failed + self.cancelled

    @property
    def pending(self) -> int:
        """Deliveries still to go."""
        return self.queued + self.sending

    @property
    def eta_minutes(self) -> float:
        """Minutes left at the campaign's pace, plus what remains of a wait."""
        # With no cap the pace is its accounts' (bot/campaigns/split.py knows them); without
        # them, the pace of the last minute is the best guess.
        rate = self.rate_per_minute or max(self.sent_last_minute, 1)
        minutes = self.pending / rate
        wait_end = self.flood_until or self.resume_at
        if wait_end is not None and self.status is CampaignStatus.WAITING:
            minutes += max((wait_end - datetime.now(wait_end.tzinfo)).total_seconds(), 0) / 60
        return minutes


class AuditEntry(BaseModel):
    """Who did what to what, and when."""

    id: int
    actor_id: int | None
    action: str
    object_type: str | None
    object_id: int | None
    details: dict[str, Any]
    created_at: datetime


class CampaignAction(BaseModel):
    """An operator's action over a campaign's posts: edit, delete, pin or unpin."""

    id: int
    campaign_id: int
    kind: PostAction
    round: int | None = None  # a recurring campaign's round whose posts it acts on (None: all)
    template_id: int | None  # an edit's new version
    silent: bool  # a pin's: notify nobody
    status: ActionStatus
    status_reason: str | None
    chat_id: int | None
    card_message_id: int | None
    created_by: int | None
    created_at: datetime
    finished_at: datetime | None
    label: str | None = None  # a reach collection's: '1h', '24h' or 'manual'


class ReachFigure(BaseModel):
    """A post's latest reach as read back from Telegram, with its channel's members."""

    channel_id: int
    channel_ref: str
    channel_title: str | None
    views: int | None
    forwards: int | None
    reactions: int | None
    reach_read_at: datetime
    members: int | None


class ActionProgress(BaseModel):
    """An action's ledger, read in one query."""

    action_id: int
    kind: PostAction
    status: ActionStatus
    total: int
    queued: int
    sending: int
    done: int
    failed: int
    cancelled: int
    errors: dict[str, int]  # error code (failed rows) or note code (done rows) -> rows
    waiting_for_account: int  # pending rows whose account is stopped, paused or removed
    flood_until: datetime | None  # the latest flood wait among accounts with pending rows

    @property
    def pending(self) -> int:
        """Rows still to go."""
        return self.queued + self.sending


class ActionRow(BaseModel):
    """One row of an action's ledger."""

    id: int
    action_id: int
    delivery_id: int
    kind: PostAction
    account_id: int
    status: ActionRowStatus
    attempts: int
    next_attempt_at: datetime
    error_code: str | None
    error_text: str | None
    note_code: str | None
    done_at: datetime | None


class ActionReportRow(BaseModel):
    """An action's outcome in one channel, for the report and its CSV."""

    action_id: int
    kind: PostAction
    channel_ref: str
    channel_title: str | None
    status: ActionRowStatus
    error_code: str | None
    note_code: str | None
    done_at: datetime | None


class ActionClaim(BaseModel):
    """An action row claimed for sending, with everything PostActions needs."""

    row_id: int
    action_id: int
    campaign_id: int
    kind: PostAction
    delivery_id: int
    channel_id: int
    channel_ref: str
    message_id: int  # 0 on a row whose post is not out (post_out false)
    # False: the post ended without being out (failed, cancelled, no message id); the claim
    # settles the row and claims again.
    post_out: bool = True
    attempts: int
    retry_limit: int
    silent: bool
    template_id: int | None  # an edit's new version
    html: str | None  # an edit's new text
    media_kind: str | None  # the new version's media, if any
    peer_type: str | None
    peer_id: int | None
    access_hash: int | None
    # The account's pace as the claim read it, and the clock it is measured against.
    account_rate: float
    account_slot_at: datetime | None
    now: datetime
