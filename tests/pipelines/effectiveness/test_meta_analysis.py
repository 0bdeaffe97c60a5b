"""Random-effects pooling, subgroup test and meta-regression: known answers, and the
project's own tau^2 estimators against statsmodels' estimation of the same."""

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from pipelines.effectiveness import meta_analysis as ma

STATSMODELS_METHOD = {"dl": "dl", "pm": "iterated"}
# The known answers below are two-sided 95% limits, with a prediction interval from k = 3.
AT_95 = {"confidence": 0.95, "min_k_pi": 3}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.lists(st.floats(-5, 5), min_size=2, max_size=15),
    st.integers(0, 2**31),
    st.sampled_from(ma.METHODS),
)
def test_pooling_matches_statsmodels_combine_effects(effects, seed, method):
    y = np.array(effects)
    assume(np.ptp(y) > 1e-3)  # statsmodels divides by Q, which is 0 for identical effects
    v = np.random.default_rng(seed).uniform(0.05, 2.0, len(y))
    mine = ma.random_effects(y, v, method, **AT_95)
    ref = combine_effects(y, v, method_re=STATSMODELS_METHOD[method])
    # DerSimonian-Laird truncates tau^2 at 0; statsmodels 0.15 leaves the moment
    # estimate negative (and uses it), so only the truncation is compared then.
    # statsmodels stops its Paule-Mandel iteration at a looser tolerance than brentq.
    tol = 1e-4 if method == "pm" else 1e-8
    assert mine.tau2 == pytest.approx(max(ref.tau2, 0.0), rel=tol, abs=1e-8)
    assume(ref.tau2 >= 0)
    assert mine.estimate == pytest.approx(ref.mean_effect_re, rel=tol, abs=1e-8)
    assert mine.se == pytest.approx(ref.sd_eff_w_re, rel=tol, abs=1e-8)
    assert mine.q == pytest.approx(ref.q, rel=1e-9)
    assert mine.i2 == pytest.approx(max(ref.i2, 0.0), abs=1e-9)
    low, high = ref.conf_int()[1]
    assert (mine.ci_low, mine.ci_high) == pytest.approx((low, high), rel=tol, abs=1e-6)


@pytest.mark.parametrize("method", ma.METHODS)
def test_pooling_known_answer(method):
    """Effects 0, 2, 4 with unit variances: Q = 8, and both estimators solve
    8 / (1 + tau^2) = k - 1 = 2, so tau^2 = 3, each weight 1/4, SE^2 = 4/3."""
    p = ma.random_effects(np.array([0.0, 2.0, 4.0]), np.ones(3), method, **AT_95)
    se = np.sqrt(4 / 3)
    assert (p.k, p.tau2, p.estimate, p.se) == pytest.approx((3, 3.0, 2.0, se), rel=1e-9)
    assert (p.q, p.i2, p.q_p) == pytest.approx((8.0, 0.75, np.exp(-4)), rel=1e-9)
    assert (p.ci_low, p.ci_high) == pytest.approx(
        (2 - 1.959963984540054 * se, 2 + 1.959963984540054 * se)
    )
    half = stats.t.ppf(0.975, 1) * np.sqrt(3 + 4 / 3)
    assert (p.pi_low, p.pi_high) == pytest.approx((2 - half, 2 + half))


def test_homogeneous_effects_pool_to_the_fixed_effect():
    """Q below k - 1: tau^2 is 0 by both methods and the pooled estimate is the
    fixed-effect one (statsmodels' DL would use the negative moment estimate)."""
    y, v = np.array([0.0, 1.0]), np.array([1.0, 1.0])
    for method in ma.METHODS:
        p = ma.random_effects(y, v, method, **AT_95)
        assert (p.tau2, p.i2, p.q) == pytest.approx((0.0, 0.0, 0.5))
        assert (p.estimate, p.se) == pytest.approx((0.5, np.sqrt(0.5)))


def test_statsmodels_pools_at_the_tau2_it_is_given():
    """`combine_at` relies on combine_effects returning its starting tau^2 when allowed
    no iteration; the pooled mean must then be the inverse-variance mean at that tau^2."""
    y, v, tau2 = np.array([0.3, -0.4, 1.1, 0.2]), np.array([0.1, 0.3, 0.2, 0.5]), 0.37
    fit = ma.combine_at(y, v, tau2)
    w = 1 / (v + tau2)
    assert fit.tau2 == tau2
    assert fit.mean_effect_re == pytest.approx((w * y).sum() / w.sum(), rel=1e-12)
    assert fit.sd_eff_w_re == pytest.approx(np.sqrt(1 / w.sum()), rel=1e-12)


def test_paule_mandel_solves_its_estimating_equation():
    rng = np.random.default_rng(8)
    y, v = rng.normal(0, 2, 12), rng.uniform(0.1, 1.0, 12)
    tau2 = ma.tau2_pm(y, v)
    w = 1 / (v + tau2)
    mean = (w * y).sum() / w.sum()
    assert tau2 > 0
    assert (w * (y - mean) ** 2).sum() == pytest.approx(len(y) - 1, abs=1e-9)


def test_prediction_interval_follows_higgins_2009():
    y = np.array([0.1, 0.3, 0.5, -0.2, 0.8])
    v = np.array([0.01, 0.02, 0.03, 0.02, 0.05])
    p = ma.random_effects(y, v, "dl", **AT_95)
    half = stats.t.ppf(0.975, 3) * np.sqrt(p.tau2 + p.se**2)
    assert (p.pi_low, p.pi_high) == pytest.approx((p.estimate - half, p.estimate + half))
    assert ma.random_effects(y[:2], v[:2], "dl", **AT_95).pi_low is None


@pytest.mark.parametrize("method", ma.METHODS)
def test_intervals_are_at_the_level_passed_not_at_95(method):
    """At a configured 90%, the CI is statsmodels' at alpha 0.10 and the prediction
    interval uses t's 95th percentile (Higgins 2009 at that level)."""
    y = np.array([0.1, 0.3, 0.5, -0.2, 0.8])
    v = np.array([0.01, 0.02, 0.03, 0.02, 0.05])
    p = ma.random_effects(y, v, method, confidence=0.90, min_k_pi=3)
    ref = combine_effects(y, v, method_re=STATSMODELS_METHOD[method])
    tol = 1e-4 if method == "pm" else 1e-8
    assert (p.ci_low, p.ci_high) == pytest.approx(tuple(ref.conf_int(alpha=0.10)[1]), rel=tol)
    half = stats.t.ppf(0.95, 3) * np.sqrt(p.tau2 + p.se**2)
    assert (p.pi_low, p.pi_high) == pytest.approx((p.estimate - half, p.estimate + half))
    wider = ma.random_effects(y, v, method, **AT_95)
    assert wider.ci_low < p.ci_low < p.ci_high < wider.ci_high


def test_a_single_program_pools_to_itself():
    p = ma.random_effects(np.array([1.2]), np.array([0.3]), "pm", **AT_95)
    assert (p.k, p.estimate, p.se) == pytest.approx((1, 1.2, np.sqrt(0.3)))
    assert p.tau2 is None and p.i2 is None and p.q is None and p.pi_low is None


def test_homogeneous_programs_have_no_heterogeneity():
    p = ma.random_effects(np.array([1.0, 1.0, 1.0]), np.array([0.1, 0.2, 0.3]), "pm", **AT_95)
    assert (p.tau2, p.i2) == (0.0, 0.0)


def test_subgroup_test_is_the_heterogeneity_of_the_subgroup_estimates():
    estimates, ses = np.array([-1.0, 0.2, 0.5]), np.array([0.3, 0.4, 0.25])
    test = ma.subgroup_difference(estimates, ses)
    ref = combine_effects(estimates, ses**2, method_re="dl")
    assert test.q_between == pytest.approx(ref.q)
    assert test.df == 2
    assert test.p_value == pytest.approx(stats.chi2.sf(ref.q, 2))
    assert ma.subgroup_difference(estimates[:1], ses[:1]) is None


def test_meta_regression_without_moderators_is_dersimonian_laird():
    rng = np.random.default_rng(4)
    y, v = rng.normal(size=9), rng.uniform(0.1, 0.5, 9)
    fit = ma.meta_regression(y, v, np.empty((9, 0)), [])
    assert fit.coef[0] == pytest.approx(combine_effects(y, v, method_re="dl").mean_effect_re)
    assert fit.tau2_residual == pytest.approx(ma.tau2_dl(y, v))


def test_meta_regression_is_weighted_least_squares_with_knapp_hartung_errors():
    rng = np.random.default_rng(5)
    x = rng.uniform(4, 16, 12)
    v = rng.uniform(0.1, 0.6, 12)
    y = 0.3 - 0.1 * x + rng.normal(0, np.sqrt(v + 0.2))
    fit = ma.meta_regression(y, v, x[:, None], ["length_weeks"])
    ref = sm.WLS(y, sm.add_constant(x), weights=1 / (v + fit.tau2_residual)).fit()
    np.testing.assert_allclose(fit.coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-8)
    np.testing.assert_allclose(fit.p_values, ref.pvalues, rtol=1e-8)
    assert fit.df == 10 and fit.names == ["intercept", "length_weeks"]


def test_meta_regression_needs_more_programs_than_terms():
    assert ma.meta_regression(np.ones(2), np.ones(2), np.array([[1.0], [2.0]]), ["x"]) is None
