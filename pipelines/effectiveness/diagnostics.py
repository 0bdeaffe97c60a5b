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


def _smd(m1: float, m0: float, denominator: float) -> float:
    if denominator > 0:
        return (m1 - m0) / denominator
    return 0.0 if m1 == m0 else float("inf")


def standardised_differences(
    matrix: np.ndarray, names: list[str], treated: np.ndarray, weights: np.ndarray
) -> list[Balance]:
    """SMD of each covariate column before and after weighting (both arms weighted).

    SMD = (mean_program - mean_comparator) / sqrt((s_program^2 + s_comparator^2) / 2),
    with the denominator from the unweighted arms both times, so that weighting changes
    only the means (Austin PC, Stat Med 2009; Austin & Stuart, Stat Med 2015). Indicator
    columns give the usual binary SMD.
    """
    out = []
    t, c = treated, ~treated
    for j, name in enumerate(names):
        x = matrix[:, j]
        denominator = float(np.sqrt((x[t].var(ddof=1) + x[c].var(ddof=1)) / 2))
        before = (float(x[t].mean()), float(x[c].mean()))
        after = (_weighted_mean(x[t], weights[t]), _weighted_mean(x[c], weights[c]))
        out.append(
            Balance(name, *before, *after, _smd(*before, denominator), _smd(*after, denominator))
        )
    return out


def preference_score(propensity: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Propensity rescaled for the share treated: logit F = logit e - logit P
    (Walker et al. 2013), so 0.5 means 'as likely as the average patient' in either arm."""
    share = treated.mean()
    logit = np.log(propensity / (1 - propensity)) - np.log(share / (1 - share))
    return 1.0 / (1.0 + np.exp(-logit))


def fraction_in_equipoise(
    propensity: np.ndarray, treated: np.ndarray, low: float, high: float
) -> float:
    """Share of both cohorts whose preference score lies in [low, high] (CohortMethod
    computeEquipoise)."""
    score = preference_score(propensity, treated)
    return float(((score >= low) & (score <= high)).mean())


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
