"""Program summaries agree with scipy's t-interval and count their denominators right."""

import polars as pl
import pytest
from scipy import stats

from pipelines.outcomes.summaries import GROUP_KEYS, summarise_change


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


def test_interval_matches_scipy_t_interval():
    baseline = [15.0, 12, 18, 20, 9, 14]
    score = [9.0, 11, 10, 14, 8, 13]
    summary = summarise_change(_rows(baseline, score)).row(0, named=True)
    changes = [s - b for b, s in zip(baseline, score, strict=True)]
    low, high = stats.t.interval(
        0.95, len(changes) - 1, loc=sum(changes) / 6, scale=stats.sem(changes)
    )
    assert summary["mean_change"] == pytest.approx(sum(changes) / 6)
    assert (summary["change_ci_low"], summary["change_ci_high"]) == pytest.approx((low, high))
    assert summary["percent_change"] == pytest.approx(
        100 * (sum(changes) / 6) / (sum(baseline) / 6)
    )


def test_missing_timepoint_counts_in_baseline_but_not_in_pairs():
    summary = summarise_change(
        _rows([10.0, 20, 30], [5.0, None, None], reliable_improvement=[True, None, None])
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
    assert summarise_change(rows).select(GROUP_KEYS).is_unique().all()
