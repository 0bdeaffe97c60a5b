"""Server-side sessions: a cookie carries a random token, the database says what it means.

Ending a session is deleting its row, so sign-out and user removal take effect on the
next request, whatever copy of the cookie anyone kept. Only a SHA-256 of the token is
stored: reading the database does not give anyone a usable cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.schema import sessions

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live (values and their sources in config/sign_in.yaml)."""

    lifetime: timedelta
    idle_timeout: timedelta
    pre_session_lifetime: timedelta
    # Writing last_seen_at on every callback would make every chart a write; once a
    # minute is precise enough for an idle timeout counted in tens of minutes.
    touch_interval: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Session:
    token_hash: str
    user_name: str | None
    password_fingerprint: str | None
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime

    @property
    def signed_in(self) -> bool:
        """False for a pre-session, which exists only to carry the sign-in form's token."""
        return self.user_name is not None


class SessionStore:
    def __init__(self, database: AppDatabase, policy: SessionPolicy, clock: Clock = utc_now):
        self.database = database
        self.policy = policy
        self.clock = clock

    def _start(self, user_name: str | None, fingerprint: str | None) -> tuple[str, Session]:
        now = self.clock()
        lifetime = self.policy.lifetime if user_name else self.policy.pre_session_lifetime
        token = secrets.token_urlsafe(32)
        session = Session(
            token_hash=token_hash(token),
            user_name=user_name,
            password_fingerprint=fingerprint,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
        with self.database.begin() as connection:
            connection.execute(sa.insert(sessions).values(**session.__dict__))
        return token, session

    def start_pre_session(self) -> tuple[str, Session]:
        """A session with no user: the sign-in form's CSRF token is bound to it."""
        return self._start(None, None)

    def start(self, user_name: str, fingerprint: str) -> tuple[str, Session]:
        """A new session (new token) for a user who has just signed in."""
        return self._start(user_name, fingerprint)

    def find(self, token: str | None) -> Session | None:
        """The live session of `token`; an expired or idle one is deleted and not returned."""
        if not token:
            return None
        key = token_hash(token)
        with self.database.begin() as connection:
            row = connection.execute(
                sa.select(sessions).where(sessions.c.token_hash == key)
            ).one_or_none()
            if row is None:
                return None
            session = Session(**row._mapping)
            now = self.clock()
            idle_limit = session.last_seen_at + self.policy.idle_timeout
            if now >= session.expires_at or (session.signed_in and now >= idle_limit):
                connection.execute(sa.delete(sessions).where(sessions.c.token_hash == key))
                return None
            if session.signed_in and now - session.last_seen_at >= self.policy.touch_interval:
                connection.execute(
                    sa.update(sessions).where(sessions.c.token_hash == key).values(last_seen_at=now)
                )
        return session

    def end(self, session: Session) -> None:
        with self.database.begin() as connection:
            connection.execute(
                sa.delete(sessions).where(sessions.c.token_hash == session.token_hash)
            )

    def end_for_user(self, user_name: str) -> int:
        """End every session of a user (removed, or given a new password); how many."""
        with self.database.begin() as connection:
            result = connection.execute(
                sa.delete(sessions).where(sessions.c.user_name == user_name)
            )
        return result.rowcount

    def purge_expired(self) -> int:
        """Delete sessions past their absolute expiry (idle ones go when next looked up)."""
        with self.database.begin() as connection:
            result = connection.execute(
                sa.delete(sessions).where(sessions.c.expires_at <= self.clock())
            )
        return result.rowcount
