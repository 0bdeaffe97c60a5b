"""Pure transforms behind the engagement and equity marts.

Each takes the two-sided `confidence` level of its intervals from its asset, which reads
config/effectiveness.yaml thresholds.confidence_level (ref_effectiveness_thresholds).
"""

from __future__ import annotations

import polars as pl

from pipelines.engagement.survival import kaplan_meier, on_weekly_grid
from pipelines.outcomes.summaries import summarise_change, with_t_interval

UNIT_KEYS = ("unit_type", "unit_id", "unit_label", "delivery_mode")
OUTCOME_KEYS = ("instrument", "scale", "outcome_label", "higher_is_better")
MAX_WEEKS = 52


def dropout_survival(rows: pl.DataFrame, *, confidence: float) -> pl.DataFrame:
    """Weekly Kaplan-Meier curve per reporting unit, up to its longest follow-up."""
    curves = []
    for unit, episodes in rows.group_by(UNIT_KEYS, maintain_order=True):
        durations = episodes["duration_days"].to_numpy()
        curve = kaplan_meier(durations, episodes["dropped_out"].to_numpy(), confidence=confidence)
        last_week = min(int(durations.max()) // 7, MAX_WEEKS) if durations.size else 0
        grid = on_weekly_grid(curve, durations, last_week)
        curves.append(
            grid.with_columns(
                *[pl.lit(value).alias(key) for key, value in zip(UNIT_KEYS, unit, strict=True)],
                n_started=pl.lit(episodes.height),
            )
        )
    return pl.concat(curves, how="vertical_relaxed") if curves else pl.DataFrame()


def dose_response(rows: pl.DataFrame, *, confidence: float) -> pl.DataFrame:
    return summarise_change(
        rows,
        confidence=confidence,
        keys=(*UNIT_KEYS, *OUTCOME_KEYS, "dose_band", "band_order"),
    )


def score_trajectories(summary: pl.DataFrame, *, confidence: float) -> pl.DataFrame:
    """The t-interval of each weekly mean (n, mean and SD come from DuckDB)."""
    keys = [*UNIT_KEYS, *OUTCOME_KEYS, "treatment_week"]
    return with_t_interval(
        summary, mean="mean", sd="sd", n="n", prefix="mean", confidence=confidence
    ).sort(keys)


def equity(rows: pl.DataFrame, *, confidence: float) -> pl.DataFrame:
    """Reach, completion, PHQ-9 change and recovery per unit, dimension and group."""
    keys = (*UNIT_KEYS, "dimension", "group_value")
    reach = rows.group_by(keys).agg(
        n_referred=pl.len(),
        n_started=pl.col("started").sum(),
        n_started_and_ended=pl.col("started_and_ended").sum(),
        n_completed=pl.col("completed").sum(),
        n_case_at_start=pl.col("case_at_start").fill_null(False).sum(),
        n_recovered=pl.col("recovery").fill_null(False).sum(),
    )
    unit_total = pl.col("n_referred").sum().over([*UNIT_KEYS, "dimension"])
    paired = rows.filter(pl.col("baseline_score").is_not_null())
    phq9 = summarise_change(paired, confidence=confidence, keys=keys).select(
        *keys,
        phq9_n_paired="n_paired",
        phq9_mean_change="mean_change",
        phq9_change_ci_low="change_ci_low",
        phq9_change_ci_high="change_ci_high",
        phq9_reliable_improvement_rate="reliable_improvement_rate",
    )
    return (
        reach.join(phq9, on=list(keys), how="left", nulls_equal=True)
        .with_columns(
            share_of_referrals=pl.col("n_referred") / unit_total,
            completion_rate=pl.col("n_completed") / pl.col("n_started_and_ended").replace(0, None),
            recovery_rate=pl.col("n_recovered") / pl.col("n_case_at_start").replace(0, None),
            phq9_n_paired=pl.col("phq9_n_paired").fill_null(0),
        )
        .sort(keys)
    )
