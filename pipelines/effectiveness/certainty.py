"""Certainty of evidence per outcome and comparison, modelled on GRADE.

Observational evidence starts at the configured level ("low", Balshem et al. 2011), is
rated down one level per serious concern in each domain (two where stated) and rated up
for a large effect when nothing rated it down (GRADE 9, Guyatt et al. 2011). Every change
carries its reason, so a reader sees why, not only how much. The rules and their sources:
docs/methods-effectiveness.md §9 and config/effectiveness.yaml.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from pipelines.effectiveness.config import EffectivenessConfig
from pipelines.effectiveness.diagnostics import minimum_detectable_difference

LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk_of_bias", "inconsistency", "imprecision", "indirectness")


def _overall(start: str, downgrades: dict[str, tuple[int, list[str]]], upgrade: int) -> str:
    total = sum(d for d, _ in downgrades.values())
    return LEVELS[min(len(LEVELS) - 1, max(0, LEVELS.index(start) - total + upgrade))]


def optimal_information_size(config: EffectivenessConfig) -> int:
    """Episodes per arm of one trial powered to detect the configured standardised
    difference: 2 (z_{1-alpha/2} + z_{power})^2 / d^2 (GRADE 6's optimal information
    size, for outcomes without a published MCID)."""
    z = stats.norm.ppf(0.5 + config.confidence / 2) + stats.norm.ppf(config.value("power"))
    return math.ceil(2 * z**2 / config.value("ois_standardised_difference") ** 2)


def _improvement_interval(row: dict[str, Any], low: float, high: float) -> tuple[float, float]:
    sign = 1.0 if row["higher_is_better"] else -1.0
    ordered = sorted((sign * low, sign * high))
    return ordered[0], ordered[1]


def _imprecision(
    row: dict[str, Any], low_key: str, high_key: str, config: EffectivenessConfig
) -> tuple[int, list[str]]:
    """With a published MCID: the CI against the decision thresholds 0 and the margin,
    then the optimal information size as the minimum detectable difference. Without one:
    the CI against the null and the sample against the optimal information size."""
    if row.get(low_key) is None or row.get(high_key) is None:
        return 2, ["no estimate"]
    low, high = _improvement_interval(row, row[low_key], row[high_key])
    margin = row.get("noninferiority_margin")
    if margin is not None:
        if low < -margin and high > margin:
            return 2, [f"CI includes both important harm and important benefit (margin {margin:g})"]
        if low <= -margin < high:
            return 1, [f"CI crosses the non-inferiority margin -{margin:g}"]
        mdd = row.get("minimum_detectable_difference")
        if mdd is None and row.get("se") is not None:
            mdd = minimum_detectable_difference(row["se"], config.confidence, config.value("power"))
        mcid = row.get("mcid_points")
        limit = mcid * config.value("mdd_max_mcid_fraction") if mcid is not None else None
        if mdd is not None and limit is not None and mdd > limit:
            return 1, [
                f"optimal information size not reached: minimum detectable difference "
                f"{mdd:.2f} > {limit:g}"
            ]
        return 0, []
    reasons = []
    if low < 0 < high:
        reasons.append("no published MCID, and the CI includes no difference")
    sizes = [row.get(k) for k in ("n_program_analysed", "n_comparator_analysed", "n_episodes")]
    smallest = min((n for n in sizes if n is not None), default=None)
    ois = optimal_information_size(config)
    if smallest is not None and smallest < ois:
        reasons.append(
            f"{smallest} episodes in the smaller arm, below the optimal information size "
            f"{ois} (to detect {config.value('ois_standardised_difference'):g} SD)"
        )
    return len(reasons), reasons


def _excludes_null(low: float, high: float) -> int:
    """-1, 0 or 1: the CI lies wholly below 0, includes it, or lies wholly above it."""
    return -1 if high < 0 else (1 if low > 0 else 0)


def _missing_outcomes(row: dict[str, Any], config: EffectivenessConfig) -> list[str]:
    """Rate down when the missing-data analysis changes the inference (GRADE 17): the
    verdict where one is shown, else whether the CI excludes no difference. Only where
    no missing-data analysis exists does completeness alone decide."""
    verdict, sensitivity = row.get("verdict"), row.get("sensitivity_verdict")
    if verdict is not None and sensitivity is not None:
        if verdict != sensitivity:
            return [f"missing-data sensitivity analysis changes the verdict ({sensitivity})"]
        return []
    main = (row.get("adjusted_ci_low"), row.get("adjusted_ci_high"))
    imputed = (row.get("sensitivity_ci_low"), row.get("sensitivity_ci_high"))
    if None not in main and None not in imputed:
        if _excludes_null(*main) != _excludes_null(*imputed):
            return ["missing-data sensitivity analysis changes whether the CI excludes 0"]
        return []
    completeness_min = config.value("follow_up_completeness_min")
    completeness = [
        c for c in (row.get("program_completeness"), row.get("comparator_completeness")) if c
    ]
    if completeness and min(completeness) < completeness_min:
        return [
            f"outcome missing for {1 - min(completeness):.0%} of due episodes "
            f"(threshold {1 - completeness_min:.0%}) and no missing-data analysis"
        ]
    return []


def _large_effect(row: dict[str, Any], config: EffectivenessConfig) -> tuple[int, list[str]]:
    """GRADE 9: rate up one level when the whole CI of the responders' risk ratio lies
    beyond the large-effect ratio (2, or 1/2), two beyond the very large one (5, or 1/5)."""
    low, high = (
        row.get("immpact_moderate_responder_rr_ci_low"),
        row.get("immpact_moderate_responder_rr_ci_high"),
    )
    if low is None or high is None:
        return 0, []
    for levels, name in ((2, "very_large_effect_rr"), (1, "large_effect_rr")):
        ratio = config.value(name)
        if low > ratio or high < 1 / ratio:
            return levels, [
                f"responders' risk ratio CI {low:.2f} to {high:.2f} beyond {ratio:g} "
                f"(or 1/{ratio:g})"
            ]
    return 0, []


def _result(
    start: str, downgrades: dict[str, tuple[int, list[str]]], upgrade: tuple[int, list[str]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"start_level": start}
    reasons = []
    for domain in DOMAINS:
        level, why = downgrades[domain]
        out[f"{domain}_downgrade"] = level
        out[f"{domain}_reasons"] = why
        reasons += [f"{domain.replace('_', ' ')}: {w}" for w in why]
    out["large_effect_upgrade"], out["large_effect_reasons"] = upgrade
    reasons += [f"large effect: {w}" for w in upgrade[1]]
    out["certainty"] = _overall(start, downgrades, upgrade[0])
    out["reasons"] = reasons
    return out


def grade_comparison(row: dict[str, Any], config: EffectivenessConfig) -> dict[str, Any]:
    """Certainty of one comparison (one program or mode, outcome, timepoint, comparator)."""
    rob = _missing_outcomes(row, config)
    if row.get("max_abs_smd_after") is not None and row["max_abs_smd_after"] > config.value(
        "max_abs_smd"
    ):
        rob.append(f"residual imbalance after weighting (max SMD {row['max_abs_smd_after']:.2f})")

    # Indirectness (GRADE 8): the question is iCBT where in-person CBT would otherwise be
    # offered, i.e. the overlap population (§3), so populations that differ before
    # weighting are not indirect in themselves; they are when so few patients overlap
    # that the estimate speaks for few of the program's own (equipoise failed).
    indirect: list[str] = []
    if row.get("comparator_level") == "benchmark_only":
        indirect.append("no in-person cohort: only published benchmarks from other settings")
    elif row.get("is_indirect"):
        indirect.append("no local in-person cohort: compared with the national cohort")
    if "equipoise" in (row.get("diagnostics_failed") or []):
        before = row.get("max_abs_smd_before")
        indirect.append(
            "populations barely overlap (equipoise diagnostic failed"
            + (f", max SMD {before:.2f} before weighting" if before is not None else "")
            + "): the estimate holds for the overlap population only"
        )
    downgrades = {
        "risk_of_bias": (min(len(rob), 2), rob),
        "inconsistency": (0, []),
        "imprecision": _imprecision(row, "adjusted_ci_low", "adjusted_ci_high", config),
        "indirectness": (min(len(indirect), 2), indirect),
    }
    rated_down = any(level for level, _ in downgrades.values())
    upgrade = (0, []) if rated_down else _large_effect(row, config)
    return _result(config.certainty_start, downgrades, upgrade)


def grade_pooled(
    pooled: dict[str, Any], members: list[dict[str, Any]], config: EffectivenessConfig
) -> dict[str, Any]:
    """Certainty of a pooled effect: risk of bias and indirectness by the share of pooled
    weight (here, episodes) from comparisons with that concern, inconsistency from I^2 and
    the prediction interval, imprecision from the pooled CI. Not rated up: the large-effect
    rule reads one comparison's responders, which pooling does not combine."""
    total = sum(m["n_program_analysed"] for m in members) or 1
    graded = [(m, grade_comparison(m, config)) for m in members]

    def share(domain: str) -> float:
        return sum(m["n_program_analysed"] for m, g in graded if g[f"{domain}_downgrade"]) / total

    rob = [f"{share('risk_of_bias'):.0%} of episodes from comparisons with risk-of-bias concerns"]
    indirect = [f"{share('indirectness'):.0%} of episodes from indirect comparisons"]
    inconsistency: list[str] = []
    i2 = pooled.get("i2")
    if i2 is not None and 100 * i2 > config.value("i2_serious"):
        inconsistency.append(f"I2 {100 * i2:.0f}% > {config.value('i2_serious'):g}%")
    margin = pooled.get("noninferiority_margin")
    if pooled.get("pi_low") is not None and margin is not None:
        low, high = _improvement_interval(pooled, pooled["pi_low"], pooled["pi_high"])
        if low < -margin and high > 0:
            inconsistency.append("prediction interval spans both inferior and better programs")
    if pooled.get("k", 0) < 2:
        inconsistency = ["one program: consistency cannot be judged"]
    row = {
        **pooled,
        "adjusted_ci_low": pooled.get("ci_low"),
        "adjusted_ci_high": pooled.get("ci_high"),
    }
    downgrades = {
        "risk_of_bias": (1, rob) if share("risk_of_bias") > 0.5 else (0, []),
        "inconsistency": (min(len(inconsistency), 1), inconsistency),
        "imprecision": _imprecision(row, "adjusted_ci_low", "adjusted_ci_high", config),
        "indirectness": (1, indirect) if share("indirectness") > 0.5 else (0, []),
    }
    return _result(config.certainty_start, downgrades, (0, []))
