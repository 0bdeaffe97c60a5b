"""Expected rates: what in-person CBT patients with the same case mix experience.

For each indicator a logistic model of the outcome on case mix is fitted to in-person
units, and every unit gets its expected probability from it. An iCBT program is
compared with the in-person clinics of its own province when they have enough events
for the model, otherwise with all in-person clinics; an in-person clinic is compared
with all of them. A cohort with too few events for the covariates (the events-per-
variable rule) gives its crude rate instead, one with fewer than the minimum events
gives nothing, and with no in-person unit at all the indicator's published fallback
rate is used where one exists. Each unit records which reference it got.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
import statsmodels.api as sm

from pipelines.safety.config import Indicator, SafetyConfig

ALL_IN_PERSON = "all_in_person"
RURALITY_LEVELS = ("rural", "remote")  # urban is the reference level
REFERENCE_SCHEMA = {
    "indicator": pl.Utf8,
    "cohort": pl.Utf8,
    "method": pl.Utf8,
    "units": pl.Int64,
    "events": pl.Int64,
    "crude_rate": pl.Float64,
    "parameters": pl.Int64,
    "coefficients": pl.Utf8,
    "source": pl.Utf8,
}


@dataclass(frozen=True)
class Reference:
    """A fitted reference: predicts expected probabilities for units."""

    indicator: str
    cohort: str
    method: str  # logistic, crude, published or none
    units: int
    events: int
    columns: tuple[str, ...] = ()  # covariates; coefficients start with the intercept
    coefficients: tuple[float, ...] = ()
    means: tuple[float, ...] = ()  # the cohort's covariate means, for missing scores
    rate: float | None = None
    source: str = ""

    def predict(self, units: pl.DataFrame) -> np.ndarray:
        if self.method == "logistic":
            x = design(units, self.columns, self.means)
            return 1.0 / (1.0 + np.exp(-(x @ np.asarray(self.coefficients))))
        value = np.nan if self.rate is None else self.rate
        return np.full(units.height, value)

    def row(self) -> dict:
        return {
            "indicator": self.indicator,
            "cohort": self.cohort,
            "method": self.method,
            "units": self.units,
            "events": self.events,
            "crude_rate": self.events / self.units if self.units else None,
            "parameters": len(self.coefficients) or None,
            "coefficients": json.dumps(
                dict(zip(("intercept", *self.columns), self.coefficients, strict=True))
            )
            if self.method == "logistic"
            else None,
            "source": self.source,
        }


def covariate_columns(indicator: Indicator) -> tuple[str, ...]:
    """Model columns besides the intercept; item 9 also adjusts for the baseline answer."""
    base = ("age_band_index", "female", "rural", "remote", "baseline_severity")
    return (*base, "baseline_item9") if indicator.family == "item9" else base


def design(units: pl.DataFrame, columns: tuple[str, ...], means: tuple[float, ...]) -> np.ndarray:
    """Intercept plus covariates; a missing score takes the cohort's mean (`means`)."""
    derived = units.with_columns(
        female=pl.col("female").cast(pl.Float64),
        **{level: (pl.col("rurality") == level).cast(pl.Float64) for level in RURALITY_LEVELS},
    )
    x = derived.select(
        [pl.col(c).cast(pl.Float64).fill_null(m) for c, m in zip(columns, means, strict=True)]
    ).to_numpy()
    return np.column_stack([np.ones(units.height), x])


def fit_reference(
    indicator: Indicator, cohort: str, units: pl.DataFrame, config: SafetyConfig
) -> Reference:
    """Logistic model, crude rate or nothing for one in-person cohort's units."""
    n, events = units.height, int(units["event"].sum())
    columns = covariate_columns(indicator)
    needed = config.events_per_variable.value * len(columns)
    if events < config.minimum_events.value:
        return Reference(indicator.name, cohort, "none", n, events)
    crude = Reference(indicator.name, cohort, "crude", n, events, rate=events / n)
    if min(events, n - events) < needed:
        return crude
    means = tuple(
        float(units.select(pl.col(c).cast(pl.Float64).mean()).item() or 0.0)
        if c in units.columns
        else 0.0
        for c in columns
    )
    x = design(units, columns, means)
    y = units["event"].cast(pl.Float64).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = sm.GLM(y, x, family=sm.families.Binomial()).fit()
        except (ValueError, np.linalg.LinAlgError):
            return crude
    if not result.converged or not np.all(np.isfinite(result.params)):
        return crude
    return Reference(
        indicator.name,
        cohort,
        "logistic",
        n,
        events,
        columns=columns,
        coefficients=tuple(float(b) for b in result.params),
        means=means,
    )


def _published(indicator: Indicator) -> Reference:
    fallback = indicator.published_fallback
    if fallback is None:
        return Reference(indicator.name, "published", "none", 0, 0, source=indicator.fallback_note)
    return Reference(
        indicator.name, "published", "published", 0, 0, rate=fallback.value, source=fallback.cite()
    )


def assign_expected(
    units: pl.DataFrame, programs: pl.DataFrame, config: SafetyConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Units with `expected` (NULL when no reference) and `reference`; and one row per
    reference cohort actually considered (mart_safety_reference)."""
    attrs = programs.select("program_id", "province", "is_in_person")
    units = units.join(attrs, on="program_id", how="left")
    out, references = [], []
    for name, indicator in config.indicators.items():
        own = units.filter(pl.col("indicator") == name)
        in_person = own.filter(pl.col("is_in_person"))
        if in_person.is_empty():
            pooled = _published(indicator)
            local: dict[str, Reference] = {}
        else:
            pooled = fit_reference(indicator, ALL_IN_PERSON, in_person, config)
            local = {
                province: fit_reference(indicator, f"in_person_{province}", cohort, config)
                for (province,), cohort in in_person.group_by("province")
            }
        references.append(pooled)
        references.extend(local.values())
        for _, program_units in own.group_by("program_id", maintain_order=True):
            first = program_units.row(0, named=True)
            ref = pooled
            candidate = local.get(first["province"])
            if not first["is_in_person"] and candidate and candidate.method == "logistic":
                ref = candidate
            out.append(
                program_units.with_columns(
                    expected=pl.Series(ref.predict(program_units)).fill_nan(None),
                    reference=pl.lit(ref.cohort),
                    reference_method=pl.lit(ref.method),
                )
            )
    frame = (
        pl.concat(out)
        if out
        else units.with_columns(
            expected=pl.lit(None, pl.Float64),
            reference=pl.lit(None, pl.Utf8),
            reference_method=pl.lit(None, pl.Utf8),
        )
    )
    table = pl.DataFrame([r.row() for r in references], schema=REFERENCE_SCHEMA)
    return frame.drop("province", "is_in_person").sort(
        "indicator", "program_id", "unit_date", "episode_id"
    ), table.sort("indicator", "cohort")
