"""Known answers for the funnel plot: interpolated exact binomial limits, over-dispersion
(phi from winsorised z-scores, tau^2) and the signalling rule on small counts."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import pytest
from scipy import integrate, stats

from pipelines.safety.funnel import (
    Dispersion,
    beyond,
    interpolated_quantile,
    is_dispersed,
    limits,
    overdispersion,
    predictive_cdf,
    predictive_quantile,
    winsorise,
)


def _cdf(r: int, n: int, p: Fraction) -> Fraction:
    return sum((comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(r + 1)), Fraction(0))


@pytest.mark.parametrize(("n", "p", "q"), [(20, "1/10", "0.975"), (50, "3/20", "0.999")])
def test_interpolated_quantile_by_exact_arithmetic(n, p, q):
    """r_q = smallest r with F(r) >= q; limit = r_q - (F(r_q) - q) / (F(r_q) - F(r_q - 1))."""
    p, q = Fraction(p), Fraction(q)
    r = next(r for r in range(n + 1) if _cdf(r, n, p) >= q)
    alpha = (_cdf(r, n, p) - q) / (_cdf(r, n, p) - _cdf(r - 1, n, p))
    got = interpolated_quantile(float(q), np.array([n]), np.array([float(p)]))[0]
    assert got == pytest.approx(float(r - alpha), abs=1e-9)


def test_worked_example_twenty_units_at_ten_percent():
    # F(4) = 0.95683, F(5) = 0.98875: the 97.5% point lies 43% of the way back from 5.
    assert interpolated_quantile(0.975, np.array([20]), np.array([0.1]))[0] == pytest.approx(
        4.5694, abs=1e-4
    )


def test_exact_limits_are_on_the_ratio_scale_and_approach_the_normal_ones():
    n, p = np.array([100.0, 100_000.0]), 0.1
    e = n * p
    funnel = limits(0.998, n, e, n * p * (1 - p), Dispersion(1.0, 0.0, 2), "none")
    assert funnel.exact_high[0] == pytest.approx(
        interpolated_quantile(0.999, n[:1], np.array([p]))[0] / 10
    )
    assert funnel.count_high[0] == stats.binom.ppf(0.999, 100, p)
    normal = 1 + stats.norm.ppf(0.999) * np.sqrt(p * (1 - p) / n[1]) / p
    assert funnel.exact_high[1] == pytest.approx(normal, rel=2e-3)
    assert funnel.dispersed_high[1] == pytest.approx(normal)
    assert np.all(funnel.exact_low < 1) and np.all(funnel.exact_high > 1)


def test_winsorising_sets_the_tails_to_the_percentiles():
    assert winsorise(np.arange(10.0), 0.1).tolist() == [0.9, 1, 2, 3, 4, 5, 6, 7, 8, 8.1]


def test_phi_and_tau_squared_by_hand():
    """z = 0..9 winsorised at 10%: sum of squares 270.42, phi 27.042; ten units with
    s = 0.1 (w = 100): tau^2 = (10 * 27.042 - 9) / (1000 - 100000 / 1000)."""
    spread = overdispersion(np.arange(10.0), np.full(10, 0.1), 0.1)
    assert spread.phi == pytest.approx(27.042)
    assert spread.tau2 == pytest.approx(261.42 / 900)
    assert spread.units == 10


def test_no_tau_squared_without_excess_spread():
    spread = overdispersion(np.array([0.5, -0.5, 0.2, -0.1]), np.full(4, 0.2), 0.1)
    assert spread.tau2 == 0.0 and spread.phi < 1
    assert not is_dispersed(spread, "additive") and not is_dispersed(spread, "multiplicative")


def test_adjusted_limits_widen_by_method():
    n, e = np.array([400.0]), np.array([40.0])
    v = n * 0.1 * 0.9
    s = np.sqrt(v) / e
    z = stats.norm.ppf(0.999)
    spread = Dispersion(phi=4.0, tau2=0.05, units=20)
    additive = limits(0.998, n, e, v, spread, "additive")
    multiplicative = limits(0.998, n, e, v, spread, "multiplicative")
    assert additive.dispersed_high[0] == pytest.approx(1 + z * np.sqrt(s[0] ** 2 + 0.05))
    assert multiplicative.dispersed_high[0] == pytest.approx(1 + z * 2 * s[0])


def test_a_count_at_the_quantile_does_not_signal():
    """Five units at risk 0.72: all five having the event (probability 0.19) plots just
    above the interpolated 99.9% limit but is not rare, so it must not signal."""
    n, e = np.array([5.0]), np.array([3.6])
    funnel = limits(0.998, n, e, n * 0.72 * 0.28, Dispersion(1.0, 0.0, 1), "none")
    ratio = np.array([5 / 3.6])
    assert ratio[0] > funnel.exact_high[0]
    assert not beyond(funnel, np.array([5.0]), ratio, dispersed=False)[0]
    big = limits(
        0.998, np.array([500.0]), np.array([50.0]), np.array([45.0]), Dispersion(1, 0, 1), "none"
    )
    assert beyond(big, np.array([80.0]), np.array([1.6]), dispersed=False)[0]


def test_predictive_quantile_without_reference_error_is_the_binomial_one():
    n, p = np.array([5.0, 50.0, 400.0, 2000.0]), np.array([0.72, 0.05, 0.1, 0.3])
    count, interpolated = predictive_quantile(0.999, n, p, np.zeros(4))
    np.testing.assert_array_equal(count, stats.binom.ppf(0.999, n, p))
    np.testing.assert_allclose(interpolated, interpolated_quantile(0.999, n, p), rtol=1e-9)


def _mixed_cdf(r: float, n: float, p: float, se: float) -> float:
    """P(count <= r) with the log-odds error integrated by adaptive quadrature."""
    logit = np.log(p / (1 - p))

    def integrand(z: float) -> float:
        return stats.norm.pdf(z) * stats.binom.cdf(r, n, 1 / (1 + np.exp(-(logit + se * z))))

    return integrate.quad(integrand, -10, 10, limit=200)[0]


@pytest.mark.parametrize(
    ("n", "p", "se"), [(50, 0.05, 0.3), (400, 0.1, 0.15), (2000, 0.3, 0.3), (120, 0.07, 0.6)]
)
def test_predictive_quantile_matches_adaptive_quadrature(n, p, se):
    """The count's predictive distribution over the reference's error, cross-checked with
    scipy's adaptive quadrature: the quantile is where the mixed CDF first reaches q."""
    count, _ = predictive_quantile(0.999, np.array([n]), np.array([p]), np.array([se]))
    r = float(count[0])
    assert predictive_cdf(r, n, p, se) == pytest.approx(_mixed_cdf(r, n, p, se), abs=1e-6)
    assert _mixed_cdf(r, n, p, se) >= 0.999 - 1e-6
    assert _mixed_cdf(r - 1, n, p, se) < 0.999
    assert r > stats.binom.ppf(0.999, n, p)  # wider than the exact-reference limit


def test_reference_error_widens_exact_and_dispersed_limits():
    n, e = np.array([200.0, 800.0]), np.array([14.0, 56.0])
    v = e * (1 - e / n)
    spread = Dispersion(phi=1.5, tau2=0.01, units=10)
    exact = limits(0.998, n, e, v, spread, "additive")
    carried = limits(0.998, n, e, v, spread, "additive", np.array([0.2, 0.2]))
    assert np.all(carried.count_high > exact.count_high)
    assert np.all(carried.exact_high > exact.exact_high)
    assert np.all(carried.exact_low < exact.exact_low)
    # The normal limits add the expected count's variance (V se)^2 to V.
    s = np.sqrt(v + (v * 0.2) ** 2) / e
    z = stats.norm.ppf(0.999)
    np.testing.assert_allclose(carried.dispersed_high, 1 + z * np.sqrt(s**2 + 0.01))
