"""Program summaries agree with scipy's t-interval at the level passed, and count their
denominators right."""

import polars as pl
import pytest
from scipy import stats

from pipelines.outcomes.summaries import GROUP_KEYS, summarise_change, with_t_interval


def _rows(baseline: list[float], score: list[float | None], **flags) -> pl.DataFrame:
    n = len(baseline)
    keys = {
        "program_id": "ICBT01",
        "program_name": "x",
        "delivery_mode": "self_guided",
        "province": "ON",
        "instrument": "PHQ9",
        "scale": "total",
        "outcome_label": "PHQ-9 depression",
        "higher_is_better": False,
        "timepoint": "post_treatment",
    }
    change = [None if s is None else s - b for b, s in zip(baseline, score, strict=True)]
    columns = {k: [v] * n for k, v in keys.items()} | {
        "baseline_score": baseline,
        "score": score,
        "change": change,
    }
    for flag in (
        "reliable_improvement",
        "reliable_deterioration",
        "immpact_moderate_responder",
        "immpact_substantial_responder",
    ):
        columns[flag] = flags.get(flag, [None] * n)
    return pl.DataFrame(columns, schema_overrides={"score": pl.Float64, "change": pl.Float64})


@pytest.mark.parametrize("confidence", [0.95, 0.90])
def test_interval_matches_scipy_t_interval(confidence):
    baseline = [15.0, 12, 18, 20, 9, 14]
    score = [9.0, 11, 10, 14, 8, 13]
    summary = summarise_change(_rows(baseline, score), confidence=confidence).row(0, named=True)
    changes = [s - b for b, s in zip(baseline, score, strict=True)]
    low, high = stats.t.interval(
        confidence, len(changes) - 1, loc=sum(changes) / 6, scale=stats.sem(changes)
    )
    assert summary["mean_change"] == pytest.approx(sum(changes) / 6)
    assert (summary["change_ci_low"], summary["change_ci_high"]) == pytest.approx((low, high))
    assert summary["percent_change"] == pytest.approx(
        100 * (sum(changes) / 6) / (sum(baseline) / 6)
    )


def test_missing_timepoint_counts_in_baseline_but_not_in_pairs():
    summary = summarise_change(
        _rows([10.0, 20, 30], [5.0, None, None], reliable_improvement=[True, None, None]),
        confidence=0.95,
    ).row(0, named=True)
    assert (summary["n_baseline"], summary["n_paired"]) == (3, 1)
    assert summary["baseline_mean"] == pytest.approx(20)
    assert summary["percent_change"] == pytest.approx(-50)
    assert summary["change_ci_low"] is None  # one pair: no interval
    assert summary["reliable_improvement_rate"] == 1.0
    assert summary["immpact_moderate_responder_rate"] is None  # nothing judged


def test_one_row_per_group():
    rows = pl.concat(
        [_rows([10.0], [5.0]), _rows([10.0], [5.0]).with_columns(timepoint=pl.lit("follow_up"))]
    )
    assert summarise_change(rows, confidence=0.95).select(GROUP_KEYS).is_unique().all()


def test_weekly_mean_interval_at_90_matches_scipy():
    """The trajectories' interval (with_t_interval on DuckDB's n, mean and SD) at 90%."""
    frame = pl.DataFrame({"mean": [12.0, 3.0], "sd": [4.0, 1.5], "n": [10, 1]})
    row, single = with_t_interval(
        frame, mean="mean", sd="sd", n="n", prefix="mean", confidence=0.90
    ).iter_rows(named=True)
    low, high = stats.t.interval(0.90, 9, loc=12.0, scale=4.0 / 10**0.5)
    assert (row["mean_ci_low"], row["mean_ci_high"]) == pytest.approx((low, high))
    assert single["mean_ci_low"] is None  # one score: no interval
