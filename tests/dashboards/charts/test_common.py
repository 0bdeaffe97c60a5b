"""Shared chart helpers."""

import polars as pl
import pytest

from dashboards.charts.common import ci_name, confidence_of, level_headers, rests_on


def test_rests_on_counts_programs_in_the_singular_and_hides_a_suppressed_count() -> None:
    assert rests_on(1, 1200, "contract v2 episodes") == (
        "Rests on 1 program and 1,200 contract v2 episodes."
    )
    assert rests_on(3, None, "discharged contract v2 episodes") == (
        "Rests on 3 programs and a hidden number of discharged contract v2 episodes."
    )


def test_an_interval_is_named_by_the_level_it_was_computed_at() -> None:
    assert ci_name(0.9) == "90% CI"
    assert ci_name(0.999) == "99.9% CI"
    headers = {"mean": "Mean", "ci_low": "CI low"}
    assert level_headers(headers, 0.8, "ci_low") == {"mean": "Mean", "ci_low": "80% CI low"}


def test_the_frame_carries_one_level_and_rows_without_a_mart_row_carry_none() -> None:
    joined = pl.DataFrame({"confidence_level": [0.9, None, 0.9]})
    assert confidence_of(joined) == 0.9
    with pytest.raises(ValueError, match="one confidence level"):
        confidence_of(pl.DataFrame({"confidence_level": [0.9, 0.95]}))
    with pytest.raises(ValueError, match="one confidence level"):
        confidence_of(
            pl.DataFrame({"confidence_level": [None]}, schema={"confidence_level": pl.Float64})
        )
