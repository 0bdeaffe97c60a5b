"""Funnel plots of observed against expected events (Spiegelhalter, Stat Med 2005).

Each program's indicator over a window is the ratio O/E of observed to expected
(case-mix adjusted) events, target 1, plotted against E. Control limits come from the
binomial distribution of O with n units at the program's mean expected risk E/n; the
discrete quantiles are interpolated so that the limits are smooth in n (Spiegelhalter
2005, appendix):

    r_q = smallest r with F(r) >= q,   a = (F(r_q) - q) / (F(r_q) - F(r_q - 1)),
    limit = (r_q - a) / E

Over-dispersion (more spread between programs than chance allows, from unmeasured
risk factors) is estimated from the programs' z-scores z = (O - E) / sqrt(V), V = sum
p(1 - p), winsorised at 10% each end (Spiegelhalter, Qual Saf Health Care 2005):
phi = mean(z_w^2). Multiplicative limits are 1 +/- z_q sqrt(phi) s with s = sqrt(V)/E;
additive (random-effects) limits are 1 +/- z_q sqrt(s^2 + tau^2) with the
DerSimonian-Laird tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1/s^2,
and tau^2 = 0 when I phi <= I - 1.

The expected count is itself an estimate (the in-person reference has sampling error,
shared by all of a program's units), and treating it as exact narrows the funnel (the
benchmark is usually estimated from data while its uncertainty is ignored; Stat Methods
Med Res, doi:10.1177/0962280214530281). With a standard error sigma of the program's
expected log-odds, the count's predictive distribution is the binomial mixed over the
reference's error, F(r) = E_Z[Binomial(r; n, expit(logit(E/n) + sigma Z))], Z standard
normal, integrated on a fine grid; the exact limits are its quantiles, and
the normal-approximation limits add the expected count's variance (V sigma)^2 to V.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from pipelines.heterogeneity import dersimonian_laird


def interpolated_quantile(q: float, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Spiegelhalter's interpolated binomial q-quantile of the count, for each (n, p)."""
    n = np.asarray(n, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    r = stats.binom.ppf(q, n, p)
    f_r = stats.binom.cdf(r, n, p)
    f_below = stats.binom.cdf(r - 1, n, p)
    step = f_r - f_below
    a = np.divide(f_r - q, step, out=np.zeros_like(step), where=step > 0)
    return r - a


# The predictive count distribution integrates over the reference's error on a fixed
# grid of standard-normal points (trapezoid rule): for large programs the binomial is
# narrow beside that error and the integrand is nearly a step in z, where Gauss-Hermite
# rules with few nodes are poor. Steps of 0.05 over +/- 8 keep the tail probabilities
# of the 99.8% limits accurate to about 1e-4 (checked against adaptive quadrature in
# tests/pipelines/safety/test_funnel.py).
_GRID = np.linspace(-8.0, 8.0, 321)
_GRID_WEIGHTS = stats.norm.pdf(_GRID) / stats.norm.pdf(_GRID).sum()


def _shifted(p: np.ndarray, shift: np.ndarray) -> np.ndarray:
    logit = np.log(p) - np.log1p(-p)
    return 1.0 / (1.0 + np.exp(-(logit + shift)))


def predictive_cdf(r: np.ndarray, n: np.ndarray, p: np.ndarray, logit_se: np.ndarray) -> np.ndarray:
    """P(count <= r) for n units at risk p whose log-odds is uncertain with standard
    error `logit_se` (normal): the binomial CDF averaged over the error."""
    n, r = np.asarray(n, dtype=float), np.asarray(r, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1.0 - 1e-12)
    se = np.asarray(logit_se, dtype=float)
    shifted = _shifted(p[None, ...], se[None, ...] * _GRID.reshape(-1, *([1] * p.ndim)))
    cdf = stats.binom.cdf(r[None, ...], n[None, ...], shifted)
    return np.tensordot(_GRID_WEIGHTS, cdf, axes=1)


def predictive_quantile(
    q: float, n: np.ndarray, p: np.ndarray, logit_se: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest count r with predictive_cdf(r) >= q, and Spiegelhalter's interpolated
    quantile r - (F(r) - q) / (F(r) - F(r - 1)) of the same distribution.

    The mixture's quantile lies between the quantiles of its extreme binomial
    components, so an integer bisection between them finds it."""
    n = np.asarray(n, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1.0 - 1e-12)
    se = np.broadcast_to(np.asarray(logit_se, dtype=float), n.shape)
    low = stats.binom.ppf(q, n, _shifted(p, se * _GRID[0])) - 1.0
    high = stats.binom.ppf(q, n, _shifted(p, se * _GRID[-1]))
    while np.any(high - low > 1.0):
        middle = np.floor((low + high) / 2.0)
        reached = predictive_cdf(middle, n, p, se) >= q
        open_ = high - low > 1.0
        high = np.where(open_ & reached, middle, high)
        low = np.where(open_ & ~reached, middle, low)
    f_r = predictive_cdf(high, n, p, se)
    step = f_r - predictive_cdf(high - 1.0, n, p, se)
    a = np.divide(f_r - q, step, out=np.zeros_like(step), where=step > 0)
    return high, high - a


def winsorise(z: np.ndarray, share: float) -> np.ndarray:
    """Set the lowest and highest `share` of z-scores to those percentiles."""
    if len(z) == 0:
        return z
    low, high = np.quantile(z, [share, 1.0 - share])
    return np.clip(z, low, high)


@dataclass(frozen=True)
class Dispersion:
    phi: float
    tau2: float
    units: int


def overdispersion(z: np.ndarray, s: np.ndarray, share: float) -> Dispersion:
    """Multiplicative phi and additive tau^2 from the units' z-scores and ratio SEs."""
    units = len(z)
    if units == 0:
        return Dispersion(1.0, 0.0, 0)
    phi = float(np.mean(winsorise(z, share) ** 2))
    return Dispersion(phi, dersimonian_laird(units * phi, 1.0 / s**2), units)


@dataclass(frozen=True)
class FunnelLimits:
    """Limits on the O/E ratio scale, one value per unit, and the upper binomial
    quantile of the count itself (what the observed count must exceed to signal)."""

    exact_low: np.ndarray
    exact_high: np.ndarray
    dispersed_low: np.ndarray
    dispersed_high: np.ndarray
    count_high: np.ndarray


def limits(
    level: float,
    n: np.ndarray,
    expected: np.ndarray,
    variance: np.ndarray,
    dispersion: Dispersion,
    method: str,
    logit_se: np.ndarray | None = None,
) -> FunnelLimits:
    """Two-sided limits at `level`: exact binomial, and adjusted for over-dispersion by
    `method` (additive, multiplicative or none, when they equal the normal limits).

    With `logit_se` (the reference's standard error on the log-odds scale, per unit
    plotted) the exact limits are quantiles of the count's predictive distribution and
    the normal ones add the expected count's variance (V logit_se)^2."""
    tail = (1.0 - level) / 2.0
    e = np.asarray(expected, dtype=float)
    p = np.clip(np.divide(e, n, out=np.zeros_like(e), where=np.asarray(n) > 0), 0.0, 1.0)
    if logit_se is None or not np.any(np.asarray(logit_se) > 0):
        low = interpolated_quantile(tail, n, p) / e
        high = interpolated_quantile(1.0 - tail, n, p) / e
        count_high = stats.binom.ppf(1.0 - tail, n, p)
        total_variance = np.asarray(variance, dtype=float)
    else:
        se = np.asarray(logit_se, dtype=float)
        low = predictive_quantile(tail, n, p, se)[1] / e
        count_high, high = predictive_quantile(1.0 - tail, n, p, se)
        high = high / e
        total_variance = np.asarray(variance) + (np.asarray(variance) * se) ** 2
    s = np.sqrt(total_variance) / e
    z = stats.norm.ppf(1.0 - tail)
    if method == "additive":
        spread = np.sqrt(s**2 + dispersion.tau2)
    elif method == "multiplicative":
        spread = np.sqrt(max(dispersion.phi, 1.0)) * s
    else:
        spread = s
    return FunnelLimits(
        low,
        high,
        np.maximum(1.0 - z * spread, 0.0),
        1.0 + z * spread,
        count_high,
    )


def beyond(
    limits: FunnelLimits, observed: np.ndarray, ratio: np.ndarray, dispersed: bool
) -> np.ndarray:
    """Above the upper limit, for signalling.

    The interpolated limit is for drawing: a count equal to the binomial quantile plots
    just above it although such a count is not rare (with 5 units at risk 0.72, all 5
    having the event has probability 0.19). A signal therefore needs the count to exceed
    the quantile itself, so the chance of one from an in-control program stays within
    the nominal tail, and, when over-dispersion is applied, the adjusted limit as well.
    """
    above = np.asarray(observed) > limits.count_high
    if dispersed:
        above &= np.asarray(ratio) > limits.dispersed_high
    return above


def is_dispersed(dispersion: Dispersion, method: str) -> bool:
    """Whether the adjusted limits replace the exact ones for signalling."""
    if method == "additive":
        return dispersion.tau2 > 0.0
    if method == "multiplicative":
        return dispersion.phi > 1.0
    return False
