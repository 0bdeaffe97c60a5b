"""Kaplan-Meier estimate of time to dropout, with Greenwood log(-log) intervals.

Time runs from the episode's start. Dropping out is the event; completing, any other
discharge and still being in treatment at the data's as-of date are censored, since
those patients were no longer at risk of dropping out (or not yet observed to).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats

KM_SCHEMA = {
    "time": pl.Float64,
    "n_at_risk": pl.Int64,
    "n_events": pl.Int64,
    "n_censored": pl.Int64,
    "survival": pl.Float64,
    "survival_ci_low": pl.Float64,
    "survival_ci_high": pl.Float64,
}

KM_SCHEMA_SURVIVAL = ("survival", "survival_ci_low", "survival_ci_high")


def kaplan_meier(
    durations: np.ndarray, events: np.ndarray, confidence: float = 0.95
) -> pl.DataFrame:
    """Survival after each distinct time (events before censoring at tied times).

    Greenwood's variance on the log(-log) scale (Kalbfleisch & Prentice), which keeps the
    interval inside [0, 1]; the same estimator as statsmodels' SurvfuncRight.
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    if durations.size == 0:
        return pl.DataFrame(schema=KM_SCHEMA)
    times = np.unique(durations)
    n_events = np.bincount(np.searchsorted(times, durations[events]), minlength=times.size)
    n_censored = np.bincount(np.searchsorted(times, durations[~events]), minlength=times.size)
    n_at_risk = durations.size - np.concatenate(([0], np.cumsum(n_events + n_censored)[:-1]))
    hazard = n_events / n_at_risk
    survival = np.cumprod(1 - hazard)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(n_events / (n_at_risk * (n_at_risk - n_events)))
        se_loglog = np.sqrt(greenwood) / np.abs(np.log(survival))
        z = stats.norm.ppf(0.5 + confidence / 2)
        low = survival ** np.exp(z * se_loglog)
        high = survival ** np.exp(-z * se_loglog)
    undefined = (survival <= 0) | (survival >= 1) | ~np.isfinite(se_loglog)
    low = np.where(undefined, np.nan, low)
    high = np.where(undefined, np.nan, high)
    return pl.DataFrame(
        {
            "time": times,
            "n_at_risk": n_at_risk,
            "n_events": n_events,
            "n_censored": n_censored,
            "survival": survival,
            "survival_ci_low": low,
            "survival_ci_high": high,
        },
        schema=KM_SCHEMA,
    ).with_columns(pl.col("survival_ci_low", "survival_ci_high").fill_nan(None))


def on_weekly_grid(curve: pl.DataFrame, last_week: int) -> pl.DataFrame:
    """The step function read at the end of each week 0..last_week, with weekly counts.

    `curve.time` is in days. n_at_risk is the number at risk at the start of the week.
    """
    weeks = pl.DataFrame({"week": np.arange(0, last_week + 1)})
    if curve.is_empty():
        return weeks.with_columns(
            n_at_risk=pl.lit(0, pl.Int64),
            n_events=pl.lit(0, pl.Int64),
            **{column: pl.lit(None, pl.Float64) for column in KM_SCHEMA_SURVIVAL},
        )
    times = curve["time"].to_numpy()
    week_of = np.floor(times / 7).astype(int)
    counts = (
        curve.with_columns(week=pl.Series(week_of))
        .group_by("week")
        .agg(n_events=pl.col("n_events").sum(), n_at_risk=pl.col("n_at_risk").max())
    )
    ends = (weeks["week"].to_numpy() + 1) * 7
    index = np.searchsorted(times, ends, side="left") - 1  # last time strictly before week end
    before_any = 1.0, np.nan, np.nan  # survival and its interval before the first time
    read = {
        column: np.where(index >= 0, curve[column].to_numpy()[np.maximum(index, 0)], start)
        for column, start in zip(KM_SCHEMA_SURVIVAL, before_any, strict=True)
    }
    at_start = np.searchsorted(times, weeks["week"].to_numpy() * 7, side="left")
    risk_at = curve["n_at_risk"].to_numpy()[np.minimum(at_start, len(times) - 1)]
    risk = np.where(at_start < len(times), risk_at, 0)
    return (
        weeks.with_columns(
            n_at_risk=pl.Series(risk, dtype=pl.Int64),
            survival=pl.Series(read["survival"]),
            survival_ci_low=pl.Series(read["survival_ci_low"]).fill_nan(None),
            survival_ci_high=pl.Series(read["survival_ci_high"]).fill_nan(None),
        )
        .join(counts.select("week", "n_events"), on="week", how="left")
        .with_columns(pl.col("n_events").fill_null(0))
        .select("week", "n_at_risk", "n_events", "survival", "survival_ci_low", "survival_ci_high")
    )
