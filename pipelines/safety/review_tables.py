"""The published form of the safety review: decisions and their audit trail as tables.

Researchers read the decisions beside the register in the warehouse after the next run
(`safety_signal_reviews`, `safety_signal_review_audit`). What is published: review
states, assignees' and deciders' user names, rationales, actions, the snapshot a decision
was judged on and its figures, and the priority with its components. Nothing of sign-in
(sessions, passwords, attempts) is read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import polars as pl

from appdb.reviews import AuditEntry, ReviewItem
from pipelines.safety.review import ReviewRules, SignalEvidence, priority

REVIEWS_SCHEMA = {
    "item_id": pl.Int64,
    "program_id": pl.Utf8,
    "signal_id": pl.Utf8,
    "indicator": pl.Utf8,
    "method": pl.Utf8,
    "signal_opened_month": pl.Date,
    "signal_status": pl.Utf8,
    "review_state": pl.Utf8,
    "reopened": pl.Boolean,
    "times_reopened": pl.Int64,
    "reopen_reason": pl.Utf8,
    "assignee": pl.Utf8,
    "rationale": pl.Utf8,
    "action": pl.Utf8,
    "evidence_snapshot_id": pl.Utf8,
    "judged_observed": pl.Float64,
    "judged_expected": pl.Float64,
    "judged_statistic": pl.Float64,
    "priority_score": pl.Float64,
    "priority_severity_weight": pl.Float64,
    "priority_excess_events": pl.Float64,
    "priority_observed_to_expected": pl.Float64,
    "priority_months_open": pl.Int64,
    "priority_decision_weight": pl.Float64,
    "opened_at": pl.Datetime("us"),
    "updated_at": pl.Datetime("us"),
    "updated_by": pl.Utf8,
    "version": pl.Int64,
}
AUDIT_SCHEMA = {
    "audit_id": pl.Int64,
    "item_id": pl.Int64,
    "changed_at": pl.Datetime("us"),
    "changed_by": pl.Utf8,
    "from_state": pl.Utf8,
    "to_state": pl.Utf8,
    "assignee": pl.Utf8,
    "rationale": pl.Utf8,
    "action": pl.Utf8,
    "snapshot_id": pl.Utf8,
    "evidence_json": pl.Utf8,
}


def _naive(value):
    """Warehouse timestamps are UTC without a zone, like the register's."""
    return None if value is None else value.replace(tzinfo=None)


def reviews_table(
    items: Sequence[ReviewItem],
    register: dict[str, SignalEvidence],
    register_status: dict[str, str],
    as_of: date,
    rules: ReviewRules,
) -> pl.DataFrame:
    """One row per review item and signal, with the item's decision and priority."""
    rows = []
    for item in items:
        evidence = [register[s.signal_id] for s in item.signals if s.signal_id in register]
        score = priority(item.state, evidence, as_of, rules)
        judged = item.evidence or {}
        for link in item.signals:
            figures = judged.get(link.signal_id, {})
            rows.append(
                {
                    "item_id": item.item_id,
                    "program_id": item.program_id,
                    "signal_id": link.signal_id,
                    "indicator": link.indicator,
                    "method": link.method,
                    "signal_opened_month": link.opened_month,
                    "signal_status": register_status.get(link.signal_id),
                    "review_state": item.state.value,
                    "reopened": item.reopened,
                    "times_reopened": item.times_reopened,
                    "reopen_reason": item.reopen_reason,
                    "assignee": item.assignee,
                    "rationale": item.rationale,
                    "action": item.action,
                    "evidence_snapshot_id": item.evidence_snapshot_id,
                    "judged_observed": figures.get("latest_observed"),
                    "judged_expected": figures.get("latest_expected"),
                    "judged_statistic": figures.get("latest_statistic"),
                    "priority_score": score.score,
                    "priority_severity_weight": score.severity_weight,
                    "priority_excess_events": score.excess_events,
                    "priority_observed_to_expected": score.observed_to_expected,
                    "priority_months_open": score.months_open,
                    "priority_decision_weight": score.decision_weight,
                    "opened_at": _naive(item.opened_at),
                    "updated_at": _naive(item.updated_at),
                    "updated_by": item.updated_by,
                    "version": item.version,
                }
            )
    return pl.DataFrame(rows, schema=REVIEWS_SCHEMA)


def audit_table(entries: Sequence[AuditEntry]) -> pl.DataFrame:
    """One row per audit entry, in the order written."""
    return pl.DataFrame(
        [
            {
                "audit_id": e.audit_id,
                "item_id": e.item_id,
                "changed_at": _naive(e.changed_at),
                "changed_by": e.changed_by,
                "from_state": e.from_state.value if e.from_state else None,
                "to_state": e.to_state.value,
                "assignee": e.assignee,
                "rationale": e.rationale,
                "action": e.action,
                "snapshot_id": e.snapshot_id,
                "evidence_json": json.dumps(e.evidence, sort_keys=True) if e.evidence else None,
            }
            for e in entries
        ],
        schema=AUDIT_SCHEMA,
    )
