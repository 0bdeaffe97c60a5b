"""Sign-in throttling: exponential back-off per account and per address.

After `free_failures` failed attempts within `window` (for an account: since its last
successful sign-in), each further attempt must wait `base_delay * 2**k` after the last
failure, k counting the failures beyond the free ones, capped at `max_delay`. A refused
attempt is not recorded, so nobody can extend another person's wait by hammering the form
while it lasts. Success resets an account's count but not an address's: an attacker with
one valid account cannot clear the address that guesses at others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.schema import login_attempts
from appdb.sessions import Clock, utc_now


@dataclass(frozen=True)
class BackoffPolicy:
    """One counter's rule (values and their sources in config/sign_in.yaml)."""

    free_failures: int
    base_delay: timedelta
    max_delay: timedelta
    window: timedelta


def backoff(failures: int, policy: BackoffPolicy) -> timedelta:
    """The wait after the last of `failures` recent failures."""
    beyond = failures - policy.free_failures
    if beyond < 0:
        return timedelta(0)
    # 2**beyond overflows timedelta long before it matters; the cap applies first.
    if beyond >= 40:
        return policy.max_delay
    return min(policy.base_delay * 2**beyond, policy.max_delay)


def account_key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


class LoginThrottle:
    def __init__(
        self,
        database: AppDatabase,
        per_account: BackoffPolicy,
        per_address: BackoffPolicy,
        clock: Clock = utc_now,
    ) -> None:
        self.database = database
        self.per_account = per_account
        self.per_address = per_address
        self.clock = clock

    def _failures(
        self, connection: sa.Connection, column: sa.Column, value: str, since: datetime
    ) -> tuple[int, datetime | None]:
        count, last = connection.execute(
            sa.select(sa.func.count(), sa.func.max(login_attempts.c.attempted_at)).where(
                column == value,
                login_attempts.c.attempted_at > since,
                login_attempts.c.succeeded.is_(False),
            )
        ).one()
        return count, last

    def wait(self, name: str, address: str) -> timedelta:
        """How long an attempt for `name` from `address` must wait; zero means go ahead."""
        now = self.clock()
        key = account_key(name)
        with self.database.begin() as connection:
            last_success = connection.execute(
                sa.select(sa.func.max(login_attempts.c.attempted_at)).where(
                    login_attempts.c.account_key == key, login_attempts.c.succeeded.is_(True)
                )
            ).scalar_one()
            account_since = now - self.per_account.window
            if last_success is not None:
                account_since = max(account_since, last_success)
            counters = (
                (login_attempts.c.account_key, key, account_since, self.per_account),
                (
                    login_attempts.c.address,
                    address,
                    now - self.per_address.window,
                    self.per_address,
                ),
            )
            waits = [timedelta(0)]
            for column, value, since, policy in counters:
                count, last = self._failures(connection, column, value, since)
                if last is not None:
                    waits.append(last + backoff(count, policy) - now)
        return max(waits)

    def record(self, name: str, address: str, succeeded: bool) -> None:
        with self.database.begin() as connection:
            connection.execute(
                sa.insert(login_attempts).values(
                    attempted_at=self.clock(),
                    account_key=account_key(name),
                    address=address,
                    succeeded=succeeded,
                )
            )

    def purge_older_than(self, age: timedelta) -> int:
        """Forget attempts no counter looks at any more."""
        with self.database.begin() as connection:
            result = connection.execute(
                sa.delete(login_attempts).where(login_attempts.c.attempted_at < self.clock() - age)
            )
        return result.rowcount
