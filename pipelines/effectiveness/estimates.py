"""Effect estimates for one comparison: propensity weights, weighted ANCOVA, Hedges' g,
responder risk difference and risk ratio.

Plain numpy on arrays, so each function can be checked against statsmodels or a
published worked example, and hundreds of comparisons run in about a second.

Every estimator takes either one row per episode or one row per *cell*: episodes of one
arm with the same covariate pattern, carried as their count (`counts`) and the
sufficient statistics of their outcome. Likelihoods, weighted sums and the sandwich
variance are sums over episodes, so a cell stands for its episodes exactly; an in-person
cohort of a hundred thousand episodes then enters each comparison as a few thousand
cells, summarised once per outcome and timepoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

PROBABILITY_FLOOR = 1e-8


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and the t degrees of freedom of its CI
    (`df = inf` for a normal interval)."""

    value: float
    se: float
    df: float = float("inf")

    def interval(self, confidence: float) -> tuple[float, float]:
        q = _quantile(confidence, self.df)
        return self.value - q * self.se, self.value + q * self.se


def _quantile(confidence: float, df: float) -> float:
    p = 0.5 + confidence / 2
    return float(stats.norm.ppf(p) if np.isinf(df) else stats.t.ppf(p, df))


@dataclass(frozen=True)
class Coded:
    """A categorical column as its sorted distinct levels and each row's level index.

    Callers that hold a column as codes already (a Polars categorical) skip sorting and
    comparing strings, which dominates a design matrix of a few hundred thousand rows.
    """

    levels: np.ndarray
    codes: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray) -> Coded:
        levels, codes = np.unique(values.astype(str), return_inverse=True)
        return cls(levels, codes.reshape(-1))

    def __len__(self) -> int:
        return len(self.codes)


def one_hot(
    values: np.ndarray | Coded, name: str, counts: np.ndarray | None = None
) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for every level but the most frequent (the reference level).

    The most frequent level as reference keeps the design well conditioned; levels absent
    from `values` get no column, so a rare category cannot create an empty column.
    `counts`: episodes per row when rows are cells (frequencies decide the reference).
    """
    coded = values if isinstance(values, Coded) else Coded.of(values)
    frequency = np.bincount(coded.codes, weights=counts, minlength=len(coded.levels))
    present = np.flatnonzero(frequency)
    if len(present) < 2:
        return np.empty((len(coded), 0)), []
    reference = present[np.argmax(frequency[present])]
    kept = present[present != reference]
    matrix = (coded.codes[:, None] == kept[None, :]).astype(float)
    return matrix, [f"{name}={coded.levels[level]}" for level in kept]


def design(
    categorical: dict[str, np.ndarray | Coded],
    continuous: dict[str, np.ndarray],
    counts: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Covariate matrix (no intercept) of indicator and centred continuous columns,
    without columns the model cannot estimate (`independent`)."""
    columns, names = [], []
    for name, values in categorical.items():
        matrix, labels = one_hot(values, name, counts)
        columns.append(matrix)
        names += labels
    for name, values in continuous.items():
        x = values.astype(float)
        columns.append((x - np.average(x, weights=counts))[:, None])
        names.append(name)
    n = len(next(iter({**categorical, **continuous}.values())))
    matrix = np.hstack(columns) if columns else np.empty((n, 0))
    keep = independent(matrix)
    return matrix[:, keep], [n for n, kept in zip(names, keep, strict=True) if kept]


def independent(matrix: np.ndarray) -> np.ndarray:
    """Which columns a model with an intercept can estimate: each column that is not, up
    to rounding, a combination of the intercept and the columns before it.

    A constant column, an indicator aliased with another in a small comparison, or the
    baseline PHQ-9 beside the PHQ-9 baseline score add nothing to the fit; kept, they
    make its information matrix singular and Newton's steps wander along the flat
    direction. Dependence is a property of the distinct rows, so cells and episodes
    keep the same columns.
    """
    return _independent_columns(np.column_stack([np.ones(len(matrix)), matrix]))[1:]


def _independent_columns(X: np.ndarray, tolerance: float = 1e-9) -> np.ndarray:
    """Columns of X, in order, whose squared distance from the span of the columns kept
    before them is more than `tolerance` of their squared length.

    Those distances are the squared pivots of the Cholesky factor of X'X, so one
    factorisation settles the usual case of independent columns; only when a pivot is
    too small are the columns taken one at a time (Gram-Schmidt on X'X).
    """
    gram = X.T @ X
    diagonal = np.diag(gram)
    try:
        pivots = np.diag(np.linalg.cholesky(gram)) ** 2
        if (pivots > tolerance * diagonal).all():
            return np.ones(gram.shape[0], bool)
    except np.linalg.LinAlgError:
        pass
    kept: list[int] = []
    for j in range(gram.shape[0]):
        residual = gram[j, j]
        if kept:
            projection = gram[kept, j]
            residual -= projection @ np.linalg.solve(gram[np.ix_(kept, kept)], projection)
        if residual > tolerance * gram[j, j]:
            kept.append(j)
    mask = np.zeros(gram.shape[0], bool)
    mask[kept] = True
    return mask


def _weighted_cross_product(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """X' diag(weights) X for non-negative weights, as S'S with S = sqrt(weights) X: BLAS
    then forms a symmetric product (syrk), several times faster than a general one."""
    scaled = X * np.sqrt(weights)[:, None]
    return scaled.T @ scaled


def logistic_probabilities(
    x: np.ndarray, y: np.ndarray, trials: np.ndarray | None = None, max_iter: int = 50
) -> np.ndarray:
    """Fitted probabilities of an intercept + `x` logistic regression (maximum likelihood).

    `y` is 0/1 per episode, or with `trials` (episodes per cell) the number of events
    per cell: the binomial likelihood of a cell is the product of its episodes'
    Bernoulli likelihoods, so both give the same fit.
    Newton-Raphson with step halving; under (quasi-)separation the likelihood has no
    maximum and probabilities run towards 0 or 1, which the overlap diagnostics then
    report. Probabilities are kept inside [1e-8, 1 - 1e-8].
    Kept rather than statsmodels' GLM (Binomial): the same probabilities (to 1e-12), 16 to
    18 times faster on comparison-shaped cells with one BLAS thread and over 90 times with
    two (benchmarks/RESULTS-logistic.md).
    """
    X = np.column_stack([np.ones(len(y)), x])
    n = np.ones(len(y)) if trials is None else trials
    beta = np.zeros(X.shape[1])

    def loglik(eta: np.ndarray) -> float:
        return float(np.sum(y * eta - n * np.logaddexp(0.0, eta)))

    eta = X @ beta
    current = loglik(eta)
    for _ in range(max_iter):
        p = special.expit(eta)
        gradient = X.T @ (y - n * p)
        hessian = _weighted_cross_product(X, n * p * (1 - p))
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        scale = 1.0
        while scale > 1e-6:
            candidate = beta + scale * step
            eta = X @ candidate
            value = loglik(eta)
            if value >= current - 1e-12:
                break
            scale /= 2
        converged = abs(value - current) < 1e-10
        beta, current = candidate, value
        if converged:
            break
    p = special.expit(eta)
    return np.clip(p, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)


def overlap_weights(treated: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """Overlap weights (Li, Morgan & Zaslavsky 2018): 1 - e for program episodes, e for
    comparator episodes. Bounded, and with a logistic propensity model the weighted means
    of its covariates are equal in both arms; the estimand is the effect among patients
    who could plausibly have been treated either way."""
    return np.where(treated, 1.0 - propensity, propensity)


@dataclass(frozen=True)
class Regression:
    coef: np.ndarray
    cov: np.ndarray
    df_resid: float

    def estimate(self, column: int) -> Estimate:
        return Estimate(
            float(self.coef[column]),
            float(np.sqrt(max(self.cov[column, column], 0.0))),
            self.df_resid,
        )


def weighted_least_squares(
    y: np.ndarray,
    X: np.ndarray,
    w: np.ndarray,
    counts: np.ndarray | None = None,
    within: np.ndarray | None = None,
) -> Regression:
    """WLS coefficients with the HC1 sandwich covariance (weights treated as known).

    Equals statsmodels `WLS(y, X, weights=w).fit(cov_type="HC1")`: the bread is
    (X'WX)^-1, the meat sum w_i^2 e_i^2 x_i x_i', scaled by n / (n - p).
    With cells, `y` is each cell's mean, `counts` its episodes and `within` the sum of
    squared deviations from that mean: an episode's residual is (y_i - ybar) + (ybar -
    x'b), so the cell's sum of squared residuals is within + count (ybar - x'b)^2.
    """
    counts = np.ones(len(y)) if counts is None else counts
    within = np.zeros(len(y)) if within is None else within
    n = counts.sum()
    bread = np.linalg.pinv(_weighted_cross_product(X, w * counts))
    coef = bread @ (X.T @ (w * counts * y))
    squared = within + counts * (y - X @ coef) ** 2
    meat = _weighted_cross_product(X, w**2 * squared)
    df_resid = n - _independent_columns(X).sum()
    scale = n / df_resid if df_resid > 0 else float("nan")
    return Regression(coef, bread @ meat @ bread * scale, float(df_resid))


def ancova(
    change: np.ndarray,
    treated: np.ndarray,
    covariates: np.ndarray,
    weights: np.ndarray,
    counts: np.ndarray | None = None,
    within: np.ndarray | None = None,
) -> Estimate:
    """Adjusted difference in mean change (program - comparator), weighted ANCOVA.

    The outcome is the change from baseline; with the baseline score among the
    covariates this equals ANCOVA on the later score (the treatment coefficient is the
    same), and the difference is in the scale's own direction. With cells, `change` is
    the cell mean (see `weighted_least_squares`).
    """
    X = np.column_stack([np.ones(len(change)), treated.astype(float), covariates])
    return weighted_least_squares(change, X, weights, counts, within).estimate(1)


def pooled_sd(sd1: float, n1: int, sd2: float, n2: int) -> float:
    """Within-group SD pooled over two groups (weights n - 1)."""
    return float(np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2)))


def hedges_correction(n1: int, n2: int) -> float:
    """J = 1 - 3 / (4 (n1 + n2 - 2) - 1) (Hedges 1981; Borenstein et al. 2009, eq. 4.22)."""
    return 1.0 - 3.0 / (4.0 * (n1 + n2 - 2) - 1.0)


def hedges_g(mean1: float, sd1: float, n1: int, mean2: float, sd2: float, n2: int) -> Estimate:
    """Hedges' g of two independent groups with its large-sample standard error.

    d = (mean1 - mean2) / pooled SD; V_d = (n1 + n2) / (n1 n2) + d^2 / (2 (n1 + n2));
    g = J d, V_g = J^2 V_d (Borenstein et al., Introduction to Meta-Analysis, 2009, ch. 4).
    """
    d = (mean1 - mean2) / pooled_sd(sd1, n1, sd2, n2)
    j = hedges_correction(n1, n2)
    var_d = (n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2))
    return Estimate(j * d, j * np.sqrt(var_d))


def standardised_difference(difference: Estimate, sd: float, n1: int, n2: int) -> Estimate:
    """An adjusted mean difference as Hedges' g: J * difference / unadjusted pooled SD.

    Its standard error is J * SE(difference) / SD, so the interval keeps the precision
    the covariate adjustment bought (What Works Clearinghouse Procedures Handbook 5.0,
    covariate-adjusted g).
    """
    j = hedges_correction(n1, n2)
    return Estimate(j * difference.value / sd, j * difference.se / sd, difference.df)


@dataclass(frozen=True)
class Proportion:
    p: float
    var: float
    n: int


def weighted_proportion(
    events: np.ndarray, weights: np.ndarray, judged: np.ndarray | None = None
) -> Proportion:
    """Weighted share of events and its linearisation variance sum w^2 (y - p)^2 / (sum w)^2.

    With unit weights the variance is p(1 - p)/n, the usual Wald variance. With cells,
    `events` counts each cell's events among its `judged` episodes.
    """
    y = events.astype(float)
    if judged is None:
        total = weights.sum()
        p = float((weights * y).sum() / total)
        var = float((weights**2 * (y - p) ** 2).sum() / total**2)
        return Proportion(p, var, len(y))
    total = (weights * judged).sum()
    p = float((weights * y).sum() / total)
    squares = y * (1 - p) ** 2 + (judged - y) * p**2
    var = float((weights**2 * squares).sum() / total**2)
    return Proportion(p, var, int(judged.sum()))


def risk_difference(program: Proportion, comparator: Proportion) -> Estimate:
    return Estimate(program.p - comparator.p, float(np.sqrt(program.var + comparator.var)))


def log_risk_ratio(program: Proportion, comparator: Proportion) -> Estimate | None:
    """log(p1 / p0) with delta-method SE; None when either share is 0 (undefined)."""
    if program.p <= 0 or comparator.p <= 0:
        return None
    se = np.sqrt(program.var / program.p**2 + comparator.var / comparator.p**2)
    return Estimate(float(np.log(program.p / comparator.p)), float(se))


def impute_normal(
    x: np.ndarray, y: np.ndarray, observed: np.ndarray, imputations: int, rng: np.random.Generator
) -> np.ndarray:
    """`imputations` completed copies of `y` (one column each): observed values kept,
    missing ones drawn from the normal linear model of y on an intercept and `x`, fitted
    on the observed rows, with the parameters' uncertainty drawn too.

    Bayesian imputation under the normal linear model (Rubin 1987; van Buuren, Flexible
    Imputation of Missing Data, 2nd ed. 2018, algorithm 3.1, mice's "norm"): per
    imputation sigma^2 = RSS / g with g ~ chi^2(n_obs - q), beta ~ N(beta_hat, sigma^2
    (X'X)^-1), y_missing = X beta + sigma * z. Drawing the parameters is what makes the
    between-imputation variance honest; plugging in beta_hat would understate it.
    """
    X = np.column_stack([np.ones(len(y)), x])
    X = X[:, _independent_columns(X[observed])]
    fitted_on, target = X[observed], y[observed]
    gram_inverse = np.linalg.inv(fitted_on.T @ fitted_on)
    beta_hat = gram_inverse @ fitted_on.T @ target
    rss = float(((target - fitted_on @ beta_hat) ** 2).sum())
    df = len(target) - X.shape[1]
    root = np.linalg.cholesky(gram_inverse)
    missing = ~observed
    completed = np.repeat(y[:, None].astype(float), imputations, axis=1)
    for m in range(imputations):
        sigma = np.sqrt(rss / rng.chisquare(df))
        beta = beta_hat + sigma * root @ rng.standard_normal(len(beta_hat))
        completed[missing, m] = X[missing] @ beta + sigma * rng.standard_normal(missing.sum())
    return completed


def rubin(estimates: list[Estimate]) -> Estimate:
    """Multiple-imputation estimates combined by Rubin's rules, with Barnard and Rubin's
    degrees of freedom (Biometrika 1999;86:948-955), which never exceed the
    complete-data df.

    Q = mean of the estimates, W = mean squared SE, B = their variance between
    imputations, T = W + (1 + 1/M) B; nu_old = (M - 1) / lambda^2 with lambda = (1 + 1/M)
    B / T, nu_obs = (nu_com + 1) / (nu_com + 3) nu_com (1 - lambda), df = 1 / (1/nu_old +
    1/nu_obs).
    """
    m = len(estimates)
    values = np.array([e.value for e in estimates])
    within = float(np.mean([e.se**2 for e in estimates]))
    between = float(values.var(ddof=1))
    total = within + (1 + 1 / m) * between
    complete_df = float(estimates[0].df)
    if between == 0 or total == 0:
        return Estimate(float(values.mean()), float(np.sqrt(total)), complete_df)
    share = (1 + 1 / m) * between / total
    df_old = (m - 1) / share**2
    if np.isinf(complete_df):
        return Estimate(float(values.mean()), float(np.sqrt(total)), df_old)
    df_observed = (complete_df + 1) / (complete_df + 3) * complete_df * (1 - share)
    return Estimate(float(values.mean()), float(np.sqrt(total)), 1 / (1 / df_old + 1 / df_observed))
