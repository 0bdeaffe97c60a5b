"""Known answers for the risk-adjusted CUSUM: weights, chart recursion, event counts and
the simulated in-control run length against an exact Markov chain."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from pipelines.safety.cusum import (
    chart_seed,
    event_count_pmf,
    normal_nodes,
    run_chart,
    simulate_threshold,
    simulate_thresholds,
    threshold_key,
    weights,
)


@pytest.mark.parametrize(
    ("p", "y", "odds_ratio", "expected"),
    [
        (0.5, 1, 2.0, math.log(4 / 3)),  # log 2 - log 1.5
        (0.5, 0, 2.0, -math.log(1.5)),
        (0.1, 1, 2.0, math.log(2) - math.log(1.1)),
        (0.1, 0, 2.0, -math.log(1.1)),
        (0.065, 1, 2.0, math.log(2 / 1.065)),
        (0.2, 0, 0.5, -math.log(0.9)),  # detecting a halving: a non-event scores positive
    ],
)
def test_weights_are_steiners_log_likelihood_ratios(p, y, odds_ratio, expected):
    assert weights(np.array([p]), np.array([y]), odds_ratio)[0] == pytest.approx(expected)


def test_weights_equal_the_bernoulli_likelihood_ratio():
    """W = log[P(y | odds x R) / P(y | p)], computed from the probabilities directly."""
    p = np.array([0.02, 0.3, 0.7])
    r = 3.0
    p1 = r * p / (1 - p + r * p)
    for y in (0, 1):
        direct = np.log(np.where(y, p1 / p, (1 - p1) / (1 - p)))
        assert weights(p, np.full(3, y), r) == pytest.approx(direct)


def test_chart_alarms_restarts_at_a_head_start_and_drains_to_close():
    chart = run_chart(
        np.array([1.0, 1.0, 1.5, -0.5, -3.0, 2.0]),
        np.array([0, 0, 5, 0, 0, 1.0]),
        np.array([0.5] * 6),
        np.array([10] * 6),
        threshold=3.0,
        restart_fraction=0.5,
        minimum_events=0,
    )
    assert chart.peak.tolist() == [1.0, 2.0, 3.5, 1.0, 0.0, 2.0]
    assert chart.statistic.tolist() == [1.0, 2.0, 1.5, 1.0, 0.0, 2.0]
    assert chart.alarm.tolist() == [False, False, True, False, False, False]
    assert chart.in_signal.tolist() == [False, False, True, True, False, False]
    # Evidence accumulates from the month the chart left zero and restarts after it.
    assert chart.excursion_observed.tolist() == [0, 0, 5, 5, 5, 1]
    assert chart.excursion_expected.tolist() == [0.5, 1.0, 1.5, 2.0, 2.5, 0.5]


def test_minimum_events_hold_back_an_alarm():
    chart = run_chart(
        np.array([2.0, 2.0, -1.0]),
        np.array([1.0, 0.0, 0.0]),
        np.zeros(3),
        np.ones(3, dtype=int),
        threshold=3.0,
        restart_fraction=0.5,
        minimum_events=2,
    )
    assert not chart.alarm.any()
    assert chart.statistic.tolist() == [2.0, 4.0, 3.0]


def test_event_count_pmf_is_the_poisson_binomial():
    assert event_count_pmf(np.full(12, 0.3)) == pytest.approx(stats.binom.pmf(range(13), 12, 0.3))
    p = np.array([0.1, 0.5, 0.8])
    brute = np.zeros(4)
    for outcome in np.ndindex(2, 2, 2):
        y = np.array(outcome)
        brute[y.sum()] += np.prod(np.where(y, p, 1 - p))
    assert event_count_pmf(p) == pytest.approx(brute)
    assert event_count_pmf(np.array([])).tolist() == [1.0]


def _exact_arl(p: float, k: int) -> float:
    """ARL of a chart moving +2 or -1 lattice steps (reflected at 0) until it passes k."""
    q = np.zeros((k + 1, k + 1))
    for i in range(k + 1):
        if i + 2 <= k:
            q[i, i + 2] += p
        q[i, max(0, i - 1)] += 1 - p
    return float(np.linalg.solve(np.eye(k + 1) - q, np.ones(k + 1))[0])


@pytest.mark.parametrize("k", [3, 5])
def test_simulated_run_length_matches_the_exact_markov_chain(k):
    """One patient a month at p = 1/7 with R = 8 gives increments of exactly +2c and -c
    (c = log 2), so the chart lives on a lattice and its ARL is a linear system. The
    smallest h reaching 80% of the exact ARL with a threshold on lattice point k is k*c,
    and the simulated ARL there matches the exact one within simulation error."""
    r = 8.0
    p = (r ** (1 / 3) - 1) / (r - 1)
    c = math.log(1 + (r - 1) * p)
    exact = _exact_arl(p, k)
    found = simulate_threshold(
        [np.array([p])], odds_ratio=r, target_arl_months=0.8 * exact, cycles=100_000, seed=7
    )
    assert found.h == pytest.approx(k * c)
    assert found.arl_months == pytest.approx(exact, rel=0.08)


def test_threshold_is_deterministic_and_grows_with_the_target():
    months = [np.full(20, 0.06), np.full(30, 0.08), np.array([])]
    a = simulate_threshold(months, odds_ratio=2.0, target_arl_months=120, cycles=20_000, seed=1)
    b = simulate_threshold(months, odds_ratio=2.0, target_arl_months=120, cycles=20_000, seed=1)
    c = simulate_threshold(months, odds_ratio=2.0, target_arl_months=480, cycles=20_000, seed=1)
    assert a == b
    assert a.arl_months >= 120 and c.h > a.h
    assert chart_seed(5, "x", "y") == chart_seed(5, "x", "y") != chart_seed(5, "y", "x")


def test_thresholds_simulated_in_worker_processes_equal_the_serial_ones():
    design = {"odds_ratio": 2.0, "target_arl_months": 120, "cycles": 5_000}
    jobs = {
        f"chart {seed}": ([np.full(10 + seed, 0.05 + 0.01 * seed)], {**design, "seed": seed})
        for seed in range(3)
    }
    jobs["with reference error"] = (
        [np.full(15, 0.07)],
        {**design, "seed": 9, "logit_se": 0.3, "nodes": 3},
    )
    serial = simulate_thresholds(jobs, workers=1)
    assert simulate_thresholds(jobs, workers=2) == serial
    assert serial["chart 0"] == simulate_threshold(jobs["chart 0"][0], **jobs["chart 0"][1])


def test_a_chart_without_patients_never_alarms():
    found = simulate_threshold(
        [np.array([])], odds_ratio=2.0, target_arl_months=60, cycles=10, seed=1
    )
    assert found.h == np.inf


def test_a_chart_that_never_leaves_zero_in_control_signals_on_its_first_excursion():
    found = simulate_threshold(
        [np.full(3, 1e-12)], odds_ratio=2.0, target_arl_months=240, cycles=1_000, seed=1
    )
    assert (found.h, found.arl_months, found.alarm_cycles) == (0.0, np.inf, 0)


def test_normal_nodes_integrate_the_normal_moments():
    points, weights = normal_nodes(5)
    assert weights.sum() == pytest.approx(1.0)
    assert (weights * points**2).sum() == pytest.approx(1.0)
    assert (weights * points**4).sum() == pytest.approx(3.0)
    assert (weights * points**8).sum() == pytest.approx(105.0)


def test_threshold_over_reference_error_matches_the_averaged_exact_markov_chain():
    """The lattice chart of the previous test with the reference's log-odds error: at
    each Gauss-Hermite node the true risk moves but the weights do not, so the chart
    still moves +2c or -c and each node's ARL is exact. The threshold is the smallest
    lattice point whose averaged false-alarm rate sum w_j / ARL_j is within the target,
    and the simulated averaged ARL matches the exact one."""
    r, se, k = 8.0, 0.3, 4
    p = (r ** (1 / 3) - 1) / (r - 1)
    c = math.log(1 + (r - 1) * p)
    points, weights = normal_nodes(5)
    logit = math.log(p / (1 - p))
    risks = 1 / (1 + np.exp(-(logit + se * points)))

    def averaged_arl(lattice: int) -> float:
        return 1 / sum(w / _exact_arl(q, lattice) for q, w in zip(risks, weights, strict=True))

    target = 0.8 * averaged_arl(k)
    assert averaged_arl(k - 1) < target  # so lattice point k is the first to reach it
    found = simulate_threshold(
        [np.array([p])],
        odds_ratio=r,
        target_arl_months=target,
        cycles=200_000,
        seed=7,
        logit_se=se,
        nodes=5,
    )
    assert found.h == pytest.approx(k * c)
    assert found.arl_months == pytest.approx(averaged_arl(k), rel=0.08)
    exact_reference = simulate_threshold(
        [np.array([p])], odds_ratio=r, target_arl_months=target, cycles=100_000, seed=7
    )
    assert exact_reference.h <= found.h  # reference error only ever raises the threshold


def test_reference_error_changes_the_cache_key_only_when_carried():
    months = [np.full(20, 0.06)]
    design = {"odds_ratio": 2.0, "target_arl_months": 240, "cycles": 1000, "seed": 1}
    assert threshold_key(months, **design) == threshold_key(months, **design, logit_se=0.0)
    assert threshold_key(months, **design) != threshold_key(months, **design, logit_se=0.1)
