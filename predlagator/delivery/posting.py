"""One claimed post through the sender: the text, or the template's file with it as caption."""

from __future__ import annotations

import functools

from predlagator.db import template_media
from predlagator.db.rows import Conn
from predlagator.delivery.sender import MediaFile, Peer, Sender
from predlagator.models import Claim
from predlagator.telegram_errors import TelegramFailure


class Poster:
    """Send claims through one sender, looking up each media template's file once."""

    def __init__(self, sender: Sender) -> None:
        self._sender = sender
        self._files: dict[int, MediaFile] = {}

    async def post(self, conn: Conn, peer: Peer, claim: Claim) -> int | None:
        """Send the claim's post with its stored random_id; return the message id if told."""
        if claim.media_kind is None:
            return await self._sender.send(peer, claim.html, claim.random_id)
        media = self._files.get(claim.template_id)
        if media is None:
            media = await media_file(conn, claim.template_id, claim.media_kind)
            self._files[claim.template_id] = media
        return await self._sender.send_media(peer, claim.html, media, claim.random_id)


async def media_file(conn: Conn, template_id: int, kind: str) -> MediaFile:
    """The template's file; its bytes are read on `conn` only if the sender must upload them."""
    info = await template_media.info(conn, template_id)
    if info is None:
        raise TelegramFailure("MEDIA_MISSING", text="the template's file is not stored")
    return MediaFile(
        kind=kind, info=info, read=functools.partial(template_media.read, conn, template_id)
    )
