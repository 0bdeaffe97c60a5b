"""Measured operating characteristics, a smaller version of
benchmarks/safety_operating_characteristics.py (see benchmarks/RESULTS-safety.md).

The planted PHQ-9 deterioration rise is found within DETECTION_MONTHS months of planted
data in at least 90% of seeds; on null data (every program in-person CBT in risk and
effect) the false alarms per program-year per indicator stay under the configured
target. Seeds are fixed, so the assertions are deterministic. The warehouse is built
without the ingestion step (benchmarks/without_ingestion.py); the first test checks that
this gives the same safety units as the real Dagster run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import polars as pl
import pytest

from benchmarks.safety_harness import (
    NULL_INDICATORS,
    detection,
    null_world,
    read_seed_inputs,
    signal_exposure,
    simulate_seed,
    survey_inputs,
)
from benchmarks.safety_operating_characteristics import with_arl, with_reference_uncertainty
from benchmarks.without_ingestion import build_without_ingestion
from pipelines.demo.config import GeneratorConfig
from pipelines.resources import Warehouse
from pipelines.safety.config import load_safety_config
from tests.conftest import needs_demo_build

CONFIG = load_safety_config()
PRIMARY = "phq9_reliable_deterioration"
# With the in-person reference's uncertainty carried into the limits (issue 12), these
# seeds' delays were 2 to 9 months (at most 8 with the reference treated as exact):
# slower by a month in some seeds, the price of fewer false bursts (RESULTS-safety.md).
DETECTION_MONTHS = 9
SEEDS = range(501, 511)
PLANTED_AND_REFERENCE = ("ICBT07", "INPERSON_ON", "INPERSON_BC", "INPERSON_QC", "INPERSON_AB")
# The demo's self-guided archetypes with more than a pilot's volume (pipelines/demo/archetypes.py).
SELF_GUIDED = ("ICBT01", "ICBT02", "ICBT03", "ICBT04")


@needs_demo_build
def test_the_harness_builds_the_same_safety_units_as_a_real_run(demo_build, tmp_path):
    warehouse = build_without_ingestion(demo_build.settings.landing_dir, tmp_path / "b.duckdb")
    harness = read_seed_inputs(warehouse, CONFIG).units
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        real = con.sql("SELECT * FROM safety_units").pl()

    def summary(units: pl.DataFrame) -> pl.DataFrame:
        return (
            units.group_by("indicator", "program_id", "month")
            .agg(n=pl.len(), events=pl.col("event").sum(), expected=pl.col("expected").sum())
            .sort("indicator", "program_id", "month")
        )

    ours, theirs = summary(harness), summary(real)
    assert ours.select("indicator", "program_id", "month", "n", "events").equals(
        theirs.select("indicator", "program_id", "month", "n", "events")
    )
    assert ours["expected"].to_list() == pytest.approx(theirs["expected"].to_list(), rel=1e-9)


@pytest.mark.slow
@pytest.mark.xdist_group("safety_detection")
def test_the_planted_rise_is_detected_within_the_stated_months(tmp_path):
    """Full demo volume (20,000 episodes over 24 months), plant 13 months before the end;
    only the planted program and the in-person clinics are built (each program draws its
    own random numbers, so its CUSUM is exactly the full demo's)."""
    watched = CONFIG.restricted((PRIMARY,))
    delays, early = [], 0
    for seed in SEEDS:
        generator = GeneratorConfig(
            n_episodes=20_000,
            seed=seed,
            months=24,
            end_month=date(2026, 9, 1),
            safety_from_month=date(2025, 9, 1),
        )
        inputs, plant = simulate_seed(
            tmp_path / str(seed), generator, watched, PLANTED_AND_REFERENCE
        )
        found = detection(
            survey_inputs(inputs, watched),
            seed=seed,
            program_id=plant["program_id"],
            indicator=PRIMARY,
            from_month=generator.safety_month,
            end_month=generator.end_month,
        )
        delays.append(found.delay["cusum"])
        early += found.early_signals
    within = sum(d is not None and d <= DETECTION_MONTHS for d in delays)
    assert within >= 0.9 * len(delays), f"CUSUM delays in months: {delays}"
    assert early == 0


@pytest.mark.slow
@pytest.mark.xdist_group("safety_false_alarms")
def test_false_alarms_on_null_data_stay_under_the_target(tmp_path):
    watched = CONFIG.restricted(NULL_INDICATORS)
    exposure = []
    for seed in SEEDS:
        generator = null_world(
            GeneratorConfig(n_episodes=6_000, seed=seed, months=12, end_month=date(2026, 9, 1))
        )
        inputs, _ = simulate_seed(tmp_path / str(seed), generator, watched)
        exposure.append(signal_exposure(survey_inputs(inputs, watched)))
    table = pl.concat(exposure)
    chart_years = table["months"].sum() / 12  # program-years summed over the indicators
    alarms = table["cusum"].sum() + table["funnel"].sum()
    assert chart_years > 400
    assert alarms / chart_years <= CONFIG.false_alarm_target.value, (alarms, chart_years)


@pytest.mark.slow
def test_structural_breaches_of_self_guided_programs_are_gone_and_the_plant_is_found(tmp_path):
    """The full demo volume (20,000 episodes over 24 months, one seed; only the self-guided
    programs, the planted one and the in-person clinics are built): held to the
    therapist standard, self-guided programs open follow-up signals every run by design;
    held to their own (unmeasured) standard they open none, and the planted rise is still
    found."""
    generator = GeneratorConfig(
        n_episodes=20_000,
        seed=1000,
        months=24,
        end_month=date(2026, 9, 1),
        safety_from_month=date(2025, 9, 1),
    )
    inputs, plant = simulate_seed(tmp_path, generator, CONFIG, PLANTED_AND_REFERENCE + SELF_GUIDED)
    self_guided = inputs.programs.filter(pl.col("delivery_mode") == "self_guided")["program_id"]
    therapist_only = replace(CONFIG, mode_standards={})
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))

    def follow_up_signals(result) -> list[str]:
        own = result.episodes.filter(
            (pl.col("indicator") == "item9_follow_up_breach")
            & pl.col("program_id").is_in(self_guided.implode())
        )
        return own["program_id"].to_list()

    before = survey_inputs(read_seed_inputs(warehouse, therapist_only), therapist_only)
    after = survey_inputs(inputs, CONFIG)
    assert follow_up_signals(before), "the therapist standard breaches self-guided programs"
    assert follow_up_signals(after) == []
    found = detection(
        after,
        seed=1000,
        program_id=plant["program_id"],
        indicator=PRIMARY,
        from_month=generator.safety_month,
        end_month=generator.end_month,
    )
    assert found.delay["either"] is not None and found.early_signals == 0


def test_the_benchmarks_variants_change_only_what_they_name():
    """`--arl` and the side-by-side of the reference's uncertainty rebuild the configuration
    with one value replaced, keeping its source."""
    longer = with_arl(CONFIG, 480)
    assert longer.in_control_arl_months.value == 480
    assert longer.in_control_arl_months.source == CONFIG.in_control_arl_months.source
    exact = with_reference_uncertainty(longer, "ignore")
    assert exact.reference_uncertainty == "ignore" and exact.in_control_arl_months.value == 480
