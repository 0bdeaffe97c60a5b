"""Review items in the application database, in SQLite and in PostgreSQL: the workflow,
optimistic locking between two analysts, the sync of a run, and the append-only audit."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from appdb.database import AppDatabase
from appdb.reviews import ReviewStore, StaleEditError
from appdb.schema import safety_review_audit
from pipelines.safety.review import (
    PIPELINE_ACTOR,
    SignalEvidence,
    State,
    TransitionError,
    load_review_rules,
    plan_sync,
)
from tests.appdb.conftest import Clock

RULES = load_review_rules()


def evidence(indicator: str, opened: date, observed: float = 12.0) -> SignalEvidence:
    return SignalEvidence(
        signal_id=f"ICBT03:{indicator}:funnel:{opened:%Y-%m}",
        program_id="ICBT03",
        indicator=indicator,
        method="funnel",
        opened_month=opened,
        severe=True,
        is_open=True,
        latest_observed=observed,
        latest_expected=4.0,
    )


SAE = evidence("serious_adverse_event", date(2026, 5, 1))
SELF_HARM = evidence("self_harm_event", date(2026, 6, 1))


def sync(store: ReviewStore, register: list[SignalEvidence]) -> None:
    store.apply_sync(plan_sync(register, [i.view() for i in store.items()], RULES))


@pytest.fixture
def store(database: AppDatabase, clock: Clock) -> ReviewStore:
    return ReviewStore(database, clock)


def judged(signals: list[SignalEvidence]) -> dict:
    return {s.signal_id: {"indicator": s.indicator, "excess": s.excess} for s in signals}


def test_a_run_opens_one_item_for_related_signals_and_audits_it(store: ReviewStore) -> None:
    sync(store, [SAE, SELF_HARM])
    sync(store, [SAE, SELF_HARM])  # a rerun adds nothing
    (item,) = store.items()
    assert item.state is State.NEW and item.version == 1 and not item.reopened
    assert [s.signal_id for s in item.signals] == [SAE.signal_id, SELF_HARM.signal_id]
    (entry,) = store.audit(item.item_id)
    assert (entry.changed_by, entry.from_state, entry.to_state) == (PIPELINE_ACTOR, None, State.NEW)


def test_an_analyst_validates_then_confirms_with_an_action(
    store: ReviewStore, clock: Clock
) -> None:
    sync(store, [SAE])
    item = store.items()[0]
    steps = [
        (State.UNDER_VALIDATION, None),
        (State.VALIDATED, None),
        (State.UNDER_ASSESSMENT, None),
        (State.CONFIRMED_RISK, "Audit the program's crisis pathway within 30 days."),
    ]
    for target, action in steps:
        clock.advance(minutes=5)
        item = store.transition(
            item.item_id,
            seen_version=item.version,
            target=target,
            actor="ana",
            rationale=f"Moved to {target}",
            assignee="ana",
            action=action,
            snapshot_id="2026-12-07.1",
            evidence=judged([SAE]),
        )
    assert item.state is State.CONFIRMED_RISK and item.version == 5
    assert item.action == "Audit the program's crisis pathway within 30 days."
    assert item.evidence_snapshot_id == "2026-12-07.1"
    assert item.evidence == judged([SAE])
    trail = store.audit(item.item_id)
    assert [(e.from_state, e.to_state) for e in trail[1:]] == [
        (State.NEW, State.UNDER_VALIDATION),
        (State.UNDER_VALIDATION, State.VALIDATED),
        (State.VALIDATED, State.UNDER_ASSESSMENT),
        (State.UNDER_ASSESSMENT, State.CONFIRMED_RISK),
    ]
    assert {e.changed_by for e in trail[1:]} == {"ana"}
    assert trail[-1].changed_at == clock.now


def test_a_refused_transition_writes_nothing(store: ReviewStore) -> None:
    sync(store, [SAE])
    item = store.items()[0]
    with pytest.raises(TransitionError, match="cannot become"):
        store.transition(
            item.item_id,
            seen_version=1,
            target=State.CONFIRMED_RISK,
            actor="ana",
            rationale="skip",
            action="x",
        )
    assert store.item(item.item_id).version == 1
    assert len(store.audit(item.item_id)) == 1


def test_the_second_of_two_concurrent_edits_is_refused_naming_the_first(
    store: ReviewStore,
) -> None:
    sync(store, [SAE])
    seen = store.items()[0]  # both analysts opened the queue at version 1
    store.transition(
        seen.item_id,
        seen_version=seen.version,
        target=State.UNDER_VALIDATION,
        actor="ana",
        rationale="Taking it",
        assignee="ana",
    )
    with pytest.raises(StaleEditError, match=r"changed by ana .* now under validation") as stale:
        store.transition(
            seen.item_id,
            seen_version=seen.version,
            target=State.UNDER_VALIDATION,
            actor="bob",
            rationale="Mine",
            assignee="bob",
        )
    assert "not saved" in str(stale.value)
    kept = store.item(seen.item_id)
    assert (kept.assignee, kept.version, kept.updated_by) == ("ana", 2, "ana")
    assert [e.changed_by for e in store.audit(seen.item_id)] == [PIPELINE_ACTOR, "ana"]


def refute(store: ReviewStore, item_id: int, signals: list[SignalEvidence]) -> None:
    item = store.item(item_id)
    item = store.transition(
        item_id,
        seen_version=item.version,
        target=State.UNDER_VALIDATION,
        actor="ana",
        rationale="Looking",
    )
    store.transition(
        item_id,
        seen_version=item.version,
        target=State.REFUTED,
        actor="ana",
        rationale="One clinic's coding change",
        snapshot_id="2026-12-07.1",
        evidence=judged(signals),
    )


def test_a_refuted_item_reopens_only_on_material_new_evidence(store: ReviewStore) -> None:
    sync(store, [SAE])
    item_id = store.items()[0].item_id
    refute(store, item_id, [SAE])
    sync(store, [evidence("serious_adverse_event", date(2026, 5, 1), observed=14.0)])
    assert store.item(item_id).state is State.REFUTED  # excess 8 -> 10: not material
    sync(store, [SAE, SELF_HARM])  # a new indicator joins
    reopened = store.item(item_id)
    assert reopened.state is State.NEW and reopened.reopened and reopened.times_reopened == 1
    assert "self_harm_event" in str(reopened.reopen_reason)
    last = store.audit(item_id)[-1]
    assert (last.changed_by, last.from_state, last.to_state) == (
        PIPELINE_ACTOR,
        State.REFUTED,
        State.NEW,
    )


def test_audit_rows_cannot_be_changed_or_deleted(store: ReviewStore) -> None:
    sync(store, [SAE])
    for statement in (
        sa.update(safety_review_audit).values(changed_by="someone else"),
        sa.delete(safety_review_audit),
    ):
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            store.database.begin() as connection,
        ):
            connection.execute(statement)
    (entry,) = store.audit()
    assert entry.changed_by == PIPELINE_ACTOR


def test_decisions_survive_a_restart(database: AppDatabase, clock: Clock) -> None:
    sync(ReviewStore(database, clock), [SAE])
    first = ReviewStore(database, clock)
    item = first.items()[0]
    first.transition(
        item.item_id,
        seen_version=item.version,
        target=State.UNDER_VALIDATION,
        actor="ana",
        rationale="Taking it",
    )
    database.dispose()
    reopened = AppDatabase(database.url.render_as_string(hide_password=False))
    reopened.upgrade()
    assert ReviewStore(reopened, clock).item(item.item_id).state is State.UNDER_VALIDATION
    reopened.dispose()
