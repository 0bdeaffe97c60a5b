"""The review queue's pure parts: priority order, suppression, what viewers may see."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import polars as pl

from appdb.reviews import ReviewItem, ReviewSignal
from dashboards.review_queue import confirmed_frame, queue_frame, waiting_items
from dashboards.suppression import SuppressionRules
from pipelines.safety.review import State, load_review_rules

RULES = load_review_rules()
SUPPRESSION = SuppressionRules()
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def item(item_id: int, program: str, state: State, signal_id: str, **extra) -> ReviewItem:
    indicator = signal_id.split(":")[1]
    values = {
        "item_id": item_id,
        "program_id": program,
        "first_opened_month": date(2026, 7, 1),
        "state": state,
        "times_reopened": 0,
        "reopen_reason": None,
        "assignee": None,
        "rationale": None,
        "action": None,
        "evidence_snapshot_id": None,
        "evidence": None,
        "opened_at": NOW - timedelta(days=2),
        "updated_at": NOW - timedelta(days=1),
        "updated_by": "ana",
        "version": 1,
        "signals": (ReviewSignal(signal_id, indicator, "cusum", date(2026, 7, 1)),),
    }
    return ReviewItem(**(values | extra))


def register(rows: list[tuple[str, bool, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "signal_id": signal_id,
                "program_id": signal_id.split(":")[0],
                "indicator": signal_id.split(":")[1],
                "method": "cusum",
                "opened_month": date(2026, 7, 1),
                "severe": severe,
                "status": "ongoing",
                "latest_observed": observed,
                "latest_expected": expected,
                "as_of_month": date(2026, 9, 1),
            }
            for signal_id, severe, observed, expected in rows
        ]
    )


REGISTER = register(
    [
        ("ICBT01:phq9:cusum:2026-07", False, 20.0, 10.0),  # excess 10
        ("ICBT02:serious_adverse_event:cusum:2026-07", True, 12.0, 4.0),  # 8 x 2 (severe)
        ("ICBT03:self_harm_event:cusum:2026-07", True, 3.0, 0.5),  # 3 events: suppressed
        ("ICBT04:phq9:cusum:2026-07", False, 40.0, 10.0),
    ]
)


def test_open_items_by_priority_with_components_and_small_counts_hidden() -> None:
    items = [
        item(1, "ICBT01", State.NEW, "ICBT01:phq9:cusum:2026-07"),
        item(2, "ICBT02", State.UNDER_VALIDATION, "ICBT02:serious_adverse_event:cusum:2026-07"),
        item(3, "ICBT03", State.NEW, "ICBT03:self_harm_event:cusum:2026-07"),
        item(4, "ICBT04", State.REFUTED, "ICBT04:phq9:cusum:2026-07"),
    ]
    frame = queue_frame(items, REGISTER, {"ICBT01": "One"}, RULES, SUPPRESSION, NOW)
    assert frame["item_id"].to_list() == [2, 1, 3]  # 48 > 30 > 15; refuted left out
    first = frame.row(0, named=True)
    assert (first["score"], first["excess"], first["months_open"]) == ("48.0", "8.0", "3")
    assert first["severity_weight"] == "2.0" and first["decision_weight"] == "1.0"
    assert frame.row(1, named=True)["program"] == "One"
    hidden = frame.row(2, named=True)
    assert hidden["score"] == hidden["excess"] == hidden["ratio"] == SUPPRESSION.small_label


def test_overdue_and_reopened_items_are_flagged() -> None:
    late = NOW - RULES.overdue_after - timedelta(days=1)
    items = [
        item(1, "ICBT01", State.NEW, "ICBT01:phq9:cusum:2026-07", opened_at=late),
        item(2, "ICBT04", State.NEW, "ICBT04:phq9:cusum:2026-07", times_reopened=1),
    ]
    flags = dict(
        queue_frame(items, REGISTER, {}, RULES, SUPPRESSION, NOW).select("item_id", "flags").rows()
    )
    assert flags == {1: "overdue", 2: "reopened"}


def test_viewers_see_confirmed_and_closed_risks_with_their_actions_only() -> None:
    items = [
        item(1, "ICBT01", State.CONFIRMED_RISK, "ICBT01:phq9:cusum:2026-07", action="Audit"),
        item(
            2,
            "ICBT02",
            State.CLOSED,
            "ICBT02:serious_adverse_event:cusum:2026-07",
            updated_at=NOW - timedelta(days=3),
        ),
        item(3, "ICBT03", State.UNDER_ASSESSMENT, "ICBT03:self_harm_event:cusum:2026-07"),
        item(4, "ICBT04", State.REFUTED, "ICBT04:phq9:cusum:2026-07", rationale="secret"),
    ]
    frame = confirmed_frame(items, {"ICBT01": "One"})
    assert frame.select("program", "state", "action").rows() == [
        ("One", "Action under way", "Audit"),
        ("ICBT02", "Closed", ""),
    ]
    assert "rationale" not in frame.columns and "assignee" not in frame.columns
    assert waiting_items(items) == 1  # only the item under assessment waits for a person
