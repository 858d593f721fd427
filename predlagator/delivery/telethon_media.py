"""Media posts over Telethon: a template's file as an uploaded InputMedia, then reused."""

from __future__ import annotations

from typing import Any

from telethon import types

from predlagator.delivery.sender import MediaFile

# Telegram refuses a reused photo or document when its file reference has expired, and an
# uploaded file once its parts are gone: the sender uploads the file again and retries once
# (the refused request posted nothing).
STALE_MEDIA = frozenset(
    {
        "FILE_REFERENCE_EXPIRED",
        "FILE_REFERENCE_INVALID",
        "MEDIA_EMPTY",
        "FILE_PARTS_INVALID",
        "FILE_PART_MISSING",
    }
)


def uploaded(file: Any, media: MediaFile) -> Any:
    """The InputMedia for a freshly uploaded file (InputFile or InputFileBig)."""
    if media.kind == "photo":
        return types.InputMediaUploadedPhoto(file=file)
    info = media.info
    attributes: list[Any] = [types.DocumentAttributeFilename(info.file_name)]
    if media.kind == "video":
        attributes.append(
            types.DocumentAttributeVideo(
                duration=info.duration or 0,
                w=info.width or 0,
                h=info.height or 0,
                supports_streaming=True,
            )
        )
    return types.InputMediaUploadedDocument(
        file=file,
        mime_type=info.mime_type,
        attributes=attributes,
        # A document stays a file even when it is an image or a video, as the operator sent it.
        force_file=media.kind == "document" or None,
    )


def reusable(result: Any) -> Any | None:
    """The posted photo or document of a send's result, as InputMedia for the next channel."""
    return _reusable(result, (types.UpdateNewChannelMessage, types.UpdateNewMessage))


def reusable_edit(result: Any) -> Any | None:
    """The same for an edit's result: the file the edited post now carries."""
    return _reusable(result, (types.UpdateEditChannelMessage, types.UpdateEditMessage))


def _reusable(result: Any, kinds: tuple[type, ...]) -> Any | None:
    for update in _updates(result):
        if not isinstance(update, kinds):
            continue
        media = getattr(getattr(update, "message", None), "media", None)
        if isinstance(media, types.MessageMediaPhoto) and isinstance(media.photo, types.Photo):
            photo = media.photo
            return types.InputMediaPhoto(
                types.InputPhoto(photo.id, photo.access_hash, photo.file_reference)
            )
        if isinstance(media, types.MessageMediaDocument) and isinstance(
            media.document, types.Document
        ):
            document = media.document
            return types.InputMediaDocument(
                types.InputDocument(document.id, document.access_hash, document.file_reference)
            )
    return None


def _updates(result: Any) -> list[Any]:
    if isinstance(result, types.UpdateShort):
        return [result.update]
    return list(getattr(result, "updates", None) or [])
