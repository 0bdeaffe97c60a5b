"""The safety signal and the case-mix drift appear where planted, and only when enabled."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.contract import load_contract

# One worker builds the shared generated runs (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_generator")


def _rise(truth, program: str, from_month: str) -> tuple[float, float, int, int]:
    """Realised PHQ-9 deterioration rate before and after `from_month`, with their n."""
    months = truth.deterioration[program]
    before = [v for m, v in months.items() if m < from_month]
    after = [v for m, v in months.items() if m >= from_month]
    n0, n1 = sum(v["n"] for v in before), sum(v["n"] for v in after)
    k0, k1 = sum(v["deteriorated"] for v in before), sum(v["deteriorated"] for v in after)
    return k0 / max(n0, 1), k1 / max(n1, 1), n0, n1


def test_safety_signal_rises_after_its_month_only_in_its_program(main):
    plant = main.truth.safety_plant
    assert plant["enabled"] and plant["program_id"] == "ICBT01" and plant["from_month"] == "2025-07"
    before, after, _, _ = _rise(main.truth, "ICBT01", "2025-07")
    assert after - before > 0.25
    assert plant["realised"]["after"]["rate"] == round(after, 6)
    for pid in main.truth.deterioration:
        if pid == "ICBT01":
            continue
        b, a, n0, n1 = _rise(main.truth, pid, "2025-07")
        if min(n0, n1) >= 30:
            assert a - b < 0.12, pid
    assert plant["adverse_events"]["after"] > 2 * plant["adverse_events"]["before"]


def test_safety_signal_disappears_when_disabled(main, plain):
    plant = plain.truth.safety_plant
    assert not plant["enabled"]
    before, after, _, _ = _rise(plain.truth, "ICBT01", "2025-07")
    assert abs(after - before) < 0.08
    assert after < main.truth.safety_plant["realised"]["after"]["rate"] - 0.2
    symptom = "symptom_deterioration"
    assert (
        plain.truth.adverse_events["by_program"]["ICBT01"][symptom]
        < main.truth.adverse_events["by_program"]["ICBT01"][symptom]
    )


def _case_mix(run, program: str, from_month: date) -> tuple[float, float]:
    """Mean age-band index of referrals before and after `from_month`, from the files."""
    bands = list(load_contract()["episodes"].field("age_band").enum)
    eps = (
        run.landing.tables["episodes"]
        .filter(pl.col("_program") == program)
        .sort("_batch")
        .group_by("episode_key")
        .last()
        .with_columns(
            pl.col("age_band").replace_strict(bands, list(range(len(bands)))).alias("band"),
            (pl.col("referral_date") >= from_month).alias("after"),
        )
    )
    means = dict(eps.group_by("after").agg(pl.col("band").mean()).iter_rows())
    return means[False], means[True]


def test_drift_shifts_the_case_mix(main):
    drift = main.truth.drift_plant
    assert drift["enabled"] and drift["program_id"] == "INPERSON_ON"
    before, after = _case_mix(main, "INPERSON_ON", date(2025, 7, 1))
    assert after - before > 0.6
    realised = drift["realised"]
    assert realised["after"]["mean_age_band_index"] == round(after, 6)
    assert realised["before"]["mean_age_band_index"] == round(before, 6)
    severity = realised["after"]["mean_baseline_phq9"] - realised["before"]["mean_baseline_phq9"]
    assert severity > 1.0


def test_no_drift_when_disabled(plain):
    drift = plain.truth.drift_plant
    assert not drift["enabled"] and drift["age_shift_years"] == 0.0
    realised = drift["realised"]
    before, after = (realised[k]["mean_age_band_index"] for k in ("before", "after"))
    assert abs(after - before) < 0.4
    severity = realised["after"]["mean_baseline_phq9"] - realised["before"]["mean_baseline_phq9"]
    assert abs(severity) < 1.0
