"""aiogram FSM storage in PostgreSQL: dialogs survive a bot restart and are shared by processes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey

from predlagator.db import fsm
from predlagator.db.pool import Pool


def key_columns(key: StorageKey) -> dict[str, int | str]:
    """The row key of a StorageKey; absent thread and business ids become 0 and ''."""
    return {
        "bot_id": key.bot_id,
        "chat_id": key.chat_id,
        "user_id": key.user_id,
        "thread_id": key.thread_id or 0,
        "business_connection_id": key.business_connection_id or "",
        "destiny": key.destiny,
    }


class PostgresStorage(BaseStorage):
    """States and data in the fsm_states table, over the process's pool (data must be JSON)."""

    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        """Store the state (a State, its name, or None to clear it)."""
        name = state.state if isinstance(state, State) else state
        async with self.pool.connection() as conn:
            await fsm.set_state(conn, key_columns(key), name)

    async def get_state(self, key: StorageKey) -> str | None:
        """Return the stored state's name, or None."""
        async with self.pool.connection() as conn:
            state, _ = await fsm.get(conn, key_columns(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the stored data (a dict of JSON values)."""
        if not isinstance(data, dict):
            # The same refusal as aiogram's own storages give.
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        async with self.pool.connection() as conn:
            await fsm.set_data(conn, key_columns(key), data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        """Return a copy of the stored data ({} when none)."""
        async with self.pool.connection() as conn:
            _, data = await fsm.get(conn, key_columns(key))
        return data

    async def close(self) -> None:
        """Nothing to release: the pool belongs to the process, which closes it last."""
