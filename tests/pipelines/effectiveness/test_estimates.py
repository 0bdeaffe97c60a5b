"""Effect estimators against published worked examples and statsmodels."""

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.meta_analysis import effectsize_smd
from statsmodels.stats.proportion import confint_proportions_2indep

from pipelines.effectiveness import estimates as est


def test_hedges_g_matches_borenstein_worked_example():
    """Borenstein et al., Introduction to Meta-Analysis (2009), ch. 4: means 103 and 100,
    SDs 5.5 and 4.5, n = 50 each: d = 0.5970, V_d = 0.0418, J = 0.9923, g = 0.5924,
    V_g = 0.0411."""
    g = est.hedges_g(103, 5.5, 50, 100, 4.5, 50)
    assert est.hedges_correction(50, 50) == pytest.approx(0.9923, abs=1e-4)
    assert g.value == pytest.approx(0.5924, abs=1e-4)
    assert g.se**2 == pytest.approx(0.0411, abs=1e-4)
    assert g.value == pytest.approx(effectsize_smd(103, 5.5, 50, 100, 4.5, 50)[0], abs=1e-9)


def test_standardised_difference_keeps_the_adjusted_precision():
    diff = est.Estimate(2.0, 0.5, 80)
    g = est.standardised_difference(diff, 4.0, 40, 42)
    j = est.hedges_correction(40, 42)
    assert (g.value, g.se, g.df) == pytest.approx((j * 0.5, j * 0.125, 80))


def _data(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    treated = rng.random(n) < 0.4
    y = 1.5 * treated + x @ np.array([0.5, -1.0, 0.2]) + rng.normal(size=n)
    w = rng.uniform(0.2, 2.0, n)
    return x, treated, y, w


def test_weighted_least_squares_matches_statsmodels_hc1():
    x, treated, y, w = _data(1)
    X = np.column_stack([np.ones(len(y)), treated, x])
    mine = est.weighted_least_squares(y, X, w)
    ref = sm.WLS(y, X, weights=w).fit(cov_type="HC1")
    np.testing.assert_allclose(mine.coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(np.sqrt(np.diag(mine.cov)), ref.bse, rtol=1e-8)


def test_ancova_is_the_treatment_coefficient():
    x, treated, y, _ = _data(2)
    difference = est.ancova(y, treated, x, np.ones(len(y)))
    ref = sm.OLS(y, np.column_stack([np.ones(len(y)), treated, x])).fit(cov_type="HC1")
    assert difference.value == pytest.approx(ref.params[1])
    assert difference.se == pytest.approx(ref.bse[1])
    assert difference.df == len(y) - 5


def test_logistic_probabilities_match_statsmodels():
    x, treated, _, _ = _data(3)
    fitted = est.logistic_probabilities(x, treated.astype(float))
    ref = sm.Logit(treated.astype(float), sm.add_constant(x)).fit(disp=0)
    np.testing.assert_allclose(fitted, ref.predict(), atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_overlap_weights_balance_the_propensity_covariates_exactly(seed):
    """Li, Morgan & Zaslavsky 2018: with a logistic propensity model, overlap-weighted
    means of its covariates are equal in both arms."""
    x, treated, _, _ = _data(seed, 200)
    e = est.logistic_probabilities(x, treated.astype(float))
    w = est.overlap_weights(treated, e)
    for j in range(x.shape[1]):
        t = (x[treated, j] * w[treated]).sum() / w[treated].sum()
        c = (x[~treated, j] * w[~treated]).sum() / w[~treated].sum()
        assert t == pytest.approx(c, abs=1e-7)


def test_one_hot_uses_the_most_frequent_level_as_reference_and_skips_constants():
    values = np.array(["a", "b", "b", "c", "b"])
    matrix, names = est.one_hot(values, "v")
    assert names == ["v=a", "v=c"]
    assert matrix.sum(axis=0).tolist() == [1.0, 1.0]
    matrix, names = est.design({"k": np.array(["x"] * 4)}, {"s": np.array([1.0, 2, 3, 4])})
    assert names == ["s"] and matrix[:, 0].tolist() == [-1.5, -0.5, 0.5, 1.5]


def test_unweighted_risk_difference_and_ratio_match_statsmodels_wald():
    events1 = np.r_[np.ones(30), np.zeros(50)].astype(bool)
    events0 = np.r_[np.ones(20), np.zeros(70)].astype(bool)
    p1 = est.weighted_proportion(events1, np.ones(80))
    p0 = est.weighted_proportion(events0, np.ones(90))
    rd = est.risk_difference(p1, p0).interval(0.95)
    ref = confint_proportions_2indep(30, 80, 20, 90, method="wald", compare="diff")
    assert rd == pytest.approx(ref, rel=1e-9)
    log_rr = est.log_risk_ratio(p1, p0)
    low, high = log_rr.interval(0.95)
    ref = confint_proportions_2indep(30, 80, 20, 90, method="log", compare="ratio")
    assert (np.exp(low), np.exp(high)) == pytest.approx(ref, rel=1e-9)


def test_risk_ratio_is_undefined_without_events():
    none = est.weighted_proportion(np.zeros(10, bool), np.ones(10))
    some = est.weighted_proportion(np.r_[np.ones(3), np.zeros(7)].astype(bool), np.ones(10))
    assert est.log_risk_ratio(some, none) is None
    assert est.risk_difference(some, none).value == pytest.approx(0.3)


def _cells(seed: int, n: int = 600):
    """Episodes with few covariate patterns (two binary covariates, a 0-4 score), so that
    many share a cell; and each episode's cell (arm and pattern)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.integers(0, 2, n), rng.integers(0, 2, n), rng.integers(0, 5, n)])
    treated = rng.random(n) < 1 / (1 + np.exp(-(x @ np.array([0.8, -0.5, 0.3]) - 0.6)))
    y = 1.5 * treated + x @ np.array([0.5, -1.0, 0.2]) + rng.normal(size=n)
    patterns, cell = np.unique(np.column_stack([treated, x]), axis=0, return_inverse=True)
    return x, treated, y, patterns[:, 1:].astype(float), patterns[:, 0] == 1, cell


def test_cells_give_the_episode_level_fits():
    """Grouping episodes of one covariate pattern into a cell changes nothing but rounding:
    the propensity, the weighted ANCOVA with its HC1 SE and df (equal to statsmodels) and
    the weighted responder share."""
    x, treated, y, cell_x, cell_treated, cell = _cells(4)
    counts = np.bincount(cell).astype(float)
    means = np.bincount(cell, weights=y) / counts
    within = np.bincount(cell, weights=(y - means[cell]) ** 2)
    assert len(counts) < len(y) / 10

    e = est.logistic_probabilities(x, treated.astype(float))
    cell_e = est.logistic_probabilities(cell_x, cell_treated * counts, counts)
    np.testing.assert_allclose(cell_e[cell], e, rtol=1e-9)

    w = est.overlap_weights(treated, e)
    cell_w = est.overlap_weights(cell_treated, cell_e)
    episodes = est.ancova(y, treated, x, w)
    cells = est.ancova(means, cell_treated, cell_x, cell_w, counts=counts, within=within)
    X = np.column_stack([np.ones(len(y)), treated, x])
    ref = sm.WLS(y, X, weights=w).fit(cov_type="HC1")
    assert cells.value == pytest.approx(ref.params[1], rel=1e-9)
    assert cells.se == pytest.approx(ref.bse[1], rel=1e-8)
    assert (cells.value, cells.se, cells.df) == pytest.approx(
        (episodes.value, episodes.se, episodes.df), rel=1e-9
    )

    events = y > 1
    cell_events = np.bincount(cell, weights=events)
    share = est.weighted_proportion(events[treated], w[treated])
    t = cell_treated
    cell_share = est.weighted_proportion(cell_events[t], cell_w[t], counts[t])
    assert (cell_share.p, cell_share.var, cell_share.n) == pytest.approx(
        (share.p, share.var, share.n), rel=1e-9
    )


def test_rubins_rules_known_answer():
    """Estimates 1, 2, 3 with SE 1 and complete-data df 100: Q = 2, W = 1, B = 1,
    T = 1 + 4/3; lambda = (4/3) / (7/3) = 4/7, nu_old = 2 / lambda^2 = 6.125,
    nu_obs = 101/103 * 100 * 3/7 = 42.0249, df = 1 / (1/6.125 + 1/42.0249) = 5.3458."""
    combined = est.rubin([est.Estimate(v, 1.0, 100) for v in (1.0, 2.0, 3.0)])
    assert combined.value == pytest.approx(2.0)
    assert combined.se**2 == pytest.approx(1 + 4 / 3)
    nu_old, nu_obs = 2 / (4 / 7) ** 2, 101 / 103 * 100 * 3 / 7
    assert combined.df == pytest.approx(1 / (1 / nu_old + 1 / nu_obs))
    assert combined.df == pytest.approx(5.3458, abs=1e-4)
    same = est.rubin([est.Estimate(2.0, 0.5, 40)] * 5)
    assert (same.value, same.se, same.df) == pytest.approx((2.0, 0.5, 40))


def test_normal_imputation_keeps_observed_values_and_centres_on_the_fitted_model():
    """Observed values are untouched; the imputations of a missing value scatter around
    the OLS prediction (statsmodels, fitted on the observed rows) with the residual SD,
    widened a little by the drawn parameters."""
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=(n, 2))
    y = 1.0 + x @ np.array([2.0, -1.0]) + rng.normal(0, 1.5, n)
    observed = rng.random(n) < 0.6
    completed = est.impute_normal(x, y, observed, 2_000, np.random.default_rng(4))
    assert completed.shape == (n, 2_000)
    np.testing.assert_array_equal(completed[observed], np.repeat(y[observed, None], 2_000, 1))
    fit = sm.OLS(y[observed], sm.add_constant(x[observed])).fit()
    predicted = sm.add_constant(x[~observed]) @ fit.params
    np.testing.assert_allclose(completed[~observed].mean(axis=1), predicted, atol=0.15)
    spread = completed[~observed].std(axis=1)
    assert np.sqrt(fit.scale) < spread.mean() < 1.05 * np.sqrt(fit.scale)


def test_imputation_from_an_earlier_score_recovers_what_completers_lose():
    """A later score missing more often for patients who did worse earlier (missing at
    random given the earlier score): completers overstate the mean, imputing from the
    earlier score recovers it, and its Rubin interval covers the truth."""
    rng = np.random.default_rng(5)
    n = 3_000
    earlier = rng.normal(0, 1, n)
    later = 0.9 * earlier + rng.normal(0, 0.4, n)
    observed = rng.random(n) < 1 / (1 + np.exp(-(0.3 + 1.5 * earlier)))
    completed = est.impute_normal(earlier[:, None], later, observed, 40, rng)
    ones = np.ones((n, 1))
    per_imputation = [
        est.weighted_least_squares(completed[:, m], ones, np.ones(n)).estimate(0) for m in range(40)
    ]
    combined = est.rubin(per_imputation)
    truth = later.mean()
    assert later[observed].mean() - truth > 0.3
    assert abs(combined.value - truth) < 0.05
    low, high = combined.interval(0.95)
    assert low < truth < high
