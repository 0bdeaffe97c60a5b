"""Per-program summaries of change from baseline, with t-based confidence intervals."""

from __future__ import annotations

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


def summarise_change(rows: pl.DataFrame, confidence: float = 0.95) -> pl.DataFrame:
    """Baseline, timepoint and paired-change statistics per program, scale and timepoint.

    `rows` holds one row per episode with a baseline (`baseline_score`), the timepoint's
    `score` (null when missing), `change` and the classification flags. The mean change
    is over paired episodes; its interval is mean +/- t(n-1) * sd / sqrt(n).
    """
    paired = pl.col("score").is_not_null()
    summary = rows.group_by(GROUP_KEYS).agg(
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
    # t quantile per row; n < 2 gives NaN, hence no interval.
    t = stats.t.ppf(0.5 + confidence / 2, df=summary["n_paired"].to_numpy() - 1)
    summary = summary.with_columns(_t=pl.Series(t).fill_nan(None))
    half_width = pl.col("_t") * pl.col("change_sd") / pl.col("n_paired").sqrt()
    rates = {
        f"{flag}_rate": pl.col(f"n_{flag}") / pl.col(f"n_{flag}_judged").replace(0, None)
        for flag in RATE_FLAGS
    }
    return (
        summary.with_columns(
            change_ci_low=pl.col("mean_change") - half_width,
            change_ci_high=pl.col("mean_change") + half_width,
            percent_change=100
            * pl.col("mean_change")
            / pl.col("paired_baseline_mean").replace(0, None),
            **rates,
        )
        .drop("_t", *[f"n_{flag}_judged" for flag in RATE_FLAGS])
        .sort("program_id", "instrument", "scale", "timepoint")
    )
