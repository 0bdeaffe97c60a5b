"""Safety review items, the register signals they group, and their append-only audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

The audit trail is append-only in the database itself, not only in the code that writes
it: triggers refuse every UPDATE and DELETE (and, in PostgreSQL, TRUNCATE) of its rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = "safety_review_audit is append-only: its rows are never changed or deleted"
SQLITE_TRIGGERS = (
    "CREATE TRIGGER safety_review_audit_no_update BEFORE UPDATE ON safety_review_audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
    "CREATE TRIGGER safety_review_audit_no_delete BEFORE DELETE ON safety_review_audit "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END",
)
POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION safety_review_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "CREATE TRIGGER safety_review_audit_no_change BEFORE UPDATE OR DELETE ON "
    "safety_review_audit FOR EACH ROW EXECUTE FUNCTION safety_review_audit_append_only()",
    "CREATE TRIGGER safety_review_audit_no_truncate BEFORE TRUNCATE ON safety_review_audit "
    "FOR EACH STATEMENT EXECUTE FUNCTION safety_review_audit_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "safety_review_items",
        sa.Column("item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("program_id", sa.String(64), nullable=False),
        sa.Column("first_opened_month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("times_reopened", sa.Integer(), nullable=False),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("evidence_snapshot_id", sa.String(64), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name="pk_safety_review_items"),
    )
    op.create_index("ix_safety_review_items_program_id", "safety_review_items", ["program_id"])
    op.create_index("ix_safety_review_items_state", "safety_review_items", ["state"])
    op.create_table(
        "safety_review_signals",
        sa.Column("signal_id", sa.String(128), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("opened_month", sa.Date(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("signal_id", name="pk_safety_review_signals"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["safety_review_items.item_id"],
            name="fk_safety_review_signals_item_id_safety_review_items",
        ),
    )
    op.create_index("ix_safety_review_signals_item_id", "safety_review_signals", ["item_id"])
    op.create_table(
        "safety_review_audit",
        sa.Column("audit_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(32), nullable=True),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("snapshot_id", sa.String(64), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id", name="pk_safety_review_audit"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["safety_review_items.item_id"],
            name="fk_safety_review_audit_item_id_safety_review_items",
        ),
    )
    op.create_index("ix_safety_review_audit_item_id", "safety_review_audit", ["item_id"])
    dialect = op.get_bind().dialect.name
    for statement in POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION safety_review_audit_append_only() CASCADE")
    op.drop_table("safety_review_audit")
    op.drop_table("safety_review_signals")
    op.drop_table("safety_review_items")
