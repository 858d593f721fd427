"""Changes to a batch (add, remove, rename, delete): each one audited, each with its reply."""

from __future__ import annotations

from predlagator.bot.batches.create import duplicates_line, invalid_report
from predlagator.bot.batches.refs import MAX_ENTRIES, ParsedRefs, display
from predlagator.bot.texts import t, tn
from predlagator.db import audit, batches
from predlagator.db.pool import Pool
from predlagator.db.rows import Conn
from predlagator.models import Batch, Campaign, CampaignStatus, Operator

SHOWN_MISSING = 20


class Refusal(str):
    """A reply to a list that changed nothing, so the bot keeps waiting for a better one."""

    __slots__ = ()


async def add_channels(
    pool: Pool, operator: Operator, lang: str, batch_id: int, parsed: ParsedRefs
) -> tuple[str, str] | None:
    """Merge refs into the batch; return (reply, batch name), or None if the batch is gone."""
    async with pool.connection() as conn, conn.transaction():
        batch = await batches.get(conn, batch_id)
        result = await batches.add_refs(conn, batch_id, parsed.refs, MAX_ENTRIES)
        if batch is None or result is None:
            return None
        if isinstance(result, batches.Full):
            return Refusal(full(lang, batch, result)), batch.name
        details = {
            "added": result.added,
            "in_batch": result.in_batch,
            "new": result.new_channels,
            "invalid": len(parsed.invalid),
        }
        await audit.record(conn, operator.user_id, "batch.add", "batch", batch_id, **details)
        note = await started_note(conn, batch_id, lang)
    reply = tn(
        lang,
        "Added {n} channel to «{name}» ({new} new to the bot); {in_batch} already in it.",
        "Added {n} channels to «{name}» ({new} new to the bot); {in_batch} already in it.",
        result.added,
        name=batch.name,
        new=result.new_channels,
        in_batch=result.in_batch,
    )
    return reply + duplicates_line(parsed, lang) + invalid_report(parsed.invalid, lang) + note, (
        batch.name
    )


def full(lang: str, batch: Batch, result: batches.Full) -> str:
    """The refusal of an addition that would take the batch over the cap."""
    return t(
        lang,
        "«{name}» has {has} channels and this list adds {adding}; a batch holds at most {max}. "
        "Nothing was added.",
        name=batch.name,
        has=result.has,
        adding=result.adding,
        max=MAX_ENTRIES,
    )


async def remove_channels(
    pool: Pool, operator: Operator, lang: str, batch_id: int, parsed: ParsedRefs
) -> tuple[str, str] | None:
    """Take refs out of the batch; return (reply, batch name), or None if the batch is gone."""
    async with pool.connection() as conn, conn.transaction():
        batch = await batches.get(conn, batch_id)
        removed = await batches.remove_refs(conn, batch_id, parsed.refs)
        if batch is None or removed is None:
            return None
        gone = set(removed)
        missing = [ref for ref in parsed.refs if ref not in gone]
        details = {"removed": len(removed), "not_in_batch": len(missing)}
        await audit.record(conn, operator.user_id, "batch.remove", "batch", batch_id, **details)
        note = await started_note(conn, batch_id, lang)
    reply = tn(
        lang,
        "Removed {n} channel from «{name}».",
        "Removed {n} channels from «{name}».",
        len(removed),
        name=batch.name,
    )
    return reply + missing_report(lang, missing) + invalid_report(parsed.invalid, lang) + note, (
        batch.name
    )


def missing_report(lang: str, missing: list[str]) -> str:
    """The refs that were not in the batch, at most SHOWN_MISSING of them."""
    if not missing:
        return ""
    lines = [t(lang, "Not in this batch ({n}):", n=len(missing))]
    lines += [t(lang, "• {ref}", ref=display(ref)) for ref in missing[:SHOWN_MISSING]]
    if len(missing) > SHOWN_MISSING:
        lines.append(t(lang, "…and {n} more", n=len(missing) - SHOWN_MISSING))
    return "\n\n" + "\n".join(lines)


async def started_note(conn: Conn, batch_id: int, lang: str) -> str:
    """Say that campaigns already under way keep the channel list they started with.

    A campaign's ledger is made at launch, so a change reaches the campaigns that launch later
    (a scheduled one included) and never one already running, paused or waiting.
    """
    unfinished = await batches.unfinished_campaigns(conn, batch_id)
    started = [c for c in unfinished if c.status is not CampaignStatus.SCHEDULED]
    if not started:
        return ""
    return "\n\n" + tn(
        lang,
        "Campaign {ids} has already started and keeps its channel list; "
        "this change applies to campaigns that start from now on.",
        "Campaigns {ids} have already started and keep their channel lists; "
        "this change applies to campaigns that start from now on.",
        len(started),
        ids=ids_text(started),
    )


def ids_text(found: list[Campaign]) -> str:
    """#3, #5 and #8."""
    return ", ".join(f"#{c.id}" for c in found)


async def rename(pool: Pool, operator: Operator, lang: str, batch_id: int, name: str) -> str | None:
    """Rename the batch; return the reply, or None if the batch is gone."""
    async with pool.connection() as conn, conn.transaction():
        before = await batches.get(conn, batch_id)
        after = await batches.rename(conn, batch_id, name)
        if before is None or after is None:
            return None
        details = {"old": before.name, "new": name}
        await audit.record(conn, operator.user_id, "batch.rename", "batch", batch_id, **details)
    return t(lang, "Batch #{id} is now called «{name}».", id=batch_id, name=name)


def busy(lang: str, unfinished: list[Campaign]) -> str:
    """Why a batch can't be deleted now."""
    return tn(
        lang,
        "Campaign {ids} uses this batch and has not finished, so the batch can't be deleted now. "
        "Try again once it completes or is cancelled.",
        "Campaigns {ids} use this batch and have not finished, so the batch can't be deleted now. "
        "Try again once they complete or are cancelled.",
        len(unfinished),
        ids=ids_text(unfinished),
    )


async def delete(pool: Pool, operator: Operator, lang: str, batch_id: int) -> tuple[bool, str]:
    """Archive the batch; return (done, what to tell the operator)."""
    async with pool.connection() as conn, conn.transaction():
        batch = await batches.get(conn, batch_id)
        archived = await batches.archive(conn, batch_id)
        if archived is not None and batch is not None:
            details = {"name": batch.name, "channels": batch.channel_count}
            await audit.record(conn, operator.user_id, "batch.delete", "batch", batch_id, **details)
            return True, t(lang, "Batch «{name}» deleted.", name=batch.name)
        if batch is None:
            return False, t(lang, "This batch was already deleted.")
        return False, busy(lang, await batches.unfinished_campaigns(conn, batch_id))
