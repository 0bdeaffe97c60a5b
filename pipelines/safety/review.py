"""The safety review workflow: states, transitions, grouping, re-alerting and priority.

A register signal is a prompt; a review item is what a person decides about. Review items
follow the signal management process of EU GVP Module IX: a new item is validated
(refuted, or validated), a validated one is assessed (refuted, or a confirmed risk with
the action recommended) and a confirmed risk is closed when its action is done. Signals
of one program that opened within the grouping window are one item (the same rise seen
by several indicators), each keeping its own evidence in the register. A refuted or closed
item reopens, and alerts again, only when its evidence changes materially. Everything
here is pure: the application database (`appdb.reviews`) stores what these functions
decide, and config/safety_review.yaml holds every number with its source.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from pipelines.config_models import (
    ConfigModel,
    NonEmpty,
    Sourced,
    config_path,
    load_config,
    validate,
)


class State(StrEnum):
    NEW = "new"
    UNDER_VALIDATION = "under_validation"
    REFUTED = "refuted"
    VALIDATED = "validated"
    UNDER_ASSESSMENT = "under_assessment"
    CONFIRMED_RISK = "confirmed_risk"
    CLOSED = "closed"


STATE_LABELS = {
    State.NEW: "New",
    State.UNDER_VALIDATION: "Under validation",
    State.REFUTED: "Refuted",
    State.VALIDATED: "Validated",
    State.UNDER_ASSESSMENT: "Under assessment",
    State.CONFIRMED_RISK: "Confirmed risk",
    State.CLOSED: "Closed",
}
# GVP Module IX: validation before assessment, assessment before a recommendation.
TRANSITIONS: Mapping[State, frozenset[State]] = {
    State.NEW: frozenset({State.UNDER_VALIDATION}),
    State.UNDER_VALIDATION: frozenset({State.REFUTED, State.VALIDATED}),
    State.VALIDATED: frozenset({State.UNDER_ASSESSMENT}),
    State.UNDER_ASSESSMENT: frozenset({State.REFUTED, State.CONFIRMED_RISK}),
    State.CONFIRMED_RISK: frozenset({State.CLOSED}),
    State.REFUTED: frozenset(),
    State.CLOSED: frozenset(),
}
# A decision that ends the review: only material new evidence reopens it.
DECIDED = frozenset({State.REFUTED, State.CLOSED})
# No person has judged the item since it (re)opened: it can be overdue.
AWAITING_VALIDATION = frozenset({State.NEW, State.UNDER_VALIDATION})
PIPELINE_ACTOR = "observatory pipeline"


class TransitionError(ValueError):
    """A state change the workflow does not allow; the message says what is allowed."""


def check_transition(current: State, target: State, rationale: str, action: str | None) -> None:
    """Refuse a change GVP Module IX's order does not allow, or one without its reasons."""
    allowed = TRANSITIONS[current]
    if target not in allowed:
        options = ", ".join(STATE_LABELS[s] for s in sorted(allowed)) or "none (decided)"
        raise TransitionError(
            f"An item {STATE_LABELS[current].lower()} cannot become "
            f"{STATE_LABELS[target].lower()}; it can become: {options}."
        )
    if not rationale.strip():
        raise TransitionError("Write the rationale for this decision.")
    if target is State.CONFIRMED_RISK and not (action or "").strip():
        raise TransitionError("A confirmed risk needs the action recommended.")


class ReviewConfigError(ValueError):
    """config/safety_review.yaml lacks a source or holds an impossible value."""


NonNegative = Sourced[Annotated[float, Field(ge=0)]]


class GroupingRules(ConfigModel):
    window_months: NonNegative


class RealertRules(ConfigModel):
    excess_growth: NonNegative


class PriorityRules(ConfigModel):
    severe_weight: NonNegative
    decided_weight: NonNegative


class OverdueRules(ConfigModel):
    days: NonNegative


class EmailRules(ConfigModel):
    """The SMTP settings that are not secrets; host, user and password are environment
    variables (pipelines.settings.Environment)."""

    default_port: int = Field(ge=1, le=65535)
    timeout_seconds: float = Field(gt=0)


class ReviewRules(ConfigModel):
    """config/safety_review.yaml, typed."""

    schema_version: Literal[1]
    process_source: NonEmpty
    grouping: GroupingRules
    realert: RealertRules
    priority: PriorityRules
    overdue: OverdueRules
    email: EmailRules

    @property
    def window_months(self) -> Sourced[float]:
        return self.grouping.window_months

    @property
    def excess_growth(self) -> Sourced[float]:
        return self.realert.excess_growth

    @property
    def severe_weight(self) -> Sourced[float]:
        return self.priority.severe_weight

    @property
    def decided_weight(self) -> Sourced[float]:
        return self.priority.decided_weight

    @property
    def overdue_days(self) -> Sourced[float]:
        return self.overdue.days

    @property
    def overdue_after(self) -> timedelta:
        return timedelta(days=self.overdue_days.value)


def parse_review_rules(raw: Mapping[str, Any]) -> ReviewRules:
    return validate(ReviewRules, raw, "config/safety_review.yaml", ReviewConfigError)


@cache
def load_review_rules(path: Path | None = None) -> ReviewRules:
    """config/safety_review.yaml, unless another file is given."""
    return load_config(ReviewRules, path or config_path("safety_review.yaml"), ReviewConfigError)


@dataclass(frozen=True)
class SignalEvidence:
    """What a register signal says now (aggregate counts only)."""

    signal_id: str
    program_id: str
    indicator: str
    method: str
    opened_month: date
    severe: bool
    is_open: bool
    latest_observed: float | None
    latest_expected: float | None

    @property
    def excess(self) -> float:
        """Events beyond what in-person CBT would give the same patients (never negative)."""
        if self.latest_observed is None or self.latest_expected is None:
            return 0.0
        return max(self.latest_observed - self.latest_expected, 0.0)

    @classmethod
    def from_register(cls, row: Mapping[str, Any]) -> SignalEvidence:
        return cls(
            signal_id=row["signal_id"],
            program_id=row["program_id"],
            indicator=row["indicator"],
            method=row["method"],
            opened_month=row["opened_month"],
            severe=bool(row["severe"]),
            is_open=row["status"] in ("new", "ongoing"),
            latest_observed=row["latest_observed"],
            latest_expected=row["latest_expected"],
        )


@dataclass(frozen=True)
class ItemView:
    """A review item as the sync and the priority see it."""

    item_id: int
    program_id: str
    first_opened_month: date
    state: State
    signal_ids: frozenset[str]
    # signal id -> {"indicator": ..., "excess": ...} as judged at the last decision.
    decided_evidence: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    times_reopened: int = 0
    opened_at: datetime | None = None


def months_apart(a: date, b: date) -> int:
    return abs((a.year - b.year) * 12 + a.month - b.month)


@dataclass(frozen=True)
class SyncPlan:
    """What one run changes in the review items: new items, joins, reopenings."""

    new_items: list[tuple[str, list[SignalEvidence]]]
    joins: list[tuple[int, SignalEvidence]]
    reopen: dict[int, str]


def material_change(
    item: ItemView, signals: Iterable[SignalEvidence], rules: ReviewRules
) -> str | None:
    """Why a decided item's evidence changed materially, or None (config: realert)."""
    judged = item.decided_evidence
    judged_indicators = {e.get("indicator") for e in judged.values()}
    for signal in signals:
        if not signal.is_open:
            continue
        if signal.indicator not in judged_indicators:
            return f"a new indicator joined: {signal.indicator} ({signal.signal_id})"
        before = judged.get(signal.signal_id)
        if before is None:
            before = max(
                (e for e in judged.values() if e.get("indicator") == signal.indicator),
                key=lambda e: float(e.get("excess") or 0.0),
            )
        was = float(before.get("excess") or 0.0)
        growth = rules.excess_growth.value
        if signal.excess > 0 and signal.excess >= was * (1 + growth) and signal.excess > was:
            return (
                f"excess events of {signal.signal_id} grew from {was:.1f} to "
                f"{signal.excess:.1f} (at least {growth:.0%} more than when decided)"
            )
    return None


def plan_sync(
    register: Sequence[SignalEvidence], items: Sequence[ItemView], rules: ReviewRules
) -> SyncPlan:
    """Place every open register signal not yet reviewed; reopen decided items whose
    evidence changed materially (signals already in an item keep their item)."""
    window = int(rules.window_months.value)
    placed = {s for item in items for s in item.signal_ids}
    by_signal = {s.signal_id: s for s in register}
    joins: list[tuple[int, SignalEvidence]] = []
    fresh: dict[str, list[tuple[date, list[SignalEvidence]]]] = {}
    for signal in sorted(register, key=lambda s: (s.opened_month, s.signal_id)):
        if signal.signal_id in placed or not signal.is_open:
            continue
        candidates = [
            i
            for i in items
            if i.program_id == signal.program_id
            and months_apart(i.first_opened_month, signal.opened_month) <= window
        ]
        if candidates:
            # The most recent item of the program: undecided before decided at equal age.
            target = max(
                candidates, key=lambda i: (i.first_opened_month, i.state not in DECIDED, i.item_id)
            )
            joins.append((target.item_id, signal))
            continue
        groups = fresh.setdefault(signal.program_id, [])
        group = next((g for g in groups if months_apart(g[0], signal.opened_month) <= window), None)
        if group is None:
            groups.append((signal.opened_month, [signal]))
        else:
            group[1].append(signal)
    new_items = [(program, g[1]) for program, groups in fresh.items() for g in groups]
    joined: dict[int, list[SignalEvidence]] = {}
    for item_id, signal in joins:
        joined.setdefault(item_id, []).append(signal)
    reopen = {}
    for item in items:
        if item.state not in DECIDED:
            continue
        current = [by_signal[s] for s in sorted(item.signal_ids) if s in by_signal]
        reason = material_change(item, [*current, *joined.get(item.item_id, [])], rules)
        if reason is not None:
            reopen[item.item_id] = reason
    return SyncPlan(new_items, joins, reopen)


def decision_evidence(signals: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The figures a decision is judged on, per signal: kept with the decision so the
    re-alert rule and researchers can compare later runs with them."""
    evidence = {}
    for row in signals:
        signal = SignalEvidence.from_register(row)
        evidence[signal.signal_id] = {
            "indicator": signal.indicator,
            "method": signal.method,
            "status": row["status"],
            "latest_month": _iso(row.get("latest_month")),
            "latest_n": row.get("latest_n"),
            "latest_observed": row.get("latest_observed"),
            "latest_expected": row.get("latest_expected"),
            "latest_statistic": row.get("latest_statistic"),
            "latest_threshold": row.get("latest_threshold"),
            "excess": signal.excess,
        }
    return evidence


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


@dataclass(frozen=True)
class Priority:
    """A review item's priority and the components it is the product of."""

    score: float
    severity_weight: float
    excess_events: float
    observed_to_expected: float | None
    months_open: int
    decision_weight: float


def priority(
    state: State, signals: Sequence[SignalEvidence], as_of: date, rules: ReviewRules
) -> Priority:
    """score = severity weight x excess events x months open x decision weight.

    Excess events (observed minus expected, the largest among the item's open signals)
    measure both the size of the excess and the people it affects; months open count from
    the item's first signal to the data's last month; decided items (refuted, closed)
    score zero, since nothing waits on them.
    """
    live = [s for s in signals if s.is_open]
    severe = any(s.severe for s in live)
    severity = rules.severe_weight.value if severe else 1.0
    excess = max((s.excess for s in live), default=0.0)
    ratios = [
        s.latest_observed / s.latest_expected
        for s in live
        if s.latest_observed is not None and s.latest_expected
    ]
    first = min((s.opened_month for s in signals), default=as_of)
    months = (as_of.year - first.year) * 12 + as_of.month - first.month + 1
    if state in DECIDED:
        decision = 0.0
    elif state in AWAITING_VALIDATION:
        decision = 1.0
    else:
        decision = rules.decided_weight.value
    return Priority(
        score=round(severity * excess * max(months, 1) * decision, 3),
        severity_weight=severity,
        excess_events=round(excess, 3),
        observed_to_expected=round(max(ratios), 3) if ratios else None,
        months_open=max(months, 1),
        decision_weight=decision,
    )


def is_overdue(state: State, opened_at: datetime, now: datetime, rules: ReviewRules) -> bool:
    """Still waiting for validation longer than config's overdue threshold after the item
    opened or reopened."""
    return state in AWAITING_VALIDATION and now - opened_at > rules.overdue_after


def alert_key(signal_id: str, item: ItemView | None) -> str | None:
    """The key under which the alert sensor announces a signal once, or None to stay quiet.

    A signal no review item holds yet is announced as before; one whose item is refuted
    or closed is not (the re-alert rule reopens the item when its evidence changes
    materially); after a reopening every signal of the item is announced once more,
    marked reopened.
    """
    if item is None:
        return signal_id
    if item.state in DECIDED:
        return None
    if item.times_reopened:
        return f"{signal_id}#reopened-{item.times_reopened}"
    return signal_id


def is_high_priority(item: ItemView, signals: Iterable[SignalEvidence]) -> bool:
    """Waiting for validation with an open signal on a severe indicator: worth an e-mail."""
    return item.state in AWAITING_VALIDATION and any(s.severe and s.is_open for s in signals)


def emails_due(
    items: Sequence[ItemView],
    register: Mapping[str, SignalEvidence],
    now: datetime,
    rules: ReviewRules,
    sent: set[str],
) -> list[tuple[str, str, ItemView]]:
    """(key, reason, item) of each e-mail not yet sent: new high-priority items and
    overdue reviews, once per opening of the item (keys include the reopening count)."""
    due = []
    for item in items:
        signals = [register[s] for s in sorted(item.signal_ids) if s in register]
        opening = f"{item.item_id}:{item.times_reopened}"
        if is_high_priority(item, signals) and f"new:{opening}" not in sent:
            reason = "reopened high-priority review item" if item.times_reopened else None
            due.append((f"new:{opening}", reason or "new high-priority review item", item))
        if (
            item.opened_at is not None
            and is_overdue(item.state, item.opened_at, now, rules)
            and f"overdue:{opening}" not in sent
        ):
            due.append((f"overdue:{opening}", "overdue review", item))
    return due
