"""The review workflow's rules: transitions, grouping, the re-alert rule and priority."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from pipelines.safety.review import (
    DECIDED,
    TRANSITIONS,
    ItemView,
    SignalEvidence,
    State,
    TransitionError,
    check_transition,
    is_overdue,
    load_review_rules,
    material_change,
    plan_sync,
    priority,
)

RULES = load_review_rules()


def signal(
    program: str = "ICBT01",
    indicator: str = "serious_adverse_event",
    opened: date = date(2026, 3, 1),
    observed: float | None = 12.0,
    expected: float | None = 4.0,
    *,
    severe: bool = False,
    is_open: bool = True,
    method: str = "cusum",
) -> SignalEvidence:
    return SignalEvidence(
        signal_id=f"{program}:{indicator}:{method}:{opened:%Y-%m}",
        program_id=program,
        indicator=indicator,
        method=method,
        opened_month=opened,
        severe=severe,
        is_open=is_open,
        latest_observed=observed,
        latest_expected=expected,
    )


def item(
    item_id: int, signals: list[SignalEvidence], state: State = State.NEW, **judged: float
) -> ItemView:
    return ItemView(
        item_id=item_id,
        program_id=signals[0].program_id,
        first_opened_month=min(s.opened_month for s in signals),
        state=state,
        signal_ids=frozenset(s.signal_id for s in signals),
        decided_evidence={
            s.signal_id: {"indicator": s.indicator, "excess": judged.get("excess", s.excess)}
            for s in signals
        },
    )


def test_the_gvp_path_from_new_to_closed_is_allowed_step_by_step() -> None:
    path = [
        State.NEW,
        State.UNDER_VALIDATION,
        State.VALIDATED,
        State.UNDER_ASSESSMENT,
        State.CONFIRMED_RISK,
        State.CLOSED,
    ]
    for current, target in itertools.pairwise(path):
        check_transition(current, target, "looked at the funnel", "call the clinic")
    assert TRANSITIONS[State.REFUTED] == TRANSITIONS[State.CLOSED] == frozenset()


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (State.NEW, State.CONFIRMED_RISK),  # no skipping validation and assessment
        (State.NEW, State.REFUTED),
        (State.VALIDATED, State.CLOSED),
        (State.REFUTED, State.UNDER_VALIDATION),  # only new evidence reopens a decision
        (State.CLOSED, State.NEW),
    ],
)
def test_skipping_a_step_or_undoing_a_decision_is_refused(current: State, target: State) -> None:
    with pytest.raises(TransitionError, match="cannot become"):
        check_transition(current, target, "because", "an action")


def test_a_decision_needs_its_rationale_and_a_confirmed_risk_its_action() -> None:
    with pytest.raises(TransitionError, match="rationale"):
        check_transition(State.NEW, State.UNDER_VALIDATION, "  ", None)
    with pytest.raises(TransitionError, match="action"):
        check_transition(State.UNDER_ASSESSMENT, State.CONFIRMED_RISK, "real", " ")


def test_signals_of_one_program_within_the_window_are_one_item() -> None:
    window = int(RULES.window_months.value)
    first = signal(opened=date(2026, 1, 1))
    close = signal(indicator="self_harm_event", opened=date(2026, 1 + window, 1))
    late = signal(indicator="related_adverse_event", opened=date(2026, 2 + window, 1))
    other = signal(program="ICBT02", opened=date(2026, 1, 1))
    plan = plan_sync([late, close, other, first], [], RULES)
    grouped = {p: [s.signal_id for s in group] for p, group in plan.new_items if len(group) > 1}
    assert grouped == {"ICBT01": [first.signal_id, close.signal_id]}
    assert sorted(len(group) for _, group in plan.new_items) == [1, 1, 2]
    assert plan.joins == [] and plan.reopen == {}


def test_a_later_signal_joins_the_open_item_and_resolved_unseen_signals_are_skipped() -> None:
    first = signal(opened=date(2026, 3, 1))
    existing = item(7, [first], State.UNDER_VALIDATION)
    joining = signal(indicator="self_harm_event", opened=date(2026, 4, 1))
    resolved = signal(indicator="related_adverse_event", opened=date(2026, 4, 1), is_open=False)
    plan = plan_sync([first, joining, resolved], [existing], RULES)
    assert plan.joins == [(7, joining)]
    assert plan.new_items == [] and plan.reopen == {}


def test_a_refuted_item_stays_quiet_while_its_evidence_is_what_was_judged() -> None:
    judged = signal(observed=12.0, expected=4.0)  # excess 8
    refuted = item(3, [judged], State.REFUTED)
    wobble = replace(judged, latest_observed=15.0)  # excess 11: +37.5%, below +50%
    assert material_change(refuted, [wobble], RULES) is None
    assert plan_sync([wobble], [refuted], RULES).reopen == {}


def test_a_refuted_item_reopens_when_the_excess_grows_materially() -> None:
    judged = signal(observed=12.0, expected=4.0)  # excess 8
    refuted = item(3, [judged], State.REFUTED)
    grown = replace(judged, latest_observed=16.0)  # excess 12: exactly +50%
    plan = plan_sync([grown], [refuted], RULES)
    assert list(plan.reopen) == [3]
    assert "grew from 8.0 to 12.0" in plan.reopen[3]


def test_a_closed_item_reopens_when_a_new_indicator_joins_it() -> None:
    judged = signal()
    closed = item(4, [judged], State.CLOSED)
    newcomer = signal(indicator="self_harm_event", opened=date(2026, 4, 1))
    plan = plan_sync([judged, newcomer], [closed], RULES)
    assert plan.joins == [(4, newcomer)]
    assert plan.reopen == {4: f"a new indicator joined: self_harm_event ({newcomer.signal_id})"}


def test_a_same_indicator_episode_after_a_refutal_joins_quietly_unless_it_is_larger() -> None:
    judged = signal(opened=date(2026, 3, 1), observed=12.0, expected=4.0)
    refuted = item(5, [judged], State.REFUTED)
    again = signal(opened=date(2026, 5, 1), observed=10.0, expected=4.0)
    assert plan_sync([replace(judged, is_open=False), again], [refuted], RULES).reopen == {}


def test_priority_multiplies_its_visible_components() -> None:
    signals = [
        signal(observed=12.0, expected=4.0, severe=True, opened=date(2026, 1, 1)),
        signal(indicator="x", observed=30.0, expected=25.0, opened=date(2026, 2, 1)),
    ]
    waiting = priority(State.NEW, signals, date(2026, 3, 1), RULES)
    assert waiting.severity_weight == RULES.severe_weight.value
    assert waiting.excess_events == 8.0  # the larger excess among the open signals
    assert waiting.months_open == 3  # January to March
    assert waiting.observed_to_expected == 3.0
    assert waiting.score == RULES.severe_weight.value * 8.0 * 3 * 1.0
    assessed = priority(State.UNDER_ASSESSMENT, signals, date(2026, 3, 1), RULES)
    assert assessed.score == waiting.score * RULES.decided_weight.value
    for decided in DECIDED:
        assert priority(decided, signals, date(2026, 3, 1), RULES).score == 0


def test_priority_of_an_item_without_excess_or_figures_is_zero() -> None:
    quiet = priority(State.NEW, [signal(observed=None, expected=None)], date(2026, 3, 1), RULES)
    assert quiet.score == 0 and quiet.observed_to_expected is None


def test_only_items_waiting_for_validation_become_overdue() -> None:
    opened = datetime(2026, 3, 1, tzinfo=UTC)
    late = opened + RULES.overdue_after + timedelta(minutes=1)
    assert is_overdue(State.NEW, opened, late, RULES)
    assert is_overdue(State.UNDER_VALIDATION, opened, late, RULES)
    assert not is_overdue(State.NEW, opened, opened + RULES.overdue_after, RULES)
    assert not is_overdue(State.VALIDATED, opened, late, RULES)
    assert not is_overdue(State.REFUTED, opened, late, RULES)


def test_every_review_number_carries_a_source() -> None:
    for number in (
        RULES.window_months,
        RULES.excess_growth,
        RULES.severe_weight,
        RULES.decided_weight,
        RULES.overdue_days,
    ):
        assert number.source and number.evidence in ("V", "S", "U")
