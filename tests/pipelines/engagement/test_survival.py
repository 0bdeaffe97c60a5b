"""Kaplan-Meier time to dropout (statsmodels' estimate): known answers for the rows,
the log(-log) interval and the weekly grid."""

import numpy as np
import pytest

from pipelines.engagement.survival import kaplan_meier, on_weekly_grid


def test_textbook_example():
    """Six patients: dropouts at days 3, 5, 5 and 9; censored at 5 and 12."""
    curve = kaplan_meier(np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool))
    assert curve["time"].to_list() == [3, 5, 9]
    assert curve["n_at_risk"].to_list() == [6, 5, 2]
    assert curve["survival"].to_list() == pytest.approx(
        [5 / 6, 5 / 6 * 3 / 5, 5 / 6 * 3 / 5 * 1 / 2]
    )


def test_weekly_grid_reads_the_step_at_each_week_end():
    curve = kaplan_meier(np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool))
    grid = on_weekly_grid(curve, np.array([3, 5, 5, 5, 9, 12.0]), last_week=2)
    assert grid["survival"].to_list() == pytest.approx([0.5, 0.25, 0.25])
    assert grid["n_events"].to_list() == [3, 1, 0]
    assert grid["n_at_risk"].to_list() == [6, 2, 0]


def test_no_episodes_gives_an_empty_grid_not_an_error():
    grid = on_weekly_grid(kaplan_meier(np.array([]), np.array([], bool)), np.array([]), 3)
    assert grid.height == 4 and grid["survival"].null_count() == 4


def test_no_dropout_is_a_flat_curve_at_one():
    durations = np.array([3, 8, 15.0])
    grid = on_weekly_grid(kaplan_meier(durations, np.zeros(3, bool)), durations, last_week=2)
    assert grid["survival"].to_list() == [1.0, 1.0, 1.0]
    assert grid["n_at_risk"].to_list() == [3, 2, 1]
    assert grid["survival_ci_low"].null_count() == 3


def test_interval_is_greenwood_on_the_log_log_scale():
    """Known answer: S(3) = 5/6 among six, Greenwood var(S) = S^2 (1 / (6 * 5))."""
    curve = kaplan_meier(np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool))
    s = 5 / 6
    se = s * np.sqrt(1 / 30) / (s * abs(np.log(s)))
    assert curve["survival_ci_low"][0] == pytest.approx(s ** np.exp(1.959964 * se), rel=1e-6)
    assert curve["survival_ci_high"][0] == pytest.approx(s ** np.exp(-1.959964 * se), rel=1e-6)
