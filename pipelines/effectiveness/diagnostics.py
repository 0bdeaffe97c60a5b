"""Diagnostics that decide whether a comparison may carry a verdict, as OHDSI's
CohortMethod does before it unblinds an estimate: covariate balance, equipoise, the
minimum detectable difference, and the non-inferiority verdict itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

VERDICTS = ("superior", "non-inferior", "inconclusive", "inferior")


@dataclass(frozen=True)
class Balance:
    covariate: str
    program_mean_before: float
    comparator_mean_before: float
    program_mean_after: float
    comparator_mean_after: float
    smd_before: float
    smd_after: float


def _weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    return float((x * w).sum() / w.sum())


def _variance(x: np.ndarray, counts: np.ndarray) -> float:
    """Sample variance (n - 1) of values repeated `counts` times."""
    mean = (x * counts).sum() / counts.sum()
    return float((counts * (x - mean) ** 2).sum() / (counts.sum() - 1))


def _smd(m1: float, m0: float, denominator: float) -> float:
    if denominator > 0:
        return (m1 - m0) / denominator
    return 0.0 if m1 == m0 else float("inf")


def standardised_differences(
    matrix: np.ndarray,
    names: list[str],
    treated: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray | None = None,
) -> list[Balance]:
    """SMD of each covariate column before and after weighting (both arms weighted).

    SMD = (mean_program - mean_comparator) / sqrt((s_program^2 + s_comparator^2) / 2),
    with the denominator from the unweighted arms both times, so that weighting changes
    only the means (Austin PC, Stat Med 2009; Austin & Stuart, Stat Med 2015). Indicator
    columns give the usual binary SMD. `counts`: episodes per row when rows are cells of
    one covariate pattern (a covariate is constant within its cell).
    """
    out = []
    t, c = treated, ~treated
    n = np.ones(len(treated)) if counts is None else counts
    for j, name in enumerate(names):
        x = matrix[:, j]
        denominator = float(np.sqrt((_variance(x[t], n[t]) + _variance(x[c], n[c])) / 2))
        before = (_weighted_mean(x[t], n[t]), _weighted_mean(x[c], n[c]))
        after = (
            _weighted_mean(x[t], weights[t] * n[t]),
            _weighted_mean(x[c], weights[c] * n[c]),
        )
        out.append(
            Balance(name, *before, *after, _smd(*before, denominator), _smd(*after, denominator))
        )
    return out


def preference_score(
    propensity: np.ndarray, treated: np.ndarray, counts: np.ndarray | None = None
) -> np.ndarray:
    """Propensity rescaled for the share treated: logit F = logit e - logit P
    (Walker et al. 2013), so 0.5 means 'as likely as the average patient' in either arm."""
    share = np.average(treated, weights=counts)
    logit = np.log(propensity / (1 - propensity)) - np.log(share / (1 - share))
    return 1.0 / (1.0 + np.exp(-logit))


def fraction_in_equipoise(
    propensity: np.ndarray,
    treated: np.ndarray,
    low: float,
    high: float,
    counts: np.ndarray | None = None,
) -> float:
    """Share of both cohorts whose preference score lies in [low, high] (CohortMethod
    computeEquipoise); `counts`: episodes per row when rows are cells."""
    score = preference_score(propensity, treated, counts)
    return float(np.average((score >= low) & (score <= high), weights=counts))


def minimum_detectable_difference(se: float, confidence: float, power: float) -> float:
    """Smallest true difference detected with the given power by a two-sided test:
    (z_{1 - alpha/2} + z_{power}) * SE (Bloom HS, Eval Rev 1995)."""
    return float((stats.norm.ppf(0.5 + confidence / 2) + stats.norm.ppf(power)) * se)


def noninferiority_verdict(low: float, high: float, margin: float) -> str:
    """Verdict from the CI of the difference in improvement (positive = program better).

    superior: the whole CI above 0; non-inferior: the CI above -margin; inferior: the
    whole CI below 0 and reaching below -margin; otherwise inconclusive (Piaggio et al.,
    JAMA 2012, figure of possible non-inferiority results).
    """
    if low > 0:
        return "superior"
    if low > -margin:
        return "non-inferior"
    if high < 0:
        return "inferior"
    return "inconclusive"
