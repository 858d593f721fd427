"""What actions over a campaign's posts need from the account that made them: edit, delete,
pin, unpin, and read their reach back."""

from __future__ import annotations

from typing import NamedTuple, Protocol, runtime_checkable

from predlagator.delivery.sender import MediaFile
from predlagator.models import Peer

__all__ = ["ActsOnPosts", "PostActions", "Reach"]


class Reach(NamedTuple):
    """One post's reach as Telegram counts it.

    `views` and `forwards` are None where Telegram keeps no such counter (basic groups, private
    chats) or no longer has the post; `reactions_total` sums every reaction's count; `members`
    is the chat's member count where Telegram gave it.
    """

    message_id: int
    views: int | None
    forwards: int | None
    reactions_total: int
    # The chat's member count where Telegram said it in the same answer.
    members: int | None = None
    # False when Telegram no longer has the post (deleted): nothing was counted.
    found: bool = True


class PostActions(Protocol):
    """A user account acting on posts it made. Failures raise `errors.TelegramFailure`, named
    as for sends; `delivery.action_outcomes` says what each means for an action."""

    async def edit(
        self, peer: Peer, message_id: int, html: str, media: MediaFile | None = None
    ) -> None:
        """Replace the post's text (a media post's caption) with `html`; with `media`, replace
        its file too. An unchanged post raises MESSAGE_NOT_MODIFIED."""
        ...

    async def delete(self, peer: Peer, message_ids: list[int]) -> None:
        """Delete the posts for everyone; ids already gone are no error."""
        ...

    async def pin(self, peer: Peer, message_id: int, silent: bool = True) -> None:
        """Pin the post; `silent` (the default) notifies nobody."""
        ...

    async def unpin(self, peer: Peer, message_id: int) -> None:
        """Unpin the post."""
        ...

    async def views(self, peer: Peer, message_ids: list[int]) -> list[Reach]:
        """Views, forwards and reactions of the posts in one chat, in the order asked, without
        counting a view."""
        ...


@runtime_checkable
class ActsOnPosts(Protocol):
    """A sender that also gives the actions over its account's posts (one session for both)."""

    def post_actions(self) -> PostActions:
        """The account's PostActions, over the sender's own connection."""
        ...
