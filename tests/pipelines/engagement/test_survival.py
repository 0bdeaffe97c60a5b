"""Kaplan-Meier time to dropout, cross-checked against statsmodels."""

import numpy as np
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from pipelines.engagement.survival import kaplan_meier, on_weekly_grid


def test_matches_statsmodels_on_random_censored_data():
    rng = np.random.default_rng(3)
    durations = rng.integers(1, 120, 400).astype(float)
    events = rng.random(400) < 0.4
    ours = kaplan_meier(durations, events)
    reference = SurvfuncRight(durations, events.astype(int))
    at_events = ours.filter(ours["n_events"] > 0)  # statsmodels reports event times only
    assert at_events["time"].to_numpy() == pytest.approx(reference.surv_times)
    assert at_events["survival"].to_numpy() == pytest.approx(reference.surv_prob)
    assert at_events["n_at_risk"].to_numpy() == pytest.approx(reference.n_risk)
    # Greenwood: statsmodels' surv_prob_se is S * sqrt(sum d / (n (n - d))).
    n, d = at_events["n_at_risk"].to_numpy(), at_events["n_events"].to_numpy()
    greenwood_se = at_events["survival"].to_numpy() * np.sqrt(np.cumsum(d / (n * (n - d))))
    assert greenwood_se == pytest.approx(reference.surv_prob_se, nan_ok=True)


def test_textbook_example():
    """Six patients: dropouts at days 3, 5, 5 and 9; censored at 5 and 12."""
    curve = kaplan_meier(np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool))
    assert curve["n_at_risk"].to_list() == [6, 5, 2, 1]
    assert curve["survival"].to_list() == pytest.approx(
        [5 / 6, 5 / 6 * 3 / 5, 5 / 6 * 3 / 5 * 1 / 2, 5 / 6 * 3 / 5 * 1 / 2]
    )


def test_weekly_grid_reads_the_step_at_each_week_end():
    curve = kaplan_meier(np.array([3, 5, 5, 5, 9, 12.0]), np.array([1, 1, 1, 0, 1, 0], bool))
    grid = on_weekly_grid(curve, last_week=2)
    assert grid["survival"].to_list() == pytest.approx([0.5, 0.25, 0.25])
    assert grid["n_events"].to_list() == [3, 1, 0]
    assert grid["n_at_risk"].to_list() == [6, 2, 0]


def test_no_episodes_gives_an_empty_grid_not_an_error():
    grid = on_weekly_grid(kaplan_meier(np.array([]), np.array([], bool)), last_week=3)
    assert grid.height == 4 and grid["survival"].null_count() == 4
