"""Expected rates from in-person CBT: case-mix model, shrunk province offsets, and the
severity-only, crude and published fallbacks."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from pipelines.safety.config import load_safety_config
from pipelines.safety.expected import (
    ALL_IN_PERSON,
    assign_expected,
    design,
    fit_reference,
    province_offset,
    shrink,
    shrunk_variance,
)

CONFIG = load_safety_config().restricted(("phq9_reliable_deterioration",))
PROGRAMS = pl.DataFrame(
    {
        "program_id": ["CLINIC_ON", "CLINIC_BC", "ICBT_ON", "ICBT_NS"],
        "province": ["ON", "BC", "ON", "NS"],
        "is_in_person": [True, True, False, False],
    }
)


def _units(program: str, n: int, rng: np.random.Generator, shift: float = 0.0) -> pl.DataFrame:
    severity = rng.normal(13.5, 5.0, n)
    p = 1 / (1 + np.exp(-(-3.0 + shift + 0.12 * (severity - 13.5))))
    return pl.DataFrame(
        {
            "indicator": "phq9_reliable_deterioration",
            "program_id": program,
            "episode_id": np.arange(n),
            "unit_date": date(2026, 1, 15),
            "month": date(2026, 1, 1),
            "event": rng.random(n) < p,
            "age_band_index": rng.integers(0, 7, n).astype(np.int8),
            "female": rng.random(n) < 0.7,
            "rurality": rng.choice(["urban", "rural", "remote"], n),
            "baseline_severity": severity,
            "baseline_item9": None,
        }
    )


def _world(bc_shift: float) -> pl.DataFrame:
    rng = np.random.default_rng(3)
    return pl.concat(
        [
            _units("CLINIC_ON", 6000, rng),
            _units("CLINIC_BC", 6000, rng, shift=bc_shift),
            _units("ICBT_ON", 500, rng),
            _units("ICBT_NS", 500, rng),
        ]
    )


def _means(scored: pl.DataFrame) -> dict[str, float]:
    return dict(scored.group_by("program_id").agg(pl.col("expected").mean()).iter_rows())


def test_case_mix_model_recovers_the_severity_gradient():
    _, references = assign_expected(_world(0.0), PROGRAMS, CONFIG)
    pooled = references.filter(pl.col("cohort") == ALL_IN_PERSON).row(0, named=True)
    assert pooled["method"] == "logistic"
    coefficients = json.loads(pooled["coefficients"])
    assert coefficients["baseline_severity"] == pytest.approx(0.12, abs=0.02)
    assert abs(coefficients["female"]) < 0.2 and abs(coefficients["remote"]) < 0.25


def test_a_province_that_differs_gets_its_own_clinics_expectation():
    units = _world(0.7)
    scored, references = assign_expected(units, PROGRAMS, CONFIG)
    labels = dict(scored.group_by("program_id").agg(pl.col("reference").first()).iter_rows())
    assert labels == {
        "ICBT_ON": "in_person_ON",
        "ICBT_NS": ALL_IN_PERSON,
        "CLINIC_ON": ALL_IN_PERSON,
        "CLINIC_BC": ALL_IN_PERSON,
    }
    offsets = references.filter(pl.col("method") == "province_offset")
    assert offsets["between_province_variance"][0] > 0.05
    assert offsets["shrunk_province_offset"].to_list() == pytest.approx(
        offsets["province_offset"].to_list(), rel=0.05
    )
    means = _means(scored)
    observed_on = units.filter(pl.col("program_id") == "CLINIC_ON")["event"].mean()
    assert means["ICBT_ON"] == pytest.approx(observed_on, abs=0.01)
    assert means["ICBT_NS"] > means["ICBT_ON"] + 0.015


def test_provinces_that_differ_only_by_chance_share_the_pooled_expectation():
    scored, references = assign_expected(_world(0.0), PROGRAMS, CONFIG)
    offsets = references.filter(pl.col("method") == "province_offset")
    assert offsets["shrunk_province_offset"].abs().max() < 0.02
    means = _means(scored)
    assert means["ICBT_ON"] == pytest.approx(means["ICBT_NS"], abs=0.005)


def test_offset_and_shrinkage_by_hand():
    logit = np.full(1000, np.log(0.1 / 0.9))
    delta, se = province_offset(logit, np.r_[np.ones(200), np.zeros(800)])
    assert delta == pytest.approx(np.log(0.25) - np.log(0.1 / 0.9))
    assert se == pytest.approx(1 / np.sqrt(1000 * 0.2 * 0.8))
    # w = 400 each, Q = 200, tau^2 = (200 - 1) / (800 - 400); kept by tau^2 / (tau^2 + se^2).
    kept, tau2 = shrink(np.array([-0.5, 0.5]), np.array([0.05, 0.05]))
    assert tau2 == pytest.approx(199 / 400)
    assert kept == pytest.approx([-0.5 * 0.4975 / 0.5, 0.5 * 0.4975 / 0.5])
    gone, tau2 = shrink(np.array([0.01, -0.01]), np.array([0.2, 0.2]))
    assert tau2 == 0 and gone.tolist() == [0.0, 0.0]


def test_fewer_events_fall_back_to_severity_then_the_crude_rate():
    units = _world(0.0)
    clinic = units.filter(pl.col("program_id") == "CLINIC_ON")
    icbt = units.filter(pl.col("program_id") == "ICBT_NS")
    for size, method in ((700, "severity"), (120, "crude")):
        scored, references = assign_expected(clinic.head(size).vstack(icbt), PROGRAMS, CONFIG)
        pooled = references.filter(pl.col("cohort") == ALL_IN_PERSON).row(0, named=True)
        assert pooled["method"] == method, size
    assert scored.filter(pl.col("program_id") == "ICBT_NS")["expected"].unique().to_list() == [
        pytest.approx(pooled["crude_rate"])
    ]


def test_published_fallback_only_without_any_in_person_unit():
    icbt = _world(0.0).filter(~pl.col("program_id").str.starts_with("CLINIC"))
    scored, references = assign_expected(icbt, PROGRAMS, CONFIG)
    assert scored["expected"].unique().to_list() == [pytest.approx(0.05)]
    assert scored["reference"].unique().to_list() == ["published"]
    assert "Rozental" in references["source"][0]
    indicator = CONFIG.indicators["phq9_reliable_deterioration"]
    no_fallback = replace(
        CONFIG,
        indicators={
            indicator.name: replace(indicator, published_fallback=None, fallback_note="none")
        },
    )
    scored, references = assign_expected(icbt, PROGRAMS, no_fallback)
    assert scored["expected"].is_null().all()
    assert references["method"].to_list() == ["none"]


def test_no_reference_below_the_minimum_number_of_events():
    units = _world(0.0)
    rare = units.filter(pl.col("program_id") == "ICBT_ON").vstack(
        units.filter((pl.col("program_id") == "CLINIC_ON") & ~pl.col("event")).head(300)
    )
    scored, references = assign_expected(rare, PROGRAMS, CONFIG)
    assert references.filter(pl.col("cohort") == ALL_IN_PERSON)["method"].to_list() == ["none"]
    assert scored["expected"].is_null().all()


def test_the_model_is_not_extrapolated_beyond_the_in_person_severity_range():
    units = _world(0.0)
    clinics = units.filter(pl.col("program_id").str.starts_with("CLINIC"))
    highest = clinics["baseline_severity"].max()
    one = units.filter(pl.col("program_id") == "ICBT_NS").head(1)
    extreme = pl.concat([one, one]).with_columns(
        baseline_severity=pl.Series([highest, highest + 40.0])
    )
    scored, _ = assign_expected(clinics.vstack(extreme), PROGRAMS, CONFIG)
    edge, beyond = scored.filter(pl.col("program_id") == "ICBT_NS")["expected"].to_list()
    assert edge == pytest.approx(beyond)


def test_reference_standard_error_of_one_unit_is_statsmodels_prediction_error():
    """For a one-unit program the delta-method variance g'Cg / V^2 reduces to x'Cx, the
    variance of the fitted linear predictor, which statsmodels reports directly."""
    units = _world(0.0)
    clinics = units.filter(pl.col("program_id").str.starts_with("CLINIC"))
    one = units.filter(pl.col("program_id") == "ICBT_NS").head(1)
    scored, _ = assign_expected(clinics.vstack(one), PROGRAMS, CONFIG)
    reference = fit_reference(CONFIG.indicators["phq9_reliable_deterioration"], clinics, CONFIG)
    x = design(clinics, reference.columns, reference.centre, reference.span)
    y = clinics["event"].cast(pl.Float64).to_numpy()
    fitted = sm.GLM(y, x, family=sm.families.Binomial()).fit()
    x_one = design(one, reference.columns, reference.centre, reference.span)
    expected_se = fitted.get_prediction(x_one, which="linear").se[0]
    got = scored.filter(pl.col("program_id") == "ICBT_NS")["reference_logit_se"][0]
    assert got == pytest.approx(expected_se, rel=1e-4)


def test_crude_reference_standard_error_is_the_binomial_log_odds_one():
    units = _world(0.0)
    clinic = units.filter(pl.col("program_id") == "CLINIC_ON").head(120)
    icbt = units.filter(pl.col("program_id") == "ICBT_NS")
    scored, references = assign_expected(clinic.vstack(icbt), PROGRAMS, CONFIG)
    pooled = references.filter(pl.col("cohort") == ALL_IN_PERSON).row(0, named=True)
    assert pooled["method"] == "crude"
    events, n = pooled["events"], pooled["units"]
    got = scored.filter(pl.col("program_id") == "ICBT_NS")["reference_logit_se"].unique()
    assert got.to_list() == [pytest.approx(np.sqrt(1 / events + 1 / (n - events)))]


def test_a_local_reference_adds_the_posterior_variance_of_its_shrunk_offset():
    assert shrunk_variance(np.array([0.2, np.inf]), 0.04).tolist() == pytest.approx(
        [0.04 * 0.04 / 0.08, 0.0]
    )
    assert shrunk_variance(np.array([0.2]), 0.0).tolist() == [0.0]
    scored, references = assign_expected(_world(0.7), PROGRAMS, CONFIG)
    se = dict(scored.group_by("program_id").agg(pl.col("reference_logit_se").first()).iter_rows())
    on = references.filter(pl.col("cohort") == "in_person_ON").row(0, named=True)
    assert on["shrunk_province_offset_se"] == pytest.approx(
        np.sqrt(
            shrunk_variance(np.array([on["province_offset_se"]]), on["between_province_variance"])[
                0
            ]
        )
    )
    # ICBT_ON carries its province's offset error on top of the pooled model's.
    assert se["ICBT_ON"] ** 2 > on["shrunk_province_offset_se"] ** 2 > 0
    assert se["ICBT_NS"] < se["ICBT_ON"]
