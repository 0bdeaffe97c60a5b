"""Drift: the case-mix shift the generator plants is flagged, batches without one are
not, and Evidently's own report of a comparison agrees with the stored tests."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import load_instruments
from pipelines.demo.generator import GeneratorConfig, generate
from pipelines.ingestion.landing import discover
from pipelines.ingestion.readers import read_landing_file
from pipelines.quality import drift
from pipelines.quality.config import load_quality_policy

# Generating a year of demo data and importing Evidently take most of the time.
pytestmark = pytest.mark.slow
PROGRAMS = {"ICBT01", "ICBT02", "ICBT05", "ICBT06", "ICBT09", "INPERSON_BC", "INPERSON_ON"}
# Twelve monthly batches, 2025-07 to 2026-06; the reference period is the first six.
# ICBT09's referrals are older and more severe from 2026-03.
CONFIG = GeneratorConfig(
    n_episodes=8_000,
    seed=3,
    months=12,
    end_month=date(2026, 6, 1),
    drift_from_month=date(2026, 3, 1),
)


def _features(landing: Path) -> pl.DataFrame:
    """The drift features, straight from the landing files: cohort batch, latest
    attributes, and each instrument's first administration scored when complete."""
    instruments = load_instruments()
    episodes, responses, modes = [], [], {}
    for f in discover(landing)[0]:
        if f.program_id not in PROGRAMS:
            continue
        frame = read_landing_file(f.path).select(pl.all().cast(pl.Utf8))
        frame = frame.with_columns(pl.lit(f.batch_id).alias("batch"))
        if f.table == "programs":
            modes[f.program_id] = frame["delivery_mode"][0]
        elif f.table == "episodes":
            episodes.append(frame)
        elif f.table == "prom_responses":
            responses.append(frame)
    delivered = pl.concat(episodes, how="diagonal")
    cohorts = delivered.group_by("episode_key").agg(pl.col("batch").min().alias("cohort_batch"))
    latest = delivered.sort("batch").unique("episode_key", keep="last")
    prom = pl.concat(responses, how="diagonal").with_columns(pl.col("value").cast(pl.Int64))
    first = pl.col("administered_date").min().over("episode_key", "instrument")
    sizes = pl.DataFrame(
        {"instrument": list(instruments), "n": [s.n_items for s in instruments.values()]}
    )
    scores = (
        prom.filter(pl.col("administered_date") == first)
        .group_by("episode_key", "instrument")
        .agg(pl.col("value").sum().alias("total"), pl.col("value").count().alias("answered"))
        .join(sizes, on="instrument")
        .filter(pl.col("answered") == pl.col("n"))
        .with_columns(
            (pl.col("total") / pl.when(pl.col("instrument") == "PEG").then(3).otherwise(1))
            .cast(pl.Float64)
            .alias("score")
        )
        .pivot(on="instrument", index="episode_key", values="score")
    )
    return (
        latest.join(cohorts, on="episode_key")
        .join(scores, on="episode_key", how="left")
        .with_columns(
            (pl.col("program_id").replace_strict(modes) == "in_person").alias("in_person"),
            pl.col("PHQ9").alias("baseline_phq9"),
            pl.col("GAD7").alias("baseline_gad7"),
            pl.col("PEG").alias("baseline_peg"),
            pl.lit(None, pl.Float64).alias("engagement_events_28d"),
        )
        .select("program_id", "in_person", "cohort_batch", *drift.FEATURES)
    )


@pytest.fixture(scope="module")
def features(tmp_path_factory) -> pl.DataFrame:
    root = tmp_path_factory.mktemp("drift")
    generate(root / "landing", root / "truth.json", CONFIG)
    return _features(root / "landing")


@pytest.fixture(scope="module")
def outcome(features) -> drift.DriftOutcome:
    policy, _ = load_quality_policy()
    return drift.assess(features, policy)


def _verdicts(outcome: drift.DriftOutcome, program: str) -> dict[str, str]:
    own = outcome.results.filter(
        (pl.col("program_id") == program) & (pl.col("reference") == drift.OWN_REFERENCE)
    )
    return dict(own.select("batch_id", "verdict").iter_rows())


def test_the_planted_shift_is_flagged_once_it_fills_the_window(outcome):
    verdicts = _verdicts(outcome, "ICBT09")
    assert verdicts["2026-05"] == verdicts["2026-06"] == "drift"
    # Batches after the reference period but before the shift are clean.
    assert verdicts["2026-01"] == verdicts["2026-02"] == "no_drift"
    flagged = outcome.columns.filter(
        (pl.col("program_id") == "ICBT09")
        & (pl.col("batch_id") == "2026-06")
        & (pl.col("reference") == drift.OWN_REFERENCE)
        & pl.col("drifted")
    )["column_name"].to_list()
    assert "age_band" in flagged and len(flagged) >= 2


def test_programs_without_a_shift_are_not_flagged(outcome):
    for program in ("ICBT01", "ICBT02", "ICBT05", "ICBT06", "INPERSON_BC"):
        assert set(_verdicts(outcome, program).values()) == {"no_drift"}, program


def test_every_comparison_is_recorded_with_its_reference_and_window(outcome):
    results = outcome.results
    icbt09 = results.filter((pl.col("program_id") == "ICBT09") & (pl.col("batch_id") == "2026-06"))
    assert icbt09.select("reference", "current_description").sort("reference").rows() == [
        ("in_person", "ICBT09 batches 2026-04 to 2026-06"),
        ("own_reference", "ICBT09 batches 2026-04 to 2026-06"),
    ]
    # Clinics are compared with their own past only; reference batches with nothing.
    assert results.filter(pl.col("program_id").str.starts_with("INPERSON"))[
        "reference"
    ].unique().to_list() == ["own_reference"]
    assert results.filter(pl.col("batch_id") < "2026-01")["reference"].unique().to_list() == [
        "in_person"
    ]
    assert outcome.columns.height == results.height * len(drift.FEATURES)


def test_evidently_report_agrees_and_reports_are_written_once(outcome, features, tmp_path):
    policy, _ = load_quality_policy()
    comparison = next(
        c
        for c in drift.plan_comparisons(features, policy)
        if (c.program_id, c.batch_id, c.reference) == ("ICBT09", "2026-06", drift.OWN_REFERENCE)
    )
    ours = drift.column_tests(comparison, policy).drop_nulls("score")
    snapshot = drift.drift_snapshot(comparison, ours["column_name"].to_list(), policy)
    theirs = {
        m["config"]["column"]: m["value"]
        for m in snapshot.dict()["metrics"]
        if m["config"]["type"].endswith("ValueDrift")
    }
    assert theirs == pytest.approx(dict(ours.select("column_name", "score").iter_rows()))

    only_icbt09 = drift.DriftOutcome(
        outcome.results.filter(pl.col("program_id") == "ICBT09"),
        outcome.columns.filter(pl.col("program_id") == "ICBT09"),
        tested=outcome.results.filter(pl.col("program_id") == "ICBT09").height,
    )
    icbt09 = features.filter(pl.col("program_id") == "ICBT09")
    written = drift.write_reports(
        only_icbt09, icbt09, policy, tmp_path, set(), run_id="test", now=None
    )
    drifted = set(
        only_icbt09.results.filter(
            (pl.col("verdict") == "drift") & (pl.col("reference") == drift.OWN_REFERENCE)
        )["batch_id"]
    )
    assert set(written.filter(pl.col("report_type") == "data_drift")["batch_id"]) == drifted
    assert written.filter(pl.col("report_type") == "data_summary")["batch_id"].to_list() == [
        "2026-06"
    ]
    assert all((tmp_path / path).stat().st_size > 100_000 for path in written["path"])
    existing = {
        (r["report_type"], r["program_id"], r["batch_id"], r["reference"] or "", r["data_version"])
        for r in written.iter_rows(named=True)
    }
    again = drift.write_reports(
        only_icbt09, icbt09, policy, tmp_path, existing, run_id="t", now=None
    )
    assert again.is_empty()


def _previous_run(outcome: drift.DriftOutcome) -> pl.DataFrame:
    """What the drift asset reads back: drift_columns with each comparison's data_version."""
    keys = ["program_id", "batch_id", "reference"]
    return outcome.columns.join(outcome.results.select(*keys, "data_version"), on=keys)


def test_a_new_batch_tests_only_the_comparisons_it_changes(outcome, features):
    policy, _ = load_quality_policy()
    newest = features["cohort_batch"].max()
    before = drift.assess(features.filter(pl.col("cohort_batch") < newest), policy)
    after = drift.assess(features, policy, _previous_run(before))
    assert after.results.equals(outcome.results)
    assert after.columns.equals(outcome.columns)
    assert after.tested == outcome.results.filter(pl.col("batch_id") == newest).height
    assert outcome.tested == outcome.results.height


def test_tests_run_under_another_policy_are_not_reused(outcome, features):
    policy, _ = load_quality_policy()
    stricter = dataclasses.replace(policy, column_threshold=policy.column_threshold / 10)
    again = drift.assess(features, stricter, _previous_run(outcome))
    assert again.tested == outcome.results.height
    assert (again.columns["threshold"] == stricter.column_threshold).all()
