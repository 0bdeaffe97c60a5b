"""Pooling the programs' comparisons: random-effects meta-analysis per outcome and
timepoint, subgroups by delivery mode with a test for their difference, and univariable
meta-regressions on program attributes ("what makes programs work").

Only primary program comparisons whose estimate is trustworthy enter the pooled effects:
enough episodes, residual variance, covariate balance and equipoise passed. A comparison
that failed only the minimum-detectable-difference or margin diagnostics is imprecise,
not biased, and pooling is exactly how imprecision is overcome, so it is included.

The meta-regressions also admit comparisons whose only other failure is equipoise, with
the caveat named on every row: their overlap-population estimate is all that can be said
of programs whose patients differ from in-person ones (in the demo, every self-guided
program), and without them the question of therapist involvement has no programs without
a therapist to answer it (docs/methods-effectiveness.md §8).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from scipy import stats

from pipelines.effectiveness import meta_analysis as ma
from pipelines.effectiveness.config import EffectivenessConfig
from pipelines.effectiveness.diagnostics import noninferiority_verdict

POOLABLE_FAILURES = {"minimum_detectable_difference", "noninferiority_margin"}
CAVEATED_FAILURES = {"equipoise"}
EQUIPOISE_CAVEAT = (
    "includes programs that failed the equipoise diagnostic: their estimates hold for the "
    "overlap population only, and their certainty is rated down for risk of bias"
)
MODERATORS = {
    "therapist_trained_in_chronic_pain": "binary",
    "therapist_involvement": "categorical",
    "length_weeks": "continuous",
    "module_count": "continuous",
    "alliance_mean": "continuous",
}
OUTCOME_KEYS = ("instrument", "scale", "outcome_label", "higher_is_better", "timepoint")


def poolable(comparisons: pl.DataFrame, caveated: frozenset[str] = frozenset()) -> pl.DataFrame:
    """Primary program comparisons fit to pool (estimate present, no bias-related failure
    other than the `caveated` ones)."""
    failures = pl.col("diagnostics_failed").list.set_difference([*POOLABLE_FAILURES, *caveated])
    return comparisons.filter(
        (pl.col("subject_type") == "program")
        & pl.col("is_primary")
        & pl.col("adjusted_se").is_not_null()
        & (pl.col("adjusted_se") > 0)
        & (failures.list.len() == 0)
    )


def _verdict(pooled: ma.Pooled, higher_is_better: bool, margin: float | None) -> str | None:
    if margin is None:
        return None
    sign = 1.0 if higher_is_better else -1.0
    low, high = sorted((sign * pooled.ci_low, sign * pooled.ci_high))
    return noninferiority_verdict(low, high, margin)


def pool(
    comparisons: pl.DataFrame, config: EffectivenessConfig
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Pooled effects (all programs and per delivery mode, DL and Paule-Mandel) and the
    test for subgroup differences, per outcome and timepoint."""
    pooled_rows, tests = [], []
    conf = config.confidence
    min_k = int(config.value("min_programs_for_prediction_interval"))
    fraction = config.value("margin_mcid_fraction")
    eligible = poolable(comparisons)
    for keys, group in comparisons.filter(pl.col("subject_type") == "program").group_by(
        OUTCOME_KEYS, maintain_order=True
    ):
        outcome = dict(zip(OUTCOME_KEYS, keys, strict=True))
        mcid = group["mcid_points"][0]
        margin = mcid * fraction if mcid is not None else None
        included = eligible.join(group.select("comparison_id"), on="comparison_id", how="semi")
        excluded = group.filter(pl.col("is_primary")).join(
            included.select("comparison_id"), on="comparison_id", how="anti"
        )
        if included.height == 0:
            continue
        subgroups = {"all": included}
        for (mode,), members in included.group_by(["delivery_mode"], maintain_order=True):
            subgroups[mode] = members
        for method in ma.METHODS:
            by_mode = []
            for subgroup, members in subgroups.items():
                y = members["adjusted_difference"].to_numpy()
                v = members["adjusted_se"].to_numpy() ** 2
                result = ma.random_effects(y, v, method, confidence=conf, min_k_pi=min_k)
                if subgroup != "all":
                    by_mode.append(result)
                pooled_rows.append(
                    {
                        **outcome,
                        "subgroup": subgroup,
                        "method": method,
                        **{
                            f: getattr(result, f)
                            for f in (
                                "k",
                                "estimate",
                                "se",
                                "tau2",
                                "i2",
                                "q",
                                "q_p",
                                "ci_low",
                                "ci_high",
                                "pi_low",
                                "pi_high",
                            )
                        },
                        "programs": sorted(members["subject_id"]),
                        "programs_excluded": sorted(excluded["subject_id"])
                        if subgroup == "all"
                        else [],
                        "n_episodes": int(members["n_program_analysed"].sum()),
                        "mcid_points": mcid,
                        "noninferiority_margin": margin,
                        "verdict": _verdict(result, outcome["higher_is_better"], margin),
                    }
                )
            test = ma.subgroup_difference(
                np.array([r.estimate for r in by_mode]), np.array([r.se for r in by_mode])
            )
            if test is not None:
                tests.append({**outcome, "method": method, **vars(test)})
    return pooled_rows, tests


def _moderator_matrix(frame: pl.DataFrame, name: str) -> tuple[np.ndarray, list[str]] | None:
    kind = MODERATORS[name]
    values = frame[name]
    if kind == "categorical":
        levels = sorted(set(values.to_list()))
        if len(levels) < 2:
            return None
        kept = levels[1:]
        matrix = np.column_stack([(values == level).to_numpy() for level in kept]).astype(float)
        return matrix, [f"{name}={level}" for level in kept]
    matrix = values.cast(pl.Float64).to_numpy()[:, None]
    if np.nanstd(matrix) == 0:
        return None
    return matrix, [name]


def meta_regressions(
    comparisons: pl.DataFrame, attributes: pl.DataFrame, config: EffectivenessConfig
) -> list[dict[str, Any]]:
    """One univariable mixed-effects meta-regression per moderator, outcome and timepoint
    (one at a time: about a dozen programs cannot support several moderators at once).
    Comparisons that failed equipoise enter with the caveat named (module docstring)."""
    rows = []
    conf = config.confidence
    data = poolable(comparisons, frozenset(CAVEATED_FAILURES)).join(
        attributes, left_on="subject_id", right_on="program_id", how="left"
    )
    for keys, group in data.group_by(OUTCOME_KEYS, maintain_order=True):
        outcome = dict(zip(OUTCOME_KEYS, keys, strict=True))
        for moderator in MODERATORS:
            usable = group.filter(pl.col(moderator).is_not_null())
            built = _moderator_matrix(usable, moderator) if usable.height else None
            if built is None:
                continue
            matrix, names = built
            fit = ma.meta_regression(
                usable["adjusted_difference"].to_numpy(),
                usable["adjusted_se"].to_numpy() ** 2,
                matrix,
                names,
            )
            if fit is None:
                continue
            q = float(stats.t.ppf(0.5 + conf / 2, fit.df))
            caveated = usable.filter(
                pl.col("diagnostics_failed")
                .list.set_intersection(list(CAVEATED_FAILURES))
                .list.len()
                > 0
            )
            for term, coef, se, p in zip(fit.names, fit.coef, fit.se, fit.p_values, strict=True):
                rows.append(
                    {
                        **outcome,
                        "moderator": moderator,
                        "term": term,
                        "k": fit.k,
                        "coefficient": float(coef),
                        "se": float(se),
                        "ci_low": float(coef - q * se),
                        "ci_high": float(coef + q * se),
                        "df": fit.df,
                        "p_value": float(p),
                        "tau2_residual": fit.tau2_residual,
                        "r2": fit.r2,
                        "programs": sorted(usable["subject_id"]),
                        "programs_failing_equipoise": sorted(caveated["subject_id"]),
                        "caveat": EQUIPOISE_CAVEAT if caveated.height else None,
                    }
                )
    return rows
