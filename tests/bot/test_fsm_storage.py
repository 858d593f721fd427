"""The FSM storage in PostgreSQL: states and data by every part of the key, on a real database."""

from __future__ import annotations

import dataclasses

import pytest
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from predlagator.bot.fsm_storage import PostgresStorage
from predlagator.db.pool import Pool

KEY = StorageKey(bot_id=1, chat_id=10, user_id=100)


class Dialog(StatesGroup):
    first = State()
    second = State()


async def rows(pool: Pool) -> list[dict[str, object]]:
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT bot_id, chat_id, user_id, thread_id, business_connection_id, destiny, state, "
            "data FROM fsm_states ORDER BY chat_id, user_id, thread_id, destiny"
        )
        return list(await cur.fetchall())


async def test_nothing_stored_reads_as_no_state_and_empty_data(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}
    assert await storage.get_value(KEY, "x", 5) == 5


async def test_state_and_data_round_trip(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    await storage.set_state(KEY, Dialog.first)
    await storage.set_data(KEY, {"name": "Shops <b>", "ids": [1, 2], "rate": 0.5, "n": None})
    assert await storage.get_state(KEY) == "Dialog:first"
    assert await storage.get_data(KEY) == {
        "name": "Shops <b>",
        "ids": [1, 2],
        "rate": 0.5,
        "n": None,
    }

    await storage.set_state(KEY, "Dialog:second")  # a state's name works as well as the State
    assert await storage.update_data(KEY, {"rate": 2}) == {
        "name": "Shops <b>",
        "ids": [1, 2],
        "rate": 2,
        "n": None,
    }
    # Setting the state keeps the data and setting the data keeps the state.
    assert await storage.get_state(KEY) == "Dialog:second"
    assert (await storage.get_data(KEY))["rate"] == 2


async def test_returned_data_is_a_copy(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    await storage.set_data(KEY, {"a": 1})
    data = await storage.get_data(KEY)
    data["a"] = 2
    assert await storage.get_data(KEY) == {"a": 1}


@pytest.mark.parametrize(
    "change",
    [
        {"bot_id": 2},
        {"chat_id": 11},
        {"user_id": 101},
        {"thread_id": 7},
        {"business_connection_id": "bc1"},
        {"destiny": "rename"},
    ],
)
async def test_every_part_of_the_key_keeps_dialogs_apart(
    pool: Pool, change: dict[str, object]
) -> None:
    storage = PostgresStorage(pool)
    other = dataclasses.replace(KEY, **change)  # type: ignore[arg-type]
    await storage.set_state(KEY, Dialog.first)
    await storage.set_data(KEY, {"who": "key"})
    await storage.set_state(other, Dialog.second)
    await storage.set_data(other, {"who": "other"})
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == (
        "Dialog:first",
        {"who": "key"},
    )
    assert (await storage.get_state(other), await storage.get_data(other)) == (
        "Dialog:second",
        {"who": "other"},
    )
    assert len(await rows(pool)) == 2


async def test_a_thread_and_a_business_connection_are_stored_as_given(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    key = StorageKey(
        bot_id=1, chat_id=-100, user_id=5, thread_id=42, business_connection_id="b", destiny="d"
    )
    await storage.set_state(key, Dialog.first)
    assert await rows(pool) == [
        {
            "bot_id": 1,
            "chat_id": -100,
            "user_id": 5,
            "thread_id": 42,
            "business_connection_id": "b",
            "destiny": "d",
            "state": "Dialog:first",
            "data": {},
        }
    ]


async def test_clearing_state_and_data_removes_the_row(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    await storage.set_state(KEY, Dialog.first)
    await storage.set_data(KEY, {"a": 1})
    await storage.set_state(KEY, None)
    assert len(await rows(pool)) == 1  # the data is still there
    assert await storage.get_data(KEY) == {"a": 1}
    await storage.set_data(KEY, {})
    assert await rows(pool) == []

    await storage.set_data(KEY, {"a": 1})
    await storage.set_data(KEY, {})
    assert await rows(pool) == []
    await storage.set_state(KEY, Dialog.first)
    await storage.set_state(KEY, None)
    assert await rows(pool) == []


async def test_data_must_be_a_dict(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    with pytest.raises(DataNotDictLikeError):
        await storage.set_data(KEY, [("a", 1)])  # type: ignore[arg-type]
    assert await rows(pool) == []


async def test_a_second_storage_on_the_same_database_sees_the_same_dialogs(pool: Pool) -> None:
    await PostgresStorage(pool).set_state(KEY, Dialog.second)
    await PostgresStorage(pool).update_data(KEY, {"step": 3})
    later = PostgresStorage(pool)
    assert await later.get_state(KEY) == "Dialog:second"
    assert await later.get_data(KEY) == {"step": 3}


async def test_close_leaves_the_pool_open(pool: Pool) -> None:
    storage = PostgresStorage(pool)
    await storage.close()
    await storage.set_state(KEY, Dialog.first)
    assert await storage.get_state(KEY) == "Dialog:first"
