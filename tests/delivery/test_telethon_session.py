"""The worker's Telethon session remembers a bounded number of entities, the latest ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telethon import types, utils
from telethon.sessions import StringSession

from predlagator.delivery.telethon_sender import make_client
from predlagator.delivery.telethon_session import ENTITY_LIMIT
from tests.fakes.telethon_fake import API_HASH, API_ID

_NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _channel(index: int) -> types.Channel:
    return types.Channel(
        id=1_000_000 + index,
        title=f"Channel {index}",
        photo=types.ChatPhotoEmpty(),
        date=_NOW,
        broadcast=True,
        access_hash=10_000 + index,
        username=f"channel_{index}",
    )


def _resolved(channel: types.Channel) -> types.contacts.ResolvedPeer:
    """What contacts.resolveUsername answers, as the client hands it to the session."""
    return types.contacts.ResolvedPeer(
        peer=types.PeerChannel(channel.id), chats=[channel], users=[]
    )


def _marked(channel: types.Channel) -> int:
    return int(utils.get_peer_id(types.PeerChannel(channel.id)))


def test_a_long_campaign_does_not_grow_the_sessions_entities_without_bound() -> None:
    # Telethon's StringSession keeps every user and channel any answer carried, for the life
    # of the process: a worker resolving 100,000 channels kept 100,000 of them (27 MB). The
    # drain stores each peer in PostgreSQL and never needs the session to remember it.
    session = make_client(API_ID, API_HASH, "").session
    assert isinstance(session, StringSession)  # `login` saves it as a string
    channels = [_channel(index) for index in range(ENTITY_LIMIT + 1)]
    session.process_entities(_resolved(channels[0]))
    session.process_entities(_resolved(channels[1]))
    for channel in channels[2:-1]:
        session.process_entities(_resolved(channel))
    session.process_entities(_resolved(channels[0]))  # seen again: the latest once more
    session.process_entities(_resolved(channels[-1]))

    with pytest.raises(ValueError, match="Could not find input entity"):
        session.get_input_entity(_marked(channels[1]))  # the oldest went
    for channel in (channels[0], channels[2], channels[-1]):
        assert session.get_input_entity(_marked(channel)) == types.InputPeerChannel(
            channel.id, channel.access_hash
        )
    assert session.get_input_entity("channel_2") == types.InputPeerChannel(
        channels[2].id, channels[2].access_hash
    )
