"""Certainty of evidence per outcome and comparison, modelled on GRADE.

Observational evidence starts at the configured level ("low", Balshem et al. 2011) and
is rated down one level per serious concern in each domain (two where stated); it is
never rated up (see config/effectiveness.yaml). Every downgrade carries its reason, so a
reader sees why, not only how much.
"""

from __future__ import annotations

from typing import Any

from pipelines.effectiveness.config import EffectivenessConfig

LEVELS = ("very low", "low", "moderate", "high")
DOMAINS = ("risk_of_bias", "inconsistency", "imprecision", "indirectness")


def _overall(start: str, downgrades: dict[str, tuple[int, list[str]]]) -> str:
    total = sum(d for d, _ in downgrades.values())
    return LEVELS[max(0, LEVELS.index(start) - total)]


def _imprecision(row: dict[str, Any], low_key: str, high_key: str) -> tuple[int, list[str]]:
    """Judged against the decision thresholds 0 and the margin, in improvement terms."""
    low, high, margin = row.get(low_key), row.get(high_key), row.get("noninferiority_margin")
    if low is None or high is None:
        return 2, ["no estimate"]
    if margin is None:
        return 1, ["no published MCID: precision cannot be judged against a clinical threshold"]
    sign = 1.0 if row["higher_is_better"] else -1.0
    low, high = sorted((sign * low, sign * high))
    if low < -margin and high > margin:
        return 2, [f"CI includes both important harm and important benefit (margin {margin:g})"]
    if low <= -margin < high:
        return 1, [f"CI crosses the non-inferiority margin -{margin:g}"]
    return 0, []


def _result(start: str, downgrades: dict[str, tuple[int, list[str]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"start_level": start}
    reasons = []
    for domain in DOMAINS:
        level, why = downgrades[domain]
        out[f"{domain}_downgrade"] = level
        out[f"{domain}_reasons"] = why
        reasons += [f"{domain.replace('_', ' ')}: {w}" for w in why]
    out["certainty"] = _overall(start, downgrades)
    out["reasons"] = reasons
    return out


def grade_comparison(row: dict[str, Any], config: EffectivenessConfig) -> dict[str, Any]:
    """Certainty of one comparison (one program or mode, outcome, timepoint, comparator)."""
    completeness_min = config.value("follow_up_completeness_min")
    rob: list[str] = []
    completeness = [
        c for c in (row.get("program_completeness"), row.get("comparator_completeness")) if c
    ]
    if completeness and min(completeness) < completeness_min:
        rob.append(
            f"outcome missing for {1 - min(completeness):.0%} of due episodes "
            f"(threshold {1 - completeness_min:.0%})"
        )
    if row.get("max_abs_smd_after") is not None and row["max_abs_smd_after"] > config.value(
        "max_abs_smd"
    ):
        rob.append(f"residual imbalance after weighting (max SMD {row['max_abs_smd_after']:.2f})")
    failed = [d for d in row.get("diagnostics_failed") or [] if d in ("equipoise",)]
    if failed:
        rob.append("populations barely overlap (equipoise diagnostic failed)")
    verdict, sensitivity = row.get("verdict"), row.get("sensitivity_verdict")
    if verdict is not None and sensitivity is not None and verdict != sensitivity:
        rob.append(f"missing-data sensitivity analysis changes the verdict ({sensitivity})")

    indirect: list[str] = []
    if row.get("comparator_level") == "benchmark_only":
        indirect.append("no in-person cohort: only published benchmarks from other settings")
    elif row.get("is_indirect"):
        indirect.append("no local in-person cohort: compared with the national cohort")
    mismatch = config.value("population_mismatch_smd")
    if row.get("max_abs_smd_before") is not None and row["max_abs_smd_before"] > mismatch:
        indirect.append(
            f"populations differ before weighting (max SMD {row['max_abs_smd_before']:.2f} "
            f"> {mismatch:g}): the estimate applies to the overlap population"
        )
    downgrades = {
        "risk_of_bias": (min(len(rob), 2), rob),
        "inconsistency": (0, []),
        "imprecision": _imprecision(row, "adjusted_ci_low", "adjusted_ci_high"),
        "indirectness": (min(len(indirect), 2), indirect),
    }
    return _result(config.certainty_start, downgrades)


def grade_pooled(
    pooled: dict[str, Any], members: list[dict[str, Any]], config: EffectivenessConfig
) -> dict[str, Any]:
    """Certainty of a pooled effect: risk of bias and indirectness by the share of pooled
    weight (here, episodes) from comparisons with that concern, inconsistency from I^2 and
    the prediction interval, imprecision from the pooled CI."""
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
        sign = 1.0 if pooled["higher_is_better"] else -1.0
        low, high = sorted((sign * pooled["pi_low"], sign * pooled["pi_high"]))
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
        "imprecision": _imprecision(row, "adjusted_ci_low", "adjusted_ci_high"),
        "indirectness": (1, indirect) if share("indirectness") > 0.5 else (0, []),
    }
    return _result(config.certainty_start, downgrades)
