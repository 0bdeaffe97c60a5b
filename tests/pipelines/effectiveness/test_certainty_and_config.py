"""GRADE-style certainty rules and the sourced configuration."""

import copy

import pytest
import yaml

from pipelines.effectiveness.certainty import (
    grade_comparison,
    grade_pooled,
    optimal_information_size,
)
from pipelines.effectiveness.config import (
    EffectivenessConfigError,
    load_benchmarks,
    load_effectiveness_config,
    parse_benchmarks,
    parse_config,
)
from pipelines.paths import resource_dir

CONFIG = load_effectiveness_config()


def comparison(**overrides) -> dict:
    row = {
        "higher_is_better": False,
        "noninferiority_margin": 1.85,
        "adjusted_ci_low": -1.0,
        "adjusted_ci_high": 0.5,
        "program_completeness": 0.9,
        "comparator_completeness": 0.85,
        "max_abs_smd_after": 0.0,
        "max_abs_smd_before": 0.2,
        "diagnostics_failed": [],
        "verdict": "non-inferior",
        "sensitivity_verdict": "non-inferior",
        "comparator_level": "local",
        "is_indirect": False,
        "n_program_analysed": 100,
    }
    return {**row, **overrides}


def test_observational_evidence_starts_low_and_a_clean_comparison_stays_low():
    graded = grade_comparison(comparison(), CONFIG)
    assert graded["start_level"] == "low" and graded["certainty"] == "low"
    assert graded["reasons"] == []


def test_each_domain_rates_down_with_its_reason():
    graded = grade_comparison(
        comparison(
            sensitivity_verdict="inconclusive",
            max_abs_smd_after=0.2,
            diagnostics_failed=["equipoise"],
            comparator_level="national",
            is_indirect=True,
            max_abs_smd_before=0.6,
            adjusted_ci_high=2.5,
        ),
        CONFIG,
    )
    assert graded["risk_of_bias_downgrade"] == 2
    assert graded["imprecision_downgrade"] == 1
    assert graded["indirectness_downgrade"] == 2
    assert graded["certainty"] == "very low"
    assert any("changes the verdict" in r for r in graded["reasons"])
    assert any("residual imbalance" in r for r in graded["reasons"])
    assert any("national cohort" in r for r in graded["reasons"])
    assert any("equipoise diagnostic failed, max SMD 0.60" in r for r in graded["reasons"])


def test_populations_that_differ_before_weighting_are_not_indirect_while_they_overlap():
    """The question is the overlap population's (iCBT where in-person CBT would otherwise
    be offered): differing cohorts rate down only when equipoise fails (GRADE 8)."""
    assert grade_comparison(comparison(max_abs_smd_before=0.9), CONFIG)["certainty"] == "low"


def test_missing_outcomes_rate_down_only_when_the_missing_data_analysis_changes_the_inference():
    """GRADE 17: robust to the missing-data analysis, no downgrade however many are
    missing; completeness decides only where no such analysis exists."""
    robust = grade_comparison(comparison(program_completeness=0.6), CONFIG)
    assert robust["risk_of_bias_downgrade"] == 0 and robust["certainty"] == "low"
    unanalysed = grade_comparison(
        comparison(program_completeness=0.6, verdict=None, sensitivity_verdict=None), CONFIG
    )
    assert unanalysed["risk_of_bias_reasons"] == [
        "outcome missing for 40% of due episodes (threshold 20%) and no missing-data analysis"
    ]
    no_margin = comparison(
        noninferiority_margin=None,
        verdict=None,
        sensitivity_verdict=None,
        adjusted_ci_low=-2.0,
        adjusted_ci_high=-0.5,
    )
    agrees = {**no_margin, "sensitivity_ci_low": -2.2, "sensitivity_ci_high": -0.1}
    assert grade_comparison(agrees, CONFIG)["risk_of_bias_downgrade"] == 0
    changes = {**no_margin, "sensitivity_ci_low": -2.0, "sensitivity_ci_high": 0.3}
    assert grade_comparison(changes, CONFIG)["risk_of_bias_reasons"] == [
        "missing-data sensitivity analysis changes whether the CI excludes 0"
    ]


def test_optimal_information_size_known_answer():
    """2 (1.959964 + 0.841621)^2 / 0.5^2 = 62.79: 63 episodes per arm."""
    assert optimal_information_size(CONFIG) == 63


def test_imprecision_without_an_mcid_is_judged_against_the_null_and_the_ois():
    no_mcid = comparison(noninferiority_margin=None, n_comparator_analysed=500)
    precise = grade_comparison({**no_mcid, "adjusted_ci_high": -0.2}, CONFIG)
    assert precise["imprecision_downgrade"] == 0
    crosses = grade_comparison(no_mcid, CONFIG)
    assert crosses["imprecision_reasons"] == [
        "no published MCID, and the CI includes no difference"
    ]
    small = grade_comparison({**no_mcid, "n_program_analysed": 40}, CONFIG)
    assert small["imprecision_downgrade"] == 2
    assert "below the optimal information size 63" in small["imprecision_reasons"][1]


def test_imprecision_with_an_mcid():
    wide = grade_comparison(comparison(adjusted_ci_low=-3.0, adjusted_ci_high=3.0), CONFIG)
    assert wide["imprecision_downgrade"] == 2
    underpowered = grade_comparison(
        comparison(mcid_points=3.7, minimum_detectable_difference=4.2), CONFIG
    )
    assert underpowered["imprecision_reasons"] == [
        "optimal information size not reached: minimum detectable difference 4.20 > 3.7"
    ]


@pytest.mark.parametrize(
    ("low", "high", "overrides", "upgrade", "certainty"),
    [
        (2.5, 4.0, {}, 1, "moderate"),
        (0.1, 0.3, {}, 1, "moderate"),
        (6.0, 9.0, {}, 2, "high"),
        (1.5, 3.0, {}, 0, "low"),
        (2.5, 4.0, {"comparator_level": "national", "is_indirect": True}, 0, "very low"),
    ],
)
def test_a_large_effect_rates_up_only_where_nothing_rated_down(
    low, high, overrides, upgrade, certainty
):
    """GRADE 9: the responders' risk ratio with its whole CI beyond 2 (or 1/2) rates up
    one level, beyond 5 two; a comparison rated down in any domain is not rated up."""
    row = comparison(
        immpact_moderate_responder_rr_ci_low=low,
        immpact_moderate_responder_rr_ci_high=high,
        **overrides,
    )
    graded = grade_comparison(row, CONFIG)
    assert graded["large_effect_upgrade"] == upgrade
    assert graded["certainty"] == certainty
    assert bool(graded["large_effect_reasons"]) == bool(upgrade)


def test_pooled_inconsistency_from_i2_and_one_program():
    pooled = {
        "higher_is_better": False,
        "noninferiority_margin": 1.85,
        "ci_low": -1.0,
        "ci_high": 0.0,
        "i2": 0.8,
        "k": 5,
        "pi_low": -4.0,
        "pi_high": 3.0,
    }
    members = [comparison(), comparison(program_completeness=0.5)]
    graded = grade_pooled(pooled, members, CONFIG)
    assert graded["inconsistency_downgrade"] == 1
    assert any("I2 80%" in r for r in graded["reasons"])
    single = grade_pooled({**pooled, "k": 1, "i2": None, "pi_low": None}, members[:1], CONFIG)
    assert single["inconsistency_reasons"] == ["one program: consistency cannot be judged"]


def _raw(name: str) -> dict:
    return yaml.safe_load((resource_dir("config") / name).read_text())


def test_every_threshold_has_a_source_and_evidence_mark():
    for threshold in [*CONFIG.thresholds.values(), *CONFIG.provenance.values()]:
        assert threshold.source and threshold.evidence in ("V", "S", "U"), threshold.name
    raw = copy.deepcopy(_raw("effectiveness.yaml"))
    del raw["thresholds"]["max_abs_smd"]["source"]
    with pytest.raises(EffectivenessConfigError, match="max_abs_smd"):
        parse_config(raw)


@pytest.mark.parametrize(
    ("path", "other"),
    [
        (("comparator", "hierarchy"), ["national", "local", "benchmark_only"]),
        (("adjustment", "weighting", "method"), "inverse_probability"),
        (("adjustment", "standard_errors", "method"), "HC3"),
    ],
)
def test_a_method_fixed_in_code_has_no_key_that_looks_like_a_switch(path, other):
    raw = copy.deepcopy(_raw("effectiveness.yaml"))
    block = raw
    for key in path[:-1]:
        block = block[key]
    block[path[-1]] = other
    with pytest.raises(EffectivenessConfigError, match=".".join(path) + ": unknown key"):
        parse_config(raw)


def test_the_missing_data_method_key_names_the_implemented_method_and_refuses_another():
    raw = copy.deepcopy(_raw("effectiveness.yaml"))
    raw["missing_data"]["method"] = "inverse_probability_of_response"
    with pytest.raises(EffectivenessConfigError, match=r"missing_data\.method"):
        parse_config(raw)


def test_only_verified_numbers_are_benchmarks():
    benchmarks = load_benchmarks()
    assert {b.evidence for b in benchmarks.benchmarks if b.use_as_benchmark} == {"V"}
    resolve = next(b for b in benchmarks.benchmarks if b.id == "resolve2024_responders")
    assert resolve.evidence == "S" and not resolve.use_as_benchmark
    shown = benchmarks.shown("self_efficacy", "routine_care_pre_post")
    assert shown.id == "dear2023_self_efficacy" and shown.improvement == pytest.approx(0.46)
    assert benchmarks.domain_of("PEG", "total") is None
    raw = copy.deepcopy(_raw("literature_benchmarks.yaml"))
    raw["benchmarks"][0]["improvement_sign"] = 0
    with pytest.raises(EffectivenessConfigError, match="improvement_sign"):
        parse_benchmarks(raw)
