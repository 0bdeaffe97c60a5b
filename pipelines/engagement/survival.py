"""Kaplan-Meier estimate of time to dropout, with Greenwood log(-log) intervals.

Time runs from the episode's start. Dropping out is the event; completing, any other
discharge and still being in treatment at the data's as-of date are censored, since
those patients were no longer at risk of dropping out (or not yet observed to).

The estimate and Greenwood's standard error come from statsmodels' SurvfuncRight; an
own estimator was no faster (benchmarks/RESULTS-kaplan-meier.md). What statsmodels does
not report, the pointwise log(-log) interval and the weekly grid, is computed here.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

KM_SCHEMA = {
    "time": pl.Float64,
    "n_at_risk": pl.Int64,
    "n_events": pl.Int64,
    "survival": pl.Float64,
    "survival_ci_low": pl.Float64,
    "survival_ci_high": pl.Float64,
}

KM_SCHEMA_SURVIVAL = ("survival", "survival_ci_low", "survival_ci_high")


def kaplan_meier(durations: np.ndarray, events: np.ndarray, *, confidence: float) -> pl.DataFrame:
    """Survival after each event time, with its pointwise interval at `confidence` (the
    configured two-sided level, config/effectiveness.yaml thresholds.confidence_level).

    Greenwood's variance on the log(-log) scale (Kalbfleisch & Prentice), which keeps the
    interval inside [0, 1]: SE(log(-log S)) = SE(S) / (S |log S|).
    """
    durations = np.asarray(durations, dtype=float)
    events = np.asarray(events, dtype=bool)
    if not events.any():
        return pl.DataFrame(schema=KM_SCHEMA)
    fit = SurvfuncRight(durations, events.astype(int))
    survival = fit.surv_prob
    with np.errstate(divide="ignore", invalid="ignore"):
        se_loglog = fit.surv_prob_se / (survival * np.abs(np.log(survival)))
        z = stats.norm.ppf(0.5 + confidence / 2)
        low = survival ** np.exp(z * se_loglog)
        high = survival ** np.exp(-z * se_loglog)
    undefined = (survival <= 0) | (survival >= 1) | ~np.isfinite(se_loglog)
    return pl.DataFrame(
        {
            "time": fit.surv_times,
            "n_at_risk": fit.n_risk,
            "n_events": fit.n_events,
            "survival": survival,
            "survival_ci_low": np.where(undefined, np.nan, low),
            "survival_ci_high": np.where(undefined, np.nan, high),
        },
        schema=KM_SCHEMA,
    ).with_columns(pl.col("survival_ci_low", "survival_ci_high").fill_nan(None))


def on_weekly_grid(curve: pl.DataFrame, durations: np.ndarray, last_week: int) -> pl.DataFrame:
    """The step function read at the end of each week 0..last_week, with weekly counts.

    `curve.time` and `durations` are in days. n_at_risk is the number at risk at the
    start of the week (still in follow-up on its first day).
    """
    weeks = np.arange(0, last_week + 1)
    followed = np.sort(np.asarray(durations, dtype=float))
    risk = followed.size - np.searchsorted(followed, weeks * 7, side="left")
    times = curve["time"].to_numpy()
    # Events strictly before each week's end: position 0 reads the value before any event.
    index = np.searchsorted(times, (weeks + 1) * 7, side="left")
    # Survival and its interval before the first event; with no episode, nothing to show.
    before_any = (1.0 if followed.size else np.nan), np.nan, np.nan
    read = {
        column: np.r_[start, curve[column].to_numpy()][index]
        for column, start in zip(KM_SCHEMA_SURVIVAL, before_any, strict=True)
    }
    events = np.bincount(
        np.floor(times / 7).astype(int), weights=curve["n_events"].to_numpy(), minlength=weeks.size
    )[: weeks.size]
    return pl.DataFrame(
        {
            "week": weeks,
            "n_at_risk": risk,
            "n_events": events.astype(np.int64),
            **read,
        },
        schema={"week": pl.Int64, "n_at_risk": pl.Int64, "n_events": pl.Int64}
        | {column: pl.Float64 for column in KM_SCHEMA_SURVIVAL},
    ).with_columns(pl.col(*KM_SCHEMA_SURVIVAL).fill_nan(None))
