"""Sign-in throttling: back-off per account and per address, on a clock moved by hand."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.login_attempts import BackoffPolicy, LoginThrottle, backoff
from appdb.schema import login_attempts
from tests.appdb.conftest import Clock

ACCOUNT = BackoffPolicy(5, timedelta(seconds=1), timedelta(minutes=15), timedelta(hours=1))
ADDRESS = BackoffPolicy(20, timedelta(seconds=1), timedelta(minutes=15), timedelta(hours=1))


def test_the_delay_doubles_after_the_free_failures_up_to_the_cap() -> None:
    waits = [backoff(n, ACCOUNT).total_seconds() for n in range(0, 17)]
    assert waits == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert backoff(10_000, ACCOUNT) == timedelta(minutes=15)


def fail(throttle: LoginThrottle, name: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.record(name, address, succeeded=False)


def test_an_account_waits_after_five_failures_and_success_clears_it(
    database: AppDatabase, clock: Clock
) -> None:
    throttle = LoginThrottle(database, ACCOUNT, ADDRESS, clock)
    fail(throttle, "ana", "10.0.0.1", 4)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(0)
    fail(throttle, "ana", "10.0.0.1", 1)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(seconds=1)
    assert throttle.wait("ana", "10.0.0.2") == timedelta(seconds=1)  # from any address
    assert throttle.wait("vic", "10.0.0.1") == timedelta(0)  # other accounts go on
    fail(throttle, "ana", "10.0.0.1", 3)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(seconds=8)
    clock.advance(seconds=8)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(0)
    throttle.record("ana", "10.0.0.1", succeeded=True)
    fail(throttle, "ana", "10.0.0.1", 1)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(0)


def test_failures_older_than_the_window_are_forgotten(database: AppDatabase, clock: Clock) -> None:
    throttle = LoginThrottle(database, ACCOUNT, ADDRESS, clock)
    fail(throttle, "ana", "10.0.0.1", 12)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(seconds=128)
    clock.advance(minutes=61)
    assert throttle.wait("ana", "10.0.0.1") == timedelta(0)
    assert throttle.purge_older_than(timedelta(hours=1)) == 12


def test_an_address_guessing_many_names_waits_whatever_account_signs_in(
    database: AppDatabase, clock: Clock
) -> None:
    throttle = LoginThrottle(database, ACCOUNT, ADDRESS, clock)
    for n in range(20):
        throttle.record(f"guess{n}", "203.0.113.9", succeeded=False)
    assert throttle.wait("someone-new", "203.0.113.9") == timedelta(seconds=1)
    assert throttle.wait("someone-new", "198.51.100.1") == timedelta(0)
    throttle.record("mallory", "203.0.113.9", succeeded=True)  # a valid account does not
    assert throttle.wait("someone-new", "203.0.113.9") == timedelta(seconds=1)  # clear it


def test_names_typed_are_stored_only_as_hashes(database: AppDatabase, clock: Clock) -> None:
    throttle = LoginThrottle(database, ACCOUNT, ADDRESS, clock)
    throttle.record("my secret password typed as a name", "10.0.0.1", succeeded=False)
    with database.begin() as connection:
        text = str(connection.execute(sa.select(login_attempts)).fetchall())
    assert "secret" not in text and "10.0.0.1" in text
