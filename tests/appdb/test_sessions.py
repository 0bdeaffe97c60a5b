"""Server-side sessions: what ends them, and that the database never holds a usable cookie."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.schema import sessions as sessions_table
from appdb.sessions import SessionPolicy, SessionStore
from tests.appdb.conftest import Clock

POLICY = SessionPolicy(
    lifetime=timedelta(hours=8),
    idle_timeout=timedelta(minutes=30),
    pre_session_lifetime=timedelta(minutes=30),
)


def test_a_session_is_found_by_its_token_until_it_is_ended(
    database: AppDatabase, clock: Clock
) -> None:
    store = SessionStore(database, POLICY, clock)
    token, started = store.start("ana", "fingerprint")
    found = store.find(token)
    assert found == started and found.signed_in
    assert store.find(token + "x") is None and store.find("") is None and store.find(None) is None
    store.end(started)
    assert store.find(token) is None  # a kept copy of the cookie is worth nothing


def test_only_a_hash_of_the_token_is_stored(database: AppDatabase, clock: Clock) -> None:
    token, _ = SessionStore(database, POLICY, clock).start("ana", "fingerprint")
    with database.begin() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.select(sessions_table))]
    assert len(rows) == 1
    assert token not in str(rows)


def test_sessions_end_after_their_lifetime_and_after_idling(
    database: AppDatabase, clock: Clock
) -> None:
    store = SessionStore(database, POLICY, clock)
    token, _ = store.start("ana", "fingerprint")
    for _ in range(16):  # active every 29 minutes: idle never reached
        clock.advance(minutes=29)
        assert store.find(token) is not None
    clock.advance(minutes=29)  # 8 h 13 min after sign-in
    assert store.find(token) is None
    idle, _ = store.start("ana", "fingerprint")
    clock.advance(minutes=30)
    assert store.find(idle) is None


def test_a_pre_session_carries_a_form_token_and_no_user(
    database: AppDatabase, clock: Clock
) -> None:
    store = SessionStore(database, POLICY, clock)
    token, pre = store.start_pre_session()
    assert not pre.signed_in and len(pre.csrf_token) >= 43
    _, other = store.start_pre_session()
    assert other.csrf_token != pre.csrf_token
    clock.advance(minutes=31)
    assert store.find(token) is None


def test_ending_a_users_sessions_leaves_others(database: AppDatabase, clock: Clock) -> None:
    store = SessionStore(database, POLICY, clock)
    first, _ = store.start("vic", "fp")
    second, _ = store.start("vic", "fp")
    other, _ = store.start("ana", "fp")
    assert store.end_for_user("vic") == 2
    assert store.find(first) is None and store.find(second) is None
    assert store.find(other) is not None


def test_expired_sessions_are_purged(database: AppDatabase, clock: Clock) -> None:
    store = SessionStore(database, POLICY, clock)
    store.start("ana", "fp")
    store.start_pre_session()
    clock.advance(minutes=31)
    assert store.purge_expired() == 1  # the pre-session; the signed-in one lives 8 hours
    clock.advance(hours=8)
    assert store.purge_expired() == 1
