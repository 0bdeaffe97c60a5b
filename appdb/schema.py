"""The application database's tables, as the migrations leave them.

`tests/appdb` checks that these definitions and the migrations agree (Alembic's
autogenerate comparison finds no difference), so code and schema cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)


class UtcDateTime(sa.TypeDecorator[datetime]):
    """Timestamps kept as UTC without a zone (SQLite has none) and read back as aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps written to the application database must be aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


# One row per browser session. A pre-session (no user yet) carries only the CSRF token of
# the sign-in form; signing in replaces it by a new session, so a token seen before
# sign-in is never the one that carries the user. Only a SHA-256 of the cookie is kept.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), nullable=True, index=True),
    sa.Column("password_fingerprint", sa.String(64), nullable=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False, index=True),
)

# One row per sign-in attempt, counted by throttling per account and per address. The
# account is kept as a SHA-256 of the name typed, so a password typed into the user-name
# field is not stored.
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("attempted_at", UtcDateTime(), nullable=False),
    sa.Column("account_key", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("succeeded", sa.Boolean(), nullable=False),
    sa.Index(None, "account_key", "attempted_at"),
    sa.Index(None, "address", "attempted_at"),
)

# Safety review (pipelines/safety/review.py): one row per review item, a group of register
# signals of one program judged together. `version` is the optimistic lock: every change
# names the version it saw and is refused if another change came first.
safety_review_items = sa.Table(
    "safety_review_items",
    metadata,
    sa.Column("item_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column("program_id", sa.String(64), nullable=False, index=True),
    sa.Column("first_opened_month", sa.Date(), nullable=False),
    sa.Column("state", sa.String(32), nullable=False, index=True),
    sa.Column("times_reopened", sa.Integer(), nullable=False),
    sa.Column("reopen_reason", sa.Text(), nullable=True),
    sa.Column("assignee", sa.String(64), nullable=True),
    sa.Column("rationale", sa.Text(), nullable=True),
    sa.Column("action", sa.Text(), nullable=True),
    sa.Column("evidence_snapshot_id", sa.String(64), nullable=True),
    sa.Column("evidence", sa.JSON(), nullable=True),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("updated_by", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
)

# Which register signals (safety_signal_register.signal_id) each review item groups.
safety_review_signals = sa.Table(
    "safety_review_signals",
    metadata,
    sa.Column("signal_id", sa.String(128), primary_key=True),
    sa.Column(
        "item_id",
        sa.Integer(),
        sa.ForeignKey("safety_review_items.item_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("indicator", sa.String(64), nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("opened_month", sa.Date(), nullable=False),
    sa.Column("added_at", UtcDateTime(), nullable=False),
)

# The append-only audit trail: one row per change of a review item (who, when, from what
# state to what, and what they wrote). Triggers in the migration refuse UPDATE and DELETE.
safety_review_audit = sa.Table(
    "safety_review_audit",
    metadata,
    sa.Column("audit_id", sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column(
        "item_id",
        sa.Integer(),
        sa.ForeignKey("safety_review_items.item_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("from_state", sa.String(32), nullable=True),
    sa.Column("to_state", sa.String(32), nullable=False),
    sa.Column("assignee", sa.String(64), nullable=True),
    sa.Column("rationale", sa.Text(), nullable=True),
    sa.Column("action", sa.Text(), nullable=True),
    sa.Column("snapshot_id", sa.String(64), nullable=True),
    sa.Column("evidence", sa.JSON(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
)
