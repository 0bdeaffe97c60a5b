"""Safety review items in the application database: decisions, their audit, their locks.

The workflow's rules are in `pipelines.safety.review`; this module keeps what people and
runs decide. Every change is one transaction that updates the item only if its version is
still the one the person saw (optimistic locking) and appends an audit row; a stale edit
is refused with the name of whoever changed the item first, never silently lost. The
audit table has no update or delete here, and the database's triggers refuse both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.schema import safety_review_audit, safety_review_items, safety_review_signals
from appdb.sessions import Clock, utc_now
from pipelines.safety.review import (
    PIPELINE_ACTOR,
    STATE_LABELS,
    ItemView,
    SignalEvidence,
    State,
    SyncPlan,
    check_transition,
)


class StaleEditError(RuntimeError):
    """Someone changed the item after the editor loaded it; nothing was written."""


class UnknownItemError(LookupError):
    """No review item has this id."""


@dataclass(frozen=True)
class ReviewSignal:
    signal_id: str
    indicator: str
    method: str
    opened_month: date


@dataclass(frozen=True)
class ReviewItem:
    item_id: int
    program_id: str
    first_opened_month: date
    state: State
    times_reopened: int
    reopen_reason: str | None
    assignee: str | None
    rationale: str | None
    action: str | None
    evidence_snapshot_id: str | None
    evidence: Mapping[str, Any] | None
    opened_at: datetime
    updated_at: datetime
    updated_by: str
    version: int
    signals: tuple[ReviewSignal, ...]

    @property
    def reopened(self) -> bool:
        """The item was decided (refuted or closed) and new evidence reopened it."""
        return self.times_reopened > 0

    def view(self) -> ItemView:
        """What the sync and the re-alert rule need to know about the item."""
        return ItemView(
            item_id=self.item_id,
            program_id=self.program_id,
            first_opened_month=self.first_opened_month,
            state=self.state,
            signal_ids=frozenset(s.signal_id for s in self.signals),
            decided_evidence=dict(self.evidence or {}),
            times_reopened=self.times_reopened,
            opened_at=self.opened_at,
        )


@dataclass(frozen=True)
class AuditEntry:
    audit_id: int
    item_id: int
    changed_at: datetime
    changed_by: str
    from_state: State | None
    to_state: State
    assignee: str | None
    rationale: str | None
    action: str | None
    snapshot_id: str | None
    evidence: Mapping[str, Any] | None
    version: int


def _audit(connection: sa.Connection, **values: Any) -> None:
    connection.execute(sa.insert(safety_review_audit).values(**values))


class ReviewStore:
    def __init__(self, database: AppDatabase, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    def items(self, item_ids: Sequence[int] | None = None) -> list[ReviewItem]:
        """Every review item (or those named) with its signals, oldest first."""
        query = sa.select(safety_review_items).order_by(safety_review_items.c.item_id)
        links = sa.select(safety_review_signals).order_by(
            safety_review_signals.c.opened_month, safety_review_signals.c.signal_id
        )
        if item_ids is not None:
            query = query.where(safety_review_items.c.item_id.in_(item_ids))
            links = links.where(safety_review_signals.c.item_id.in_(item_ids))
        with self.database.begin() as connection:
            rows = connection.execute(query).mappings().all()
            signal_rows = connection.execute(links).mappings().all()
        signals: dict[int, list[ReviewSignal]] = {}
        for link in signal_rows:
            signals.setdefault(link["item_id"], []).append(
                ReviewSignal(
                    link["signal_id"], link["indicator"], link["method"], link["opened_month"]
                )
            )
        return [
            ReviewItem(
                **{**row, "state": State(row["state"])},
                signals=tuple(signals.get(row["item_id"], ())),
            )
            for row in rows
        ]

    def item(self, item_id: int) -> ReviewItem:
        found = self.items([item_id])
        if not found:
            raise UnknownItemError(f"There is no review item {item_id}.")
        return found[0]

    def audit(self, item_id: int | None = None) -> list[AuditEntry]:
        """The audit trail (of one item, or of all), in the order it was written."""
        query = sa.select(safety_review_audit).order_by(safety_review_audit.c.audit_id)
        if item_id is not None:
            query = query.where(safety_review_audit.c.item_id == item_id)
        with self.database.begin() as connection:
            rows = connection.execute(query).mappings().all()
        return [
            AuditEntry(
                **{
                    **row,
                    "from_state": State(row["from_state"]) if row["from_state"] else None,
                    "to_state": State(row["to_state"]),
                }
            )
            for row in rows
        ]

    def transition(
        self,
        item_id: int,
        *,
        seen_version: int,
        target: State,
        actor: str,
        rationale: str,
        assignee: str | None = None,
        action: str | None = None,
        snapshot_id: str | None = None,
        evidence: Mapping[str, Any] | None = None,
    ) -> ReviewItem:
        """Move an item to `target` as `actor`, if it is still at `seen_version`.

        Raises TransitionError for a change the workflow does not allow and
        StaleEditError when someone else changed the item first.
        """
        now = self.clock()
        with self.database.begin() as connection:
            row = (
                connection.execute(
                    sa.select(safety_review_items).where(safety_review_items.c.item_id == item_id)
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise UnknownItemError(f"There is no review item {item_id}.")
            if row["version"] != seen_version:
                raise _stale(item_id, row)
            current = State(row["state"])
            check_transition(current, target, rationale, action)
            values = {
                "state": target.value,
                "assignee": (assignee or "").strip() or None,
                "rationale": rationale.strip(),
                "action": (action or "").strip() or None,
                "evidence_snapshot_id": snapshot_id,
                "evidence": dict(evidence) if evidence is not None else row["evidence"],
                "updated_at": now,
                "updated_by": actor,
                "version": seen_version + 1,
            }
            updated = connection.execute(
                sa.update(safety_review_items)
                .where(
                    safety_review_items.c.item_id == item_id,
                    safety_review_items.c.version == seen_version,
                )
                .values(**values)
            )
            if updated.rowcount != 1:
                # Another transaction committed between our read and our update.
                fresh = (
                    connection.execute(
                        sa.select(safety_review_items).where(
                            safety_review_items.c.item_id == item_id
                        )
                    )
                    .mappings()
                    .one()
                )
                raise _stale(item_id, fresh)
            _audit(
                connection,
                item_id=item_id,
                changed_at=now,
                changed_by=actor,
                from_state=current.value,
                to_state=target.value,
                assignee=values["assignee"],
                rationale=values["rationale"],
                action=values["action"],
                snapshot_id=snapshot_id,
                evidence=values["evidence"],
                version=seen_version + 1,
            )
        return self.item(item_id)

    def apply_sync(self, plan: SyncPlan) -> None:
        """Write what a run's `plan_sync` decided, as the pipeline, in one transaction."""
        now = self.clock()
        with self.database.begin() as connection:
            for program_id, signals in plan.new_items:
                item_id = connection.execute(
                    sa.insert(safety_review_items)
                    .values(
                        program_id=program_id,
                        first_opened_month=min(s.opened_month for s in signals),
                        state=State.NEW.value,
                        times_reopened=0,
                        opened_at=now,
                        updated_at=now,
                        updated_by=PIPELINE_ACTOR,
                        version=1,
                    )
                    .returning(safety_review_items.c.item_id)
                ).scalar_one()
                for signal in signals:
                    _link(connection, item_id, signal, now)
                _audit(
                    connection,
                    item_id=item_id,
                    changed_at=now,
                    changed_by=PIPELINE_ACTOR,
                    from_state=None,
                    to_state=State.NEW.value,
                    rationale="Opened by the signal register: "
                    + ", ".join(s.signal_id for s in signals),
                    version=1,
                )
            for item_id, signal in plan.joins:
                _link(connection, item_id, signal, now)
            for item_id, reason in plan.reopen.items():
                row = (
                    connection.execute(
                        sa.select(safety_review_items).where(
                            safety_review_items.c.item_id == item_id
                        )
                    )
                    .mappings()
                    .one()
                )
                version = row["version"] + 1
                connection.execute(
                    sa.update(safety_review_items)
                    .where(safety_review_items.c.item_id == item_id)
                    .values(
                        state=State.NEW.value,
                        times_reopened=row["times_reopened"] + 1,
                        reopen_reason=reason,
                        opened_at=now,
                        updated_at=now,
                        updated_by=PIPELINE_ACTOR,
                        version=version,
                    )
                )
                _audit(
                    connection,
                    item_id=item_id,
                    changed_at=now,
                    changed_by=PIPELINE_ACTOR,
                    from_state=row["state"],
                    to_state=State.NEW.value,
                    rationale=f"Reopened: {reason}",
                    version=version,
                )


def _link(connection: sa.Connection, item_id: int, signal: SignalEvidence, now: datetime) -> None:
    connection.execute(
        sa.insert(safety_review_signals).values(
            signal_id=signal.signal_id,
            item_id=item_id,
            indicator=signal.indicator,
            method=signal.method,
            opened_month=signal.opened_month,
            added_at=now,
        )
    )


def _stale(item_id: int, row: Mapping[str, Any]) -> StaleEditError:
    state = STATE_LABELS[State(row["state"])].lower()
    return StaleEditError(
        f"Review item {item_id} was changed by {row['updated_by']} at "
        f"{row['updated_at']:%Y-%m-%d %H:%M} UTC (it is now {state}) after you opened it. "
        "Your change was not saved: read their decision in the queue and decide again."
    )
