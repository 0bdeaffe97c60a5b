"""Random-effects pooling of program comparisons, subgroup tests and meta-regression.

statsmodels' `combine_effects` pools: the inverse-variance random-effects estimate, its
standard error and confidence interval, Cochran's Q, I^2 and the test of homogeneity
(also the test for subgroup differences). This module keeps what it does not compute as
the project needs: tau^2 itself (DerSimonian-Laird from `pipelines.heterogeneity`, the
one DL function; Paule-Mandel by root-finding, see `tau2_pm`), the prediction interval on
t with k - 2 df, and a mixed-effects meta-regression.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats
from statsmodels.stats.meta_analysis import CombineResults, combine_effects

from pipelines.heterogeneity import dersimonian_laird

METHODS = ("dl", "pm")


@dataclass(frozen=True)
class Pooled:
    method: str
    k: int
    estimate: float
    se: float
    tau2: float | None
    i2: float | None
    q: float | None
    q_p: float | None
    ci_low: float
    ci_high: float
    pi_low: float | None
    pi_high: float | None


def combine_at(y: np.ndarray, v: np.ndarray, tau2: float) -> CombineResults:
    """statsmodels' inverse-variance pooling with a given between-program variance.

    `combine_effects` has no argument for a tau^2 estimated elsewhere; its Paule-Mandel
    step, started at `tau2` and allowed no iteration, returns that value unchanged. Its
    heterogeneity statistics divide by k - 1 and by Q: with one program, or identical
    effects, they are undefined and the callers do not read them.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return combine_effects(y, v, method_re="iterated", tau2_start=tau2, maxiter=0)


def tau2_dl(y: np.ndarray, v: np.ndarray) -> float:
    """DerSimonian-Laird moment estimate from Cochran's Q of the effects, truncated at 0."""
    return dersimonian_laird(float(combine_at(y, v, 0.0).q), 1.0 / v)


def tau2_pm(y: np.ndarray, v: np.ndarray) -> float:
    """Paule-Mandel: the tau^2 at which the generalised Q equals its expectation k - 1.

    Solved by bracketing root-finding, not by `combine_effects(method_re="iterated")`:
    statsmodels 0.15 stops its iteration at |Q - (k - 1)| < 1e-5 (about 1e-4 relative
    error in tau^2), and at a tighter tolerance an iterate that overshoots the root resets
    tau^2 to 0: on 10,000 random meta-analyses, 4.4% of those with tau^2 > 0 came back as
    0 at tolerance 1e-8, 21% at 1e-12 (benchmarks/RESULTS-pooling.md).
    """
    k = len(y)

    def excess(tau2: float) -> float:
        w = 1.0 / (v + tau2)
        mean = (w * y).sum() / w.sum()
        return float((w * (y - mean) ** 2).sum() - (k - 1))

    if k < 2 or excess(0.0) <= 0:
        return 0.0
    upper = max(float(np.var(y)) * k, 1e-8)
    while excess(upper) > 0:
        upper *= 2
    return float(optimize.brentq(excess, 0.0, upper, xtol=1e-12))


def random_effects(
    y: np.ndarray, v: np.ndarray, method: str, *, confidence: float, min_k_pi: int
) -> Pooled:
    """Inverse-variance random-effects pooling with heterogeneity and prediction interval.

    `confidence` (two-sided level of the CI and the prediction interval) and `min_k_pi`
    have no defaults: both are configured (config/effectiveness.yaml thresholds
    confidence_level and min_programs_for_prediction_interval), and a default could
    disagree with the level the published tables are labelled with.

    I^2 = (Q - (k - 1)) / Q from the fixed-effect Q (Higgins & Thompson 2002), truncated
    at 0; the prediction interval is mean +/- t_{k-2} sqrt(tau^2 + SE^2) (Higgins,
    Thompson & Spiegelhalter 2009), which statsmodels does not compute, given only for
    k >= `min_k_pi`. With one study the pooled estimate is that study and heterogeneity
    is undefined.
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    k = len(y)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    tau2 = (tau2_dl if method == "dl" else tau2_pm)(y, v) if k > 1 else 0.0
    fit = combine_at(y, v, tau2)
    estimate, se = float(fit.mean_effect_re), float(fit.sd_eff_w_re)
    ci_low, ci_high = fit.conf_int(alpha=1 - confidence)[1]
    q = i2 = q_p = pi_low = pi_high = None
    if k > 1:
        homogeneity = fit.test_homogeneity()
        q, q_p = float(homogeneity.statistic), float(homogeneity.pvalue)
        i2 = float(max(0.0, fit.i2)) if q > 0 else 0.0
    if k >= max(min_k_pi, 3):
        half = float(stats.t.ppf(0.5 + confidence / 2, k - 2)) * np.sqrt(tau2 + se**2)
        pi_low, pi_high = estimate - half, estimate + half
    return Pooled(
        method=method,
        k=k,
        estimate=estimate,
        se=se,
        tau2=tau2 if k > 1 else None,
        i2=i2,
        q=q,
        q_p=q_p,
        ci_low=float(ci_low),
        ci_high=float(ci_high),
        pi_low=pi_low,
        pi_high=pi_high,
    )


@dataclass(frozen=True)
class SubgroupTest:
    groups: int
    q_between: float
    df: int
    p_value: float


def subgroup_difference(estimates: np.ndarray, ses: np.ndarray) -> SubgroupTest | None:
    """Test for subgroup differences: Q_between = sum (mu_g - mu_bar)^2 / SE_g^2 over the
    subgroups' own random-effects estimates, chi^2 with G - 1 df (Borenstein et al. 2009,
    ch. 19; the Cochrane Handbook's test for subgroup differences): statsmodels' test of
    homogeneity of the subgroup estimates."""
    if len(estimates) < 2:
        return None
    ses = np.asarray(ses, float)
    test = combine_at(np.asarray(estimates, float), ses**2, 0.0).test_homogeneity()
    return SubgroupTest(len(estimates), float(test.statistic), int(test.df), float(test.pvalue))


@dataclass(frozen=True)
class MetaRegression:
    k: int
    names: list[str]
    coef: np.ndarray
    se: np.ndarray
    df: int
    p_values: np.ndarray
    tau2_residual: float
    r2: float | None


def meta_regression(
    y: np.ndarray, v: np.ndarray, moderators: np.ndarray, names: list[str]
) -> MetaRegression | None:
    """Mixed-effects meta-regression with a method-of-moments residual tau^2 and
    Knapp-Hartung standard errors (t with k - p df).

    tau^2_res = max(0, (Q_E - (k - p)) / tr(P)), P = W - W X (X'WX)^-1 X'W (the
    DerSimonian-Laird estimator generalised to regression; Raudenbush 2009). R^2 is the
    share of the intercept-only DL tau^2 the moderators explain. Returns None when there
    are not at least p + 1 programs. Kept here: statsmodels has no meta-regression; its
    WLS gives the same coefficients and errors once tau^2_res is known (the tests check
    it), but does not estimate tau^2_res.
    """
    y, v = np.asarray(y, float), np.asarray(v, float)
    X = np.column_stack([np.ones(len(y)), moderators])
    k, p = X.shape
    if k <= p or np.linalg.matrix_rank(X) < p:
        return None
    w = 1.0 / v
    xtwx_inv = np.linalg.inv((X * w[:, None]).T @ X)
    P = np.diag(w) - (X * w[:, None]) @ xtwx_inv @ (X * w[:, None]).T
    q_e = float(y @ P @ y)
    tau2 = max(0.0, (q_e - (k - p)) / float(np.trace(P)))
    ws = 1.0 / (v + tau2)
    bread = np.linalg.inv((X * ws[:, None]).T @ X)
    coef = bread @ ((X * ws[:, None]).T @ y)
    resid = y - X @ coef
    scale = float((ws * resid**2).sum() / (k - p))
    se = np.sqrt(np.diag(bread) * scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        p_values = 2 * stats.t.sf(np.abs(coef / se), k - p)
    tau2_total = tau2_dl(y, v)
    r2 = max(0.0, (tau2_total - tau2) / tau2_total) if tau2_total > 0 else None
    return MetaRegression(k, ["intercept", *names], coef, se, k - p, p_values, tau2, r2)
