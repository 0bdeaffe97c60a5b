"""Group summaries of scores and change, with t-based confidence intervals.

Used by every mart that reports a mean: program outcomes, dose-response, trajectories
and equity, so the interval is computed one way everywhere. The level has no default:
callers pass the configured one (config/effectiveness.yaml thresholds.confidence_level,
published in ref_effectiveness_thresholds), which is what the marts' comments and the
dashboard's labels name.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from scipy import stats

GROUP_KEYS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "province",
    "instrument",
    "scale",
    "outcome_label",
    "higher_is_better",
    "timepoint",
)
RATE_FLAGS = (
    "reliable_improvement",
    "reliable_deterioration",
    "immpact_moderate_responder",
    "immpact_substantial_responder",
)


def with_t_interval(
    frame: pl.DataFrame, *, mean: str, sd: str, n: str, prefix: str, confidence: float
) -> pl.DataFrame:
    """Add `<prefix>_ci_low/high` = mean +/- t(n-1) * sd / sqrt(n); null when n < 2."""
    t = stats.t.ppf(0.5 + confidence / 2, df=frame[n].to_numpy().astype(float) - 1)
    half_width = pl.Series(t).fill_nan(None) * pl.col(sd) / pl.col(n).sqrt()
    return frame.with_columns(
        (pl.col(mean) - half_width).alias(f"{prefix}_ci_low"),
        (pl.col(mean) + half_width).alias(f"{prefix}_ci_high"),
    )


def summarise_change(
    rows: pl.DataFrame, *, confidence: float, keys: Sequence[str] = GROUP_KEYS
) -> pl.DataFrame:
    """Baseline, timepoint and paired-change statistics per group.

    `rows` holds one row per episode with a baseline (`baseline_score`), the timepoint's
    `score` (null when missing), `change` and the classification flags of RATE_FLAGS. The
    mean change is over paired episodes; rates are over episodes where the flag could be
    judged.
    """
    keys = list(keys)
    paired = pl.col("score").is_not_null()
    summary = rows.group_by(keys).agg(
        n_baseline=pl.len(),
        baseline_mean=pl.col("baseline_score").mean(),
        baseline_sd=pl.col("baseline_score").std(),
        n_paired=paired.sum(),
        paired_baseline_mean=pl.col("baseline_score").filter(paired).mean(),
        score_mean=pl.col("score").mean(),
        score_sd=pl.col("score").std(),
        mean_change=pl.col("change").mean(),
        change_sd=pl.col("change").std(),
        **{f"n_{flag}": pl.col(flag).sum() for flag in RATE_FLAGS},
        **{f"n_{flag}_judged": pl.col(flag).is_not_null().sum() for flag in RATE_FLAGS},
    )
    rates = {
        f"{flag}_rate": pl.col(f"n_{flag}") / pl.col(f"n_{flag}_judged").replace(0, None)
        for flag in RATE_FLAGS
    }
    return (
        with_t_interval(
            summary,
            mean="mean_change",
            sd="change_sd",
            n="n_paired",
            prefix="change",
            confidence=confidence,
        )
        .with_columns(
            percent_change=100
            * pl.col("mean_change")
            / pl.col("paired_baseline_mean").replace(0, None),
            **rates,
        )
        .drop([f"n_{flag}_judged" for flag in RATE_FLAGS])
        .sort(keys)
    )
