"""Expected rates: what in-person CBT patients with the same case mix experience.

For each indicator a logistic model of the outcome on case mix is fitted to all
in-person units, and every unit gets its expected probability from it. The model is
the full case mix (age band, sex, rurality, baseline severity) when the in-person
events allow ten per parameter (Peduzzi et al. 1996), else baseline severity alone,
else the crude in-person rate; with fewer events than the minimum-events rule there is
no in-person reference, and the indicator's published fallback rate is used where one
exists (only when no in-person unit exists at all), otherwise it is not compared.

An iCBT program in a province with its own in-person clinics is compared with them:
the pooled model's intercept is moved by that province's offset (its clinics' log-odds
of the event beyond what the pooled model predicts for them). A province offset rests
on a few dozen events, and treating it as exact would turn its sampling error into
false alarms, so each offset is shrunk towards zero by the between-province variance
(empirical Bayes with the DerSimonian-Laird estimate, DerSimonian & Laird 1986): when
the provinces' clinics do not differ beyond chance, every program gets the pooled
expectation. In-person clinics are compared with the pooled model.

The reference is itself an estimate, and its error is shared by every unit of a program:
a chance low count in a province's clinics lowers the whole province's expectation.
Each program's expected log-odds therefore carries a standard error
(`reference_logit_se`): the pooled model's covariance mapped onto the program's units by
the delta method, plus the posterior variance of the province's shrunk offset. The
funnel and the CUSUM carry it into their limits and thresholds when
`expected.reference_uncertainty` is `carry` (surveillance.py); it is recorded either way.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
import statsmodels.api as sm

from pipelines.heterogeneity import dersimonian_laird
from pipelines.safety.config import Indicator, SafetyConfig

ALL_IN_PERSON = "all_in_person"
RURALITY_LEVELS = ("rural", "remote")  # urban is the reference level
ITEM9_LEVELS = ("item9_1", "item9_2")  # baseline answer; 0 is the reference level
REFERENCE_SCHEMA = {
    "indicator": pl.Utf8,
    "cohort": pl.Utf8,
    "method": pl.Utf8,
    "units": pl.Int64,
    "events": pl.Int64,
    "crude_rate": pl.Float64,
    "parameters": pl.Int64,
    "coefficients": pl.Utf8,
    "province_offset": pl.Float64,
    "province_offset_se": pl.Float64,
    "shrunk_province_offset": pl.Float64,
    "between_province_variance": pl.Float64,
    "shrunk_province_offset_se": pl.Float64,
    "source": pl.Utf8,
}


def severity_columns(indicator: Indicator) -> tuple[str, ...]:
    """Baseline severity with a quadratic term (outcomes near a scale's ceiling cannot
    worsen by much, so risk is not linear in it); item 9 adds the baseline answer."""
    severity = ("baseline_severity", "baseline_severity_squared")
    return (*severity, *ITEM9_LEVELS) if indicator.family == "item9" else severity


def full_columns(indicator: Indicator) -> tuple[str, ...]:
    return ("age_band_index", "female", *RURALITY_LEVELS, *severity_columns(indicator))


def design(
    units: pl.DataFrame, columns: tuple[str, ...], centre: float, span: tuple[float, float]
) -> np.ndarray:
    """Intercept plus covariates. Severity is centred on the in-person cohort's mean
    (`centre`), which also stands in for a missing baseline score, and held within the
    cohort's observed range (`span`): the model is not extrapolated beyond its data."""
    if not columns:
        return np.ones((units.height, 1))
    raw = pl.col("baseline_severity").cast(pl.Float64).fill_null(centre)
    severity = raw.clip(*span) - centre
    derived = units.with_columns(
        female=pl.col("female").cast(pl.Float64),
        baseline_severity=severity,
        baseline_severity_squared=severity**2,
        **{level: (pl.col("rurality") == level).cast(pl.Float64) for level in RURALITY_LEVELS},
        **{f"item9_{k}": (pl.col("baseline_item9") == k).cast(pl.Float64) for k in range(1, 3)},
    )
    x = derived.select([pl.col(c).cast(pl.Float64) for c in columns]).to_numpy()
    return np.column_stack([np.ones(units.height), x])


@dataclass(frozen=True)
class Reference:
    """The pooled in-person reference of one indicator: predicts linear predictors."""

    indicator: str
    method: str  # logistic, severity, crude, published or none
    units: int
    events: int
    columns: tuple[str, ...] = ()  # covariates; coefficients start with the intercept
    coefficients: tuple[float, ...] = ()
    centre: float = 0.0  # the cohort's mean baseline severity
    span: tuple[float, float] = (-np.inf, np.inf)  # the cohort's baseline severity range
    source: str = ""
    # Sampling covariance of the coefficients (row-major); empty for a published rate,
    # whose uncertainty the source does not give.
    covariance: tuple[float, ...] = ()

    @property
    def usable(self) -> bool:
        return self.method != "none"

    def logit(self, units: pl.DataFrame) -> np.ndarray:
        """Log-odds of the event for each unit (before any province offset)."""
        x = design(units, self.columns, self.centre, self.span)
        return x @ np.asarray(self.coefficients)

    def logit_variance(self, units: pl.DataFrame, offset: float) -> float:
        """Variance of the program's expected log-odds from the model's own sampling
        error, as one shift common to all its units: by the delta method the expected
        count E = sum p_i has gradient g = sum p_i (1 - p_i) x_i, so Var(E) = g' C g, and
        the log-odds shift with that variance is Var(E) / V^2, V = sum p_i (1 - p_i)."""
        if not self.covariance or units.is_empty():
            return 0.0
        x = design(units, self.columns, self.centre, self.span)
        p = _expit(x @ np.asarray(self.coefficients) + offset)
        w = p * (1.0 - p)
        gradient = x.T @ w
        k = len(self.coefficients)
        covariance = np.asarray(self.covariance).reshape(k, k)
        return float(gradient @ covariance @ gradient) / float(w.sum()) ** 2

    def row(self) -> dict:
        coefficients = (
            json.dumps(dict(zip(("intercept", *self.columns), self.coefficients, strict=True)))
            if self.coefficients
            else None
        )
        return {
            "indicator": self.indicator,
            "cohort": ALL_IN_PERSON if self.method != "published" else "published",
            "method": self.method,
            "units": self.units,
            "events": self.events,
            "crude_rate": self.events / self.units if self.units else None,
            "parameters": len(self.coefficients) or None,
            "coefficients": coefficients,
            "source": self.source,
        }


def _logistic(
    units: pl.DataFrame, columns: tuple[str, ...], centre: float, span: tuple[float, float]
) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Coefficients of a logistic fit and their covariance (row-major), or None if the
    fit fails to converge."""
    x = design(units, columns, centre, span)
    y = units["event"].cast(pl.Float64).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = sm.GLM(y, x, family=sm.families.Binomial()).fit()
        except (ValueError, np.linalg.LinAlgError):
            return None
    covariance = np.asarray(result.cov_params())
    if not result.converged or not np.all(np.isfinite(result.params)):
        return None
    if not np.all(np.isfinite(covariance)):
        return None
    return tuple(float(b) for b in result.params), tuple(covariance.ravel().tolist())


def fit_reference(indicator: Indicator, units: pl.DataFrame, config: SafetyConfig) -> Reference:
    """The richest model the in-person events support, down to the crude rate."""
    n, events = units.height, int(units["event"].sum())
    if events < config.minimum_events.value:
        return Reference(indicator.name, "none", n, events, source="too few in-person events")
    severity = units["baseline_severity"]
    centre = float(severity.mean() or 0.0)
    span = (float(severity.min() or 0.0), float(severity.max() or 0.0))
    for method, columns in (
        ("logistic", full_columns(indicator)),
        ("severity", severity_columns(indicator)),
    ):
        if min(events, n - events) < config.events_per_variable.value * len(columns):
            continue
        fitted = _logistic(units, columns, centre, span)
        if fitted is not None:
            coefficients, covariance = fitted
            return Reference(
                indicator.name,
                method,
                n,
                events,
                columns,
                coefficients,
                centre,
                span,
                covariance=covariance,
            )
    rate = events / n
    # Variance of the log-odds of a binomial proportion: 1/events + 1/non-events.
    variance = 1.0 / events + 1.0 / (n - events)
    return Reference(
        indicator.name,
        "crude",
        n,
        events,
        (),
        (float(np.log(rate / (1 - rate))),),
        covariance=(variance,),
    )


def _published(indicator: Indicator) -> Reference:
    fallback = indicator.published_fallback
    if fallback is None:
        return Reference(indicator.name, "none", 0, 0, source=indicator.fallback_note)
    rate = fallback.value
    return Reference(
        indicator.name,
        "published",
        0,
        0,
        (),
        (float(np.log(rate / (1 - rate))),),
        source=fallback.cite(),
    )


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def province_offset(logit: np.ndarray, events: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood shift of the log-odds that makes the cohort's expected events
    equal its observed ones, with its standard error (Newton steps on one parameter)."""
    observed = float(events.sum())
    if observed in (0.0, float(len(events))):
        return 0.0, np.inf
    delta = 0.0
    for _ in range(50):
        p = _expit(logit + delta)
        information = float((p * (1 - p)).sum())
        step = (observed - float(p.sum())) / information
        delta += step
        if abs(step) < 1e-10:
            break
    p = _expit(logit + delta)
    return delta, float(1.0 / np.sqrt((p * (1 - p)).sum()))


def shrink(offsets: np.ndarray, se: np.ndarray) -> tuple[np.ndarray, float]:
    """Empirical-Bayes offsets shrunk towards 0 by the DerSimonian-Laird tau^2."""
    finite = np.isfinite(se)
    if finite.sum() < 2:
        return np.zeros_like(offsets), 0.0
    d, w = offsets[finite], 1.0 / se[finite] ** 2
    mean = (w * d).sum() / w.sum()
    tau2 = dersimonian_laird(float((w * (d - mean) ** 2).sum()), w)
    factor = np.where(finite, tau2 / (tau2 + np.where(finite, se, 1.0) ** 2), 0.0)
    return factor * offsets, tau2


def shrunk_variance(se: np.ndarray, tau2: float) -> np.ndarray:
    """Posterior variance of each shrunk offset given tau^2 (normal-normal empirical
    Bayes): tau^2 se^2 / (tau^2 + se^2), 0 when tau^2 = 0 (the offset is then 0 by
    assumption) or when the offset could not be estimated."""
    se = np.asarray(se, dtype=float)
    finite = np.isfinite(se) & (tau2 > 0.0)
    safe = np.where(finite, se, 1.0) ** 2
    return np.where(finite, tau2 * safe / (tau2 + safe), 0.0)


def assign_expected(
    units: pl.DataFrame, programs: pl.DataFrame, config: SafetyConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Units with `expected` (NULL when no reference), `reference` and
    `reference_logit_se`; and the reference table (mart_safety_reference): the pooled
    model and each province's offset."""
    attrs = programs.select("program_id", "province", "is_in_person")
    units = units.join(attrs, on="program_id", how="left")
    out, rows = [], []
    for name, indicator in config.indicators.items():
        own = units.filter(pl.col("indicator") == name)
        in_person = own.filter(pl.col("is_in_person"))
        if in_person.is_empty():
            reference = _published(indicator)
        else:
            reference = fit_reference(indicator, in_person, config)
        rows.append(reference.row())
        if not reference.usable:
            out.append(
                own.with_columns(
                    expected=pl.lit(None, pl.Float64),
                    reference=pl.lit(None, pl.Utf8),
                    reference_method=pl.lit(reference.method),
                    reference_logit_se=pl.lit(None, pl.Float64),
                )
            )
            continue
        offsets: dict[str, float] = {}
        offset_variances: dict[str, float] = {}
        if reference.method != "published":
            cohorts = in_person.partition_by("province", as_dict=True, maintain_order=True)
            names = [key[0] for key in cohorts]
            fitted = [
                province_offset(reference.logit(c), c["event"].cast(pl.Float64).to_numpy())
                for c in cohorts.values()
            ]
            raw = np.array([f[0] for f in fitted])
            se = np.array([f[1] for f in fitted])
            shrunk, tau2 = shrink(raw, se)
            posterior = shrunk_variance(se, tau2)
            offsets = dict(zip(names, shrunk.tolist(), strict=True))
            offset_variances = dict(zip(names, posterior.tolist(), strict=True))
            for province, cohort, (offset, error), value, variance in zip(
                names, cohorts.values(), fitted, shrunk, posterior, strict=True
            ):
                rows.append(
                    {
                        "indicator": name,
                        "cohort": f"in_person_{province}",
                        "method": "province_offset",
                        "units": cohort.height,
                        "events": int(cohort["event"].sum()),
                        "crude_rate": float(cohort["event"].mean()),
                        "province_offset": offset,
                        "province_offset_se": error if np.isfinite(error) else None,
                        "shrunk_province_offset": value,
                        "between_province_variance": tau2,
                        "shrunk_province_offset_se": float(np.sqrt(variance)),
                    }
                )
        for _, program in own.group_by("program_id", maintain_order=True):
            first = program.row(0, named=True)
            local = not first["is_in_person"] and first["province"] in offsets
            offset = offsets[first["province"]] if local else 0.0
            variance = reference.logit_variance(program, offset)
            if local:
                variance += offset_variances[first["province"]]
            label = f"in_person_{first['province']}" if local else reference.row()["cohort"]
            out.append(
                program.with_columns(
                    expected=pl.Series(_expit(reference.logit(program) + offset)),
                    reference=pl.lit(label),
                    reference_method=pl.lit(reference.method),
                    reference_logit_se=pl.lit(float(np.sqrt(variance))),
                )
            )
    empty = units.clear().with_columns(
        expected=pl.lit(None, pl.Float64),
        reference=pl.lit(None, pl.Utf8),
        reference_method=pl.lit(None, pl.Utf8),
        reference_logit_se=pl.lit(None, pl.Float64),
    )
    frame = pl.concat([empty, *out], how="diagonal_relaxed")
    table = pl.DataFrame(rows, schema=REFERENCE_SCHEMA)
    return (
        frame.drop("province", "is_in_person").sort(
            "indicator", "program_id", "unit_date", "episode_id"
        ),
        table.sort("indicator", "cohort"),
    )
