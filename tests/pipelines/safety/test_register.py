"""The signal register keeps each signal once across runs: new, then ongoing, then
resolved; re-running the same data inserts nothing."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from pipelines.safety.config import load_safety_config
from pipelines.safety.register import REGISTER_SCHEMA, reconcile
from pipelines.safety.surveillance import EPISODE_SCHEMA

CONFIG = load_safety_config()


def _episode(program, indicator, method, opened, resolved=None, observed=10.0) -> dict:
    return {
        "program_id": program,
        "indicator": indicator,
        "method": method,
        "opened_month": opened,
        "resolved_month": resolved,
        "opened_n": 100,
        "opened_observed": observed,
        "opened_expected": 4.0,
        "opened_statistic": 3.9,
        "opened_threshold": 3.5,
        "latest_month": resolved or date(2026, 9, 1),
        "latest_n": 200,
        "latest_observed": observed + 5,
        "latest_expected": 8.0,
        "latest_statistic": 2.0,
        "latest_threshold": 3.5,
    }


def _episodes(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=EPISODE_SCHEMA)


def _apply(register: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """What the upsert does: replace rows by signal_id, insert the others."""
    kept = register.filter(~pl.col("signal_id").is_in(changes["signal_id"].implode()))
    return pl.concat([kept, changes]).sort("signal_number")


def _run(register, episodes, as_of, run_id):
    changes = reconcile(
        register,
        episodes,
        config=CONFIG,
        as_of=as_of,
        run_id=run_id,
        now=datetime(2026, 10, 1, 2, 0),
    )
    return _apply(register, changes), changes


EMPTY = pl.DataFrame(schema=REGISTER_SCHEMA)
PLANTED = ("ICBT07", "phq9_reliable_deterioration", "cusum")
HISTORY = ("ICBT02", "serious_adverse_event", "funnel")


def test_first_run_records_open_signals_as_new_and_past_ones_as_resolved():
    register, _ = _run(
        EMPTY,
        _episodes(
            _episode(*HISTORY, date(2025, 3, 1), resolved=date(2025, 7, 1)),
            _episode(*PLANTED, date(2026, 4, 1)),
        ),
        date(2026, 9, 30),
        "run-1",
    )
    rows = {r["signal_id"]: r for r in register.iter_rows(named=True)}
    planted = rows["ICBT07:phq9_reliable_deterioration:cusum:2026-04"]
    history = rows["ICBT02:serious_adverse_event:funnel:2025-03"]
    assert (planted["status"], planted["announce"], planted["severe"]) == ("new", True, False)
    assert (history["status"], history["announce"], history["severe"]) == ("resolved", False, True)
    assert history["resolved_month"] == date(2025, 7, 1)
    assert register["signal_number"].to_list() == [1, 2]
    assert planted["as_of_month"] == date(2026, 9, 1)
    assert planted["indicator_label"].startswith("Reliable deterioration")


def test_rerunning_the_same_data_inserts_nothing_and_the_signal_becomes_ongoing():
    episodes = _episodes(_episode(*PLANTED, date(2026, 4, 1)))
    first, _ = _run(EMPTY, episodes, date(2026, 9, 30), "run-1")
    second, changes = _run(first, episodes, date(2026, 9, 30), "run-2")
    third, _ = _run(second, episodes, date(2026, 9, 30), "run-3")
    assert second.height == third.height == 1
    assert changes["status"].to_list() == ["ongoing"]
    row = third.row(0, named=True)
    assert (row["status"], row["signal_number"], row["first_recorded_run_id"]) == (
        "ongoing",
        1,
        "run-1",
    )
    assert row["last_evaluated_run_id"] == "run-3"
    assert row["opened_observed"] == first.row(0, named=True)["opened_observed"]


def test_a_signal_resolves_and_a_recurrence_is_a_new_signal():
    first, _ = _run(EMPTY, _episodes(_episode(*PLANTED, date(2026, 4, 1))), date(2026, 9, 30), "1")
    resolved, _ = _run(
        first,
        _episodes(_episode(*PLANTED, date(2026, 4, 1), resolved=date(2026, 10, 1))),
        date(2026, 10, 31),
        "2",
    )
    assert resolved.row(0, named=True)["status"] == "resolved"
    assert resolved.row(0, named=True)["resolved_month"] == date(2026, 10, 1)
    again, _ = _run(
        resolved,
        _episodes(
            _episode(*PLANTED, date(2026, 4, 1), resolved=date(2026, 10, 1)),
            _episode(*PLANTED, date(2027, 1, 1)),
        ),
        date(2027, 1, 31),
        "3",
    )
    assert again.select("signal_id", "status", "signal_number").rows() == [
        ("ICBT07:phq9_reliable_deterioration:cusum:2026-04", "resolved", 1),
        ("ICBT07:phq9_reliable_deterioration:cusum:2027-01", "new", 2),
    ]


def test_an_open_signal_keeps_its_identity_when_a_correction_moves_its_opening():
    first, _ = _run(EMPTY, _episodes(_episode(*PLANTED, date(2026, 4, 1))), date(2026, 9, 30), "1")
    moved, changes = _run(
        first, _episodes(_episode(*PLANTED, date(2026, 5, 1))), date(2026, 9, 30), "2"
    )
    assert moved.height == 1 and changes["status"].to_list() == ["ongoing"]
    assert moved["signal_id"].to_list() == ["ICBT07:phq9_reliable_deterioration:cusum:2026-04"]


def test_a_signal_the_data_no_longer_show_is_resolved_in_the_current_month():
    first, _ = _run(EMPTY, _episodes(_episode(*PLANTED, date(2026, 4, 1))), date(2026, 9, 30), "1")
    gone, _ = _run(first, _episodes(), date(2026, 10, 15), "2")
    row = gone.row(0, named=True)
    assert (row["status"], row["resolved_month"]) == ("resolved", date(2026, 10, 1))
