"""The comparison engine on small hand-made cohorts: the comparator hierarchy, gating,
verdicts, and the edge cases (tiny programs, no follow-up, zero variance, one program)."""

import numpy as np
import polars as pl
import pytest

from pipelines.effectiveness import diagnostics as dx
from pipelines.effectiveness.certainty import grade_comparison
from pipelines.effectiveness.comparisons import (
    Cohort,
    Outcome,
    add_earlier_change,
    analyse,
    comparison_specs,
    encode_case_mix,
    run_comparisons,
)
from pipelines.effectiveness.config import load_benchmarks, load_effectiveness_config
from pipelines.effectiveness.synthesis import meta_regressions, pool

PHQ9 = Outcome("PHQ9", "total", "PHQ-9 depression", False, 3.7)
PEG = Outcome("PEG", "total", "PEG", False, None)
CONFIG = load_effectiveness_config()
BENCHMARKS = load_benchmarks()


def programs(*rows: tuple[str, str, str]) -> pl.DataFrame:
    """(program_id, delivery_mode, province) rows."""
    return pl.DataFrame(
        [
            {
                "program_id": pid,
                "program_name": pid,
                "delivery_mode": mode,
                "province": province,
                "status": "available",
                "is_in_person": mode == "in_person",
            }
            for pid, mode, province in rows
        ]
    )


def episodes(
    program_id: str,
    n: int,
    effect: float,
    seed: int,
    *,
    timepoint: str = "post_treatment",
    answered: float = 1.0,
    noise: float = 3.0,
    outcome: Outcome = PHQ9,
) -> pl.DataFrame:
    """Episodes with a common case mix; change = -3 - 0.2 (baseline - 13) + effect + noise."""
    rng = np.random.default_rng(seed)
    baseline = np.clip(np.rint(rng.normal(13, 5, n)), 0, 27)
    change = -3 - 0.2 * (baseline - 13) + effect + noise * rng.standard_normal(n)
    has = rng.random(n) < answered
    score = np.where(has, baseline + change, np.nan)
    return (
        pl.DataFrame(
            {
                "episode_id": np.arange(n) + 10_000 * seed,
                "program_id": program_id,
                "instrument": outcome.instrument,
                "scale": outcome.scale,
                "timepoint": timepoint,
                "is_due": True,
                "baseline_score": baseline,
                "score": score,
                "change": np.where(has, change, np.nan),
                "age_band": rng.choice(["25-34", "45-54", "65-74"], n),
                "sex": rng.choice(["female", "male"], n, p=[0.7, 0.3]),
                "rurality": rng.choice(["urban", "rural"], n, p=[0.7, 0.3]),
                "language": "en",
                "readiness_stage": rng.choice(["contemplation", "action"], n),
                "referral_source": rng.choice(["self", "primary_care"], n),
                "completed_treatment": rng.random(n) < 0.7,
                "baseline_phq9": baseline,
            }
        )
        .with_columns(pl.col("score", "change").fill_nan(None))
        .with_columns(
            reliable_improvement=pl.when(pl.col("score").is_not_null()).then(
                pl.col("change") <= -6
            ),
            immpact_moderate_responder=pl.when(pl.col("score").is_not_null()).then(
                -pl.col("change") >= 0.3 * pl.col("baseline_score")
            ),
        )
    )


def run(frame: pl.DataFrame, registry: pl.DataFrame, outcomes=(PHQ9,)) -> dict[str, dict]:
    return {
        r.row["comparison_id"]: r
        for r in run_comparisons(frame, registry, list(outcomes), CONFIG, BENCHMARKS)
    }


REGISTRY = programs(
    ("A", "guided_asynchronous", "ON"),
    ("B", "self_guided", "SK"),
    ("IP_ON", "in_person", "ON"),
    ("IP_BC", "in_person", "BC"),
)


def test_hierarchy_local_then_national_then_modes():
    specs = {(s.subject_id, s.comparator_level): s for s in comparison_specs(REGISTRY, CONFIG)}
    assert specs["A", "local"].comparators == ("IP_ON",) and specs["A", "local"].is_primary
    assert not specs["A", "national"].is_primary
    assert specs["B", "national"].is_primary and ("B", "local") not in specs
    assert specs["self_guided", "national"].comparators == ("IP_BC", "IP_ON")


def test_benchmark_only_without_any_in_person_cohort():
    registry = programs(("A", "guided_asynchronous", "ON"))
    results = run(episodes("A", 60, 0.0, 1), registry)
    row = results["A|PHQ9.total|post_treatment|benchmark_only"].row
    assert row["verdict"] is None
    assert row["diagnostics_failed"] == ["in_person_cohort"]
    assert row["benchmark_routine_care_id"] == "dear2023_depression"
    assert row["program_prepost_g"] > 0


def test_clear_effects_get_verdicts_and_no_effect_is_non_inferior():
    frame = pl.concat(
        [
            episodes("A", 400, -4.0, 1),
            episodes("B", 400, 0.0, 2),
            episodes("IP_ON", 400, 0.0, 3),
            episodes("IP_BC", 400, 0.0, 4),
        ]
    )
    results = run(frame, REGISTRY)
    better = results["A|PHQ9.total|post_treatment|local"].row
    same = results["B|PHQ9.total|post_treatment|national"].row
    assert better["diagnostics_passed"] and better["verdict"] == "superior"
    assert better["adjusted_ci_low"] < -4.0 < better["adjusted_ci_high"]
    assert better["hedges_g"] > 0 and better["immpact_moderate_responder_rd"] > 0
    assert same["verdict"] == "non-inferior"
    assert same["verdict_display"] == "non-inferior"


def test_a_program_with_fewer_than_five_episodes_is_flagged_not_estimated():
    frame = pl.concat([episodes("A", 4, 0.0, 1), episodes("IP_ON", 200, 0.0, 3)])
    row = run(frame, REGISTRY)["A|PHQ9.total|post_treatment|local"].row
    assert row.get("adjusted_difference") is None and row["verdict"] is None
    assert row["diagnostics_failed"] == ["sample_size"]
    assert row["verdict_display"] == "not shown: sample_size"


def test_all_follow_up_missing_is_named_not_crashed():
    frame = pl.concat(
        [
            episodes("A", 80, 0.0, 1, timepoint="follow_up", answered=0.0),
            episodes("IP_ON", 80, 0.0, 3, timepoint="follow_up"),
        ]
    )
    row = run(frame, REGISTRY)["A|PHQ9.total|follow_up|local"].row
    assert row["n_program_due"] == 80 and row["n_program_analysed"] == 0
    assert row["program_completeness"] == 0.0
    assert "sample_size" in row["diagnostics_failed"] and row["verdict"] is None


def test_zero_variance_fails_the_variance_diagnostic():
    frame = pl.concat(
        [
            episodes("A", 50, 0.0, 1, noise=0.0).with_columns(
                baseline_score=pl.lit(10.0), score=pl.lit(7.0), change=pl.lit(-3.0)
            ),
            episodes("IP_ON", 50, 0.0, 3, noise=0.0).with_columns(
                baseline_score=pl.lit(10.0), score=pl.lit(7.0), change=pl.lit(-3.0)
            ),
        ]
    )
    row = run(frame, REGISTRY)["A|PHQ9.total|post_treatment|local"].row
    assert "outcome_variance" in row["diagnostics_failed"] and row["verdict"] is None
    assert row.get("hedges_g") is None


def test_missing_mcid_means_no_margin_and_no_verdict():
    frame = pl.concat(
        [episodes("A", 300, 0.0, 1, outcome=PEG), episodes("IP_ON", 300, 0.0, 3, outcome=PEG)]
    )
    row = run(frame, REGISTRY, (PEG,))["A|PEG.total|post_treatment|local"].row
    assert row["noninferiority_margin"] is None and row["verdict"] is None
    assert row["diagnostics_failed"] == ["noninferiority_margin"]
    assert row["adjusted_difference"] is not None


def test_missing_data_sensitivity_recovers_what_completers_miss():
    """Missing at random given baseline: the sicker the patient, the likelier a missing
    score, and the multiple-imputation estimate stays near the truth (0) like the
    completers one."""
    frame = pl.concat([episodes("A", 600, 0.0, 1), episodes("IP_ON", 600, 0.0, 3)])
    rng = np.random.default_rng(9)
    drop = rng.random(frame.height) < (frame["baseline_score"].to_numpy() / 30)
    frame = frame.with_columns(
        score=pl.when(pl.Series(drop)).then(None).otherwise(pl.col("score")),
        change=pl.when(pl.Series(drop)).then(None).otherwise(pl.col("change")),
    )
    row = run(frame, REGISTRY)["A|PHQ9.total|post_treatment|local"].row
    assert row["sensitivity_ci_low"] < 0 < row["sensitivity_ci_high"]
    assert row["program_completeness"] < 0.8


def test_a_single_program_pools_to_itself_and_meta_regression_is_skipped():
    frame = pl.concat([episodes("A", 300, -1.0, 1), episodes("IP_ON", 300, 0.0, 3)])
    rows = pl.DataFrame(
        [r.row for r in run(frame, REGISTRY).values()], infer_schema_length=None
    ).with_columns(pl.col("diagnostics_failed").cast(pl.List(pl.String)))
    pooled, tests = pool(rows, CONFIG)
    overall = [p for p in pooled if p["subgroup"] == "all" and p["method"] == "dl"]
    assert len(overall) == 1 and overall[0]["k"] == 1
    assert overall[0]["tau2"] is None and overall[0]["pi_low"] is None
    a = rows.filter(pl.col("comparison_id") == "A|PHQ9.total|post_treatment|local")
    assert overall[0]["estimate"] == pytest.approx(a["adjusted_difference"][0])
    assert tests == []
    attributes = pl.DataFrame(
        {
            "program_id": ["A"],
            "therapist_trained_in_chronic_pain": [True],
            "therapist_involvement": ["asynchronous"],
            "length_weeks": [8],
            "module_count": [6],
            "alliance_mean": [45.0],
        }
    )
    assert meta_regressions(rows, attributes, CONFIG) == []


def test_a_cohort_grouped_into_cells_gives_the_per_episode_comparison():
    """Comparators and delivery modes enter a comparison as cells of one covariate
    pattern; every number, status and verdict equals the comparison of the same episodes
    one by one, up to rounding (estimates, balance, equipoise, responders, sensitivity)."""
    frame = pl.concat(
        [episodes("A", 400, -2.0, 1, answered=0.8), episodes("IP_ON", 1500, 0.0, 3, answered=0.7)]
    ).with_columns(pl.col("baseline_score", "baseline_phq9").clip(10, 14))
    case_mix = tuple(dict.fromkeys((*CONFIG.propensity_covariates, *CONFIG.outcome_covariates)))
    frame = encode_case_mix(add_earlier_change(frame, CONFIG.trajectory), case_mix)
    rows, balance, diagnostics = {}, {}, {}
    for aggregate in (False, True):
        program, comparator = (
            Cohort(frame.filter(pl.col("program_id") == p), case_mix, CONFIG, aggregate)
            for p in ("A", "IP_ON")
        )
        result = analyse(program, comparator, PHQ9, CONFIG)
        rows[aggregate], balance[aggregate] = result.row, result.balance
        diagnostics[aggregate] = [(d["diagnostic"], d["status"]) for d in result.diagnostics]
        if aggregate:
            assert len(comparator.analysed_cells) < comparator.analysed.height / 3
    assert rows[True].keys() == rows[False].keys()
    assert rows[True]["sensitivity_difference"] is not None
    for key, value in rows[False].items():
        assert rows[True][key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert diagnostics[True] == diagnostics[False]
    for by_episode, by_cell in zip(balance[False], balance[True], strict=True):
        assert by_cell["covariate"] == by_episode["covariate"]
        for key, value in by_episode.items():
            if isinstance(value, float):
                assert by_cell[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


@pytest.mark.parametrize(
    ("low", "high", "verdict"),
    [
        (0.2, 1.5, "superior"),
        (-0.5, 1.0, "non-inferior"),
        (-0.9, -0.1, "non-inferior"),
        (-3.0, -0.2, "inferior"),
        (-3.0, 0.5, "inconclusive"),
    ],
)
def test_noninferiority_verdicts(low, high, verdict):
    """Margin 1: Piaggio et al. 2012's cases, CI in improvement terms."""
    assert dx.noninferiority_verdict(low, high, 1.0) == verdict


def test_balance_equipoise_and_minimum_detectable_difference():
    treated = np.r_[np.ones(4, bool), np.zeros(4, bool)]
    x = np.array([[1.0], [1], [0], [0], [1], [0], [0], [0]])
    [b] = dx.standardised_differences(x, ["female"], treated, np.ones(8))
    assert b.smd_before == pytest.approx((0.5 - 0.25) / np.sqrt((1 / 3 + 0.25) / 2))
    assert dx.preference_score(np.full(8, 0.5), treated) == pytest.approx(np.full(8, 0.5))
    assert (
        dx.fraction_in_equipoise(np.r_[np.full(4, 0.5), np.full(4, 0.99)], treated, 0.3, 0.7) == 0.5
    )
    assert dx.minimum_detectable_difference(1.0, 0.95, 0.8) == pytest.approx(2.8016, abs=1e-4)


def test_a_complete_local_world_with_a_large_precise_effect_rates_above_very_low():
    """Every outcome answered, a local in-person cohort from the same population, and a
    program whose patients respond (30% improvement) about two and a half times as often:
    nothing rates it down, the responders' risk ratio rates it up (GRADE 9)."""
    frame = pl.concat([episodes("A", 800, -7.0, 1), episodes("IP_ON", 800, 0.0, 3)])
    row = run(frame, REGISTRY)["A|PHQ9.total|post_treatment|local"].row
    assert row["diagnostics_passed"] and row["verdict"] == "superior"
    graded = grade_comparison(row, CONFIG)
    assert graded["reasons"][0].startswith("large effect: responders' risk ratio CI")
    assert graded["large_effect_upgrade"] == 1
    assert graded["certainty"] == "moderate"
