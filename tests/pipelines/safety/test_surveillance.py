"""Monthly surveillance on synthetic units with a known excess: the CUSUM and the funnel
open signals where the excess is and nowhere else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines.safety.config import load_safety_config
from pipelines.safety.cusum import Threshold
from pipelines.safety.expected import assign_expected
from pipelines.safety.indicators import UNIT_SCHEMA
from pipelines.safety.surveillance import episodes_from_states, month_grid, survey
from pipelines.safety.tables import indicator_mart
from pipelines.sql import model, write_frame

CONFIG = load_safety_config().restricted(("phq9_reliable_deterioration",))


def _units(rng: np.random.Generator) -> pl.DataFrame:
    """Twelve programs, 24 months, 60 units a month at expected risk 0.07; program
    HARM's risk triples from month 12."""
    rows = []
    months = month_grid(date(2024, 10, 1), date(2026, 9, 1))
    for program in [f"P{i:02d}" for i in range(11)] + ["HARM"]:
        for m, month in enumerate(months):
            risk = 0.21 if program == "HARM" and m >= 12 else 0.07
            for _ in range(60):
                rows.append((program, month, bool(rng.random() < risk)))
    frame = pl.DataFrame(rows, schema=["program_id", "month", "event"], orient="row")
    return frame.with_columns(
        indicator=pl.lit("phq9_reliable_deterioration"),
        episode_id=pl.int_range(pl.len()),
        unit_date=pl.col("month"),
        expected=pl.lit(0.07),
        reference=pl.lit("all_in_person"),
        reference_method=pl.lit("logistic"),
    )


@pytest.fixture(scope="module")
def result():
    return survey(_units(np.random.default_rng(5)), date(2026, 9, 30), CONFIG)


def test_the_cusum_opens_on_the_harmful_program_soon_after_the_rise(result):
    cusum = result.episodes.filter(pl.col("method") == "cusum")
    harm = cusum.filter(pl.col("program_id") == "HARM")
    assert harm.height >= 1
    assert date(2025, 10, 1) <= harm["opened_month"].min() <= date(2026, 1, 1)
    assert (
        harm.row(0, named=True)["opened_observed"] > 2 * harm.row(0, named=True)["opened_expected"]
    )


def test_the_funnel_flags_the_harmful_program_once_its_window_fills(result):
    funnel = result.episodes.filter(pl.col("method") == "funnel")
    assert funnel["program_id"].unique().to_list() == ["HARM"]
    last = result.funnel.filter(pl.col("month") == date(2026, 9, 1))
    assert last.filter(pl.col("program_id") == "HARM")["alarm"].to_list() == [True]
    assert last["n"].unique().to_list() == [720]  # 12-month window x 60
    assert last["programs_compared"].unique().to_list() == [12]


def test_monthly_indicators_and_chart_rows_cover_every_month(result):
    assert result.indicators.height == 12 * 24
    assert result.cusum.height == 12 * 24
    harm = result.indicators.filter(pl.col("program_id") == "HARM")
    assert harm["n"].sum() == 24 * 60
    assert harm["expected"].sum() == pytest.approx(24 * 60 * 0.07)
    # Identical case mix: every chart's simulated threshold agrees up to simulation error.
    threshold = result.cusum["threshold"]
    assert threshold.min() > 3.0 and threshold.max() - threshold.min() < 0.3


def test_no_signal_without_an_excess():
    units = _units(np.random.default_rng(9)).filter(pl.col("program_id") != "HARM")
    quiet = survey(units, date(2026, 9, 30), replace(CONFIG))
    assert quiet.episodes.height <= 1


def test_carried_reference_error_raises_thresholds_and_ignore_treats_it_as_exact():
    """Units whose reference is uncertain (sigma 0.3 on the log-odds scale): carried, the
    CUSUM thresholds and the funnel's exact limits rise; ignored, the survey equals
    one of units without any recorded reference error."""
    units = _units(np.random.default_rng(5)).filter(pl.col("program_id").is_in(["P00", "HARM"]))
    uncertain = units.with_columns(reference_logit_se=pl.lit(0.3))
    carried = survey(uncertain, date(2026, 9, 30), CONFIG)
    ignored = survey(uncertain, date(2026, 9, 30), replace(CONFIG, reference_uncertainty="ignore"))
    exact = survey(units, date(2026, 9, 30), CONFIG)
    assert carried.cusum["reference_logit_se"].unique().to_list() == [0.3]
    assert ignored.cusum["reference_logit_se"].unique().to_list() == [0.0]
    assert ignored.cusum.drop("reference_logit_se").equals(exact.cusum.drop("reference_logit_se"))
    assert ignored.funnel.drop("reference_logit_se").equals(exact.funnel.drop("reference_logit_se"))
    higher = carried.cusum["threshold"] > ignored.cusum["threshold"]
    assert higher.all()
    assert (carried.funnel["alarm_high"] > ignored.funnel["alarm_high"]).all()


def test_episodes_are_runs_of_open_months():
    months = month_grid(date(2026, 1, 1), date(2026, 6, 1))
    states = pl.DataFrame(
        {
            "program_id": "A",
            "indicator": "x",
            "method": "cusum",
            "month": months,
            "open": [False, True, True, False, True, True],
            "n": [1, 2, 3, 4, 5, 6],
            "observed": [0.0, 5, 6, 0, 7, 8],
            "expected": [1.0] * 6,
            "statistic": [0.5, 4, 2, 0, 5, 3],
            "threshold": [3.5] * 6,
        }
    )
    episodes = episodes_from_states(states)
    assert episodes.select(
        "opened_month", "resolved_month", "opened_observed", "latest_observed"
    ).rows() == [
        (date(2026, 2, 1), date(2026, 4, 1), 5.0, 6.0),
        (date(2026, 5, 1), None, 7.0, 8.0),
    ]


def test_cached_thresholds_are_reused_and_reported():
    units = _units(np.random.default_rng(5)).filter(pl.col("program_id").is_in(["P00", "HARM"]))
    cache: dict = {}
    first = survey(units, date(2026, 9, 30), CONFIG, cache)
    assert set(first.thresholds) == set(cache) and len(cache) == 2
    never = {key: Threshold(99.0, 1e9, 0, 0) for key in cache}
    second = survey(units, date(2026, 9, 30), CONFIG, never)
    assert second.cusum["threshold"].unique().to_list() == [99.0]
    assert second.episodes.filter(pl.col("method") == "cusum").is_empty()


def test_no_data_gives_empty_marts_of_the_documented_shape():
    empty_units = _units(np.random.default_rng(1)).clear()
    quiet = survey(empty_units, date(2026, 9, 30), CONFIG)
    programs = pl.DataFrame(
        schema={
            "program_id": pl.Utf8,
            "program_name": pl.Utf8,
            "delivery_mode": pl.Utf8,
            "province": pl.Utf8,
            "is_in_person": pl.Boolean,
        }
    )
    scored, references = assign_expected(pl.DataFrame(schema=UNIT_SCHEMA), programs, CONFIG)
    with duckdb.connect() as con:
        for layer, name, frame, rows in (
            (
                "marts",
                "mart_safety_indicators",
                indicator_mart(quiet.indicators, programs, CONFIG),
                0,
            ),
            ("marts", "mart_safety_funnel", quiet.funnel, 0),
            ("marts", "mart_safety_cusum", quiet.cusum, 0),
            ("marts", "mart_safety_reference", references, 1),  # the published fallback
            ("safety", "safety_units", scored, 0),
        ):
            write_frame(con, model(layer, name), frame)
            assert len(con.table(name).fetchall()) == rows, name
    assert references["method"].to_list() == ["published"]
