"""Effect estimates for one comparison: propensity weights, weighted ANCOVA, Hedges' g,
responder risk difference and risk ratio.

Plain numpy on arrays, so each function can be checked against statsmodels or a
published worked example, and hundreds of comparisons run in about a second.
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


def one_hot(values: np.ndarray | Coded, name: str) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for every level but the most frequent (the reference level).

    The most frequent level as reference keeps the design well conditioned; levels absent
    from `values` get no column, so a rare category cannot create an empty column.
    """
    coded = values if isinstance(values, Coded) else Coded.of(values)
    counts = np.bincount(coded.codes, minlength=len(coded.levels))
    present = np.flatnonzero(counts)
    if len(present) < 2:
        return np.empty((len(coded), 0)), []
    reference = present[np.argmax(counts[present])]
    kept = present[present != reference]
    matrix = (coded.codes[:, None] == kept[None, :]).astype(float)
    return matrix, [f"{name}={coded.levels[level]}" for level in kept]


def design(
    categorical: dict[str, np.ndarray | Coded], continuous: dict[str, np.ndarray]
) -> tuple[np.ndarray, list[str]]:
    """Covariate matrix (no intercept) of indicator and centred continuous columns."""
    columns, names = [], []
    for name, values in categorical.items():
        matrix, labels = one_hot(values, name)
        columns.append(matrix)
        names += labels
    for name, values in continuous.items():
        x = values.astype(float)
        columns.append((x - x.mean())[:, None])
        names.append(name)
    n = len(next(iter({**categorical, **continuous}.values())))
    matrix = np.hstack(columns) if columns else np.empty((n, 0))
    varying = matrix.std(axis=0) > 0
    return matrix[:, varying], [n for n, keep in zip(names, varying, strict=True) if keep]


def logistic_probabilities(x: np.ndarray, y: np.ndarray, max_iter: int = 50) -> np.ndarray:
    """Fitted probabilities of an intercept + `x` logistic regression (maximum likelihood).

    Newton-Raphson with step halving; under (quasi-)separation the likelihood has no
    maximum and probabilities run towards 0 or 1, which the overlap diagnostics then
    report. Probabilities are kept inside [1e-8, 1 - 1e-8].
    """
    X = np.column_stack([np.ones(len(y)), x])
    beta = np.zeros(X.shape[1])

    def loglik(b: np.ndarray) -> float:
        eta = X @ b
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(max_iter):
        p = special.expit(X @ beta)
        gradient = X.T @ (y - p)
        hessian = (X * (p * (1 - p))[:, None]).T @ X
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        scale = 1.0
        while scale > 1e-6:
            candidate = beta + scale * step
            value = loglik(candidate)
            if value >= current - 1e-12:
                break
            scale /= 2
        converged = abs(value - current) < 1e-10
        beta, current = candidate, value
        if converged:
            break
    p = special.expit(X @ beta)
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


def weighted_least_squares(y: np.ndarray, X: np.ndarray, w: np.ndarray) -> Regression:
    """WLS coefficients with the HC1 sandwich covariance (weights treated as known).

    Equals statsmodels `WLS(y, X, weights=w).fit(cov_type="HC1")`: the bread is
    (X'WX)^-1, the meat sum w_i^2 e_i^2 x_i x_i', scaled by n / (n - p).
    """
    n = X.shape[0]
    xw = X * w[:, None]
    bread = np.linalg.pinv(X.T @ xw)
    coef = bread @ (xw.T @ y)
    resid = y - X @ coef
    meat = (xw * (resid**2)[:, None]).T @ xw
    df_resid = n - np.linalg.matrix_rank(X)
    scale = n / df_resid if df_resid > 0 else float("nan")
    return Regression(coef, bread @ meat @ bread * scale, float(df_resid))


def ancova(
    change: np.ndarray, treated: np.ndarray, covariates: np.ndarray, weights: np.ndarray
) -> Estimate:
    """Adjusted difference in mean change (program - comparator), weighted ANCOVA.

    The outcome is the change from baseline; with the baseline score among the
    covariates this equals ANCOVA on the later score (the treatment coefficient is the
    same), and the difference is in the scale's own direction.
    """
    X = np.column_stack([np.ones(len(change)), treated.astype(float), covariates])
    return weighted_least_squares(change, X, weights).estimate(1)


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


def weighted_proportion(events: np.ndarray, weights: np.ndarray) -> Proportion:
    """Weighted share of events and its linearisation variance sum w^2 (y - p)^2 / (sum w)^2.

    With unit weights the variance is p(1 - p)/n, the usual Wald variance.
    """
    y = events.astype(float)
    total = weights.sum()
    p = float((weights * y).sum() / total)
    var = float((weights**2 * (y - p) ** 2).sum() / total**2)
    return Proportion(p, var, len(y))


def risk_difference(program: Proportion, comparator: Proportion) -> Estimate:
    return Estimate(program.p - comparator.p, float(np.sqrt(program.var + comparator.var)))


def log_risk_ratio(program: Proportion, comparator: Proportion) -> Estimate | None:
    """log(p1 / p0) with delta-method SE; None when either share is 0 (undefined)."""
    if program.p <= 0 or comparator.p <= 0:
        return None
    se = np.sqrt(program.var / program.p**2 + comparator.var / comparator.p**2)
    return Estimate(float(np.log(program.p / comparator.p)), float(se))
