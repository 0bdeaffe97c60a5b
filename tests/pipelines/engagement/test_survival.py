"""Kaplan-Meier time to dropout (statsmodels' estimate): known answers for the rows,
the log(-log) interval at the level passed and the weekly grid."""

import numpy as np
import pytest
from scipy import stats

from pipelines.engagement.survival import kaplan_meier, on_weekly_grid

# Known answers of the rows and grid do not depend on the level; 95% is the usual one.
LEVEL = 0.95


def test_textbook_example():
    """Six patients: dropouts at days 3, 5, 5 and 9; censored at 5 and 12."""
    curve = kaplan_meier(
        np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool), confidence=LEVEL
    )
    assert curve["time"].to_list() == [3, 5, 9]
    assert curve["n_at_risk"].to_list() == [6, 5, 2]
    assert curve["survival"].to_list() == pytest.approx(
        [5 / 6, 5 / 6 * 3 / 5, 5 / 6 * 3 / 5 * 1 / 2]
    )


def test_weekly_grid_reads_the_step_at_each_week_end():
    curve = kaplan_meier(
        np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool), confidence=LEVEL
    )
    grid = on_weekly_grid(curve, np.array([3, 5, 5, 5, 9, 12.0]), last_week=2)
    assert grid["survival"].to_list() == pytest.approx([0.5, 0.25, 0.25])
    assert grid["n_events"].to_list() == [3, 1, 0]
    assert grid["n_at_risk"].to_list() == [6, 2, 0]


def test_no_episodes_gives_an_empty_grid_not_an_error():
    grid = on_weekly_grid(
        kaplan_meier(np.array([]), np.array([], bool), confidence=LEVEL), np.array([]), 3
    )
    assert grid.height == 4 and grid["survival"].null_count() == 4


def test_no_dropout_is_a_flat_curve_at_one():
    durations = np.array([3, 8, 15.0])
    grid = on_weekly_grid(
        kaplan_meier(durations, np.zeros(3, bool), confidence=LEVEL), durations, last_week=2
    )
    assert grid["survival"].to_list() == [1.0, 1.0, 1.0]
    assert grid["n_at_risk"].to_list() == [3, 2, 1]
    assert grid["survival_ci_low"].null_count() == 3


@pytest.mark.parametrize(("confidence", "z"), [(0.95, 1.959964), (0.90, 1.644854)])
def test_interval_is_greenwood_on_the_log_log_scale(confidence, z):
    """Known answer: S(3) = 5/6 among six, Greenwood var(S) = S^2 (1 / (6 * 5)); z is the
    two-sided normal quantile of the level passed (typed here, checked against scipy)."""
    assert stats.norm.ppf(0.5 + confidence / 2) == pytest.approx(z, abs=1e-6)
    curve = kaplan_meier(
        np.array([3, 5, 5, 5, 9, 12.0]),
        np.array([1, 1, 1, 0, 1, 0], bool),
        confidence=confidence,
    )
    s = 5 / 6
    se = s * np.sqrt(1 / 30) / (s * abs(np.log(s)))
    assert curve["survival_ci_low"][0] == pytest.approx(s ** np.exp(z * se), rel=1e-6)
    assert curve["survival_ci_high"][0] == pytest.approx(s ** np.exp(-z * se), rel=1e-6)
