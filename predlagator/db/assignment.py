"""Which account sends each delivery: the one that knows the channel, else the least loaded."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One delivery to place: its key, the accounts that may take it and those that know it."""

    key: int
    candidates: Sequence[int]
    sticky: Sequence[int] = ()


def plan(rows: Sequence[Row], pending: Mapping[int, int], paces: Mapping[int, float]) -> list[int]:
    """The account for each row (in order), or 0 where no candidate may take it.

    A row goes to an account that already knows its channel (resolved it or posted to it), so
    access hashes and memberships are reused; among several, and for every other row, to the
    one that would finish first with it: (pending + 1) ÷ pace, so accounts finish together.
    Rows that know their account are placed first, so the free ones even out around them.
    """
    load = {account: float(pending.get(account, 0)) for account in paces}

    def finish(account: int) -> tuple[float, int]:
        return ((load[account] + 1) / paces[account], account)

    chosen = [0] * len(rows)
    free: list[int] = []
    for index, row in enumerate(rows):
        known = [a for a in row.sticky if a in row.candidates and a in paces]
        if not known:
            free.append(index)
            continue
        account = min(known, key=finish)
        chosen[index] = account
        load[account] += 1
    # The free rows of one candidate set share a heap; handovers mix sets, so one per set.
    heaps: dict[tuple[int, ...], list[tuple[float, int]]] = {}
    for index in free:
        key = tuple(sorted(a for a in rows[index].candidates if a in paces))
        if not key:
            continue
        heap = heaps.get(key)
        if heap is None:
            heap = heaps[key] = [finish(a) for a in key]
            heapq.heapify(heap)
        # Entries of an account another set moved on are stale: take them afresh.
        while True:
            at, account = heap[0]
            fresh = finish(account)
            if fresh == (at, account):
                break
            heapq.heapreplace(heap, fresh)
        chosen[index] = account
        load[account] += 1
        heapq.heapreplace(heap, finish(account))
    return chosen
