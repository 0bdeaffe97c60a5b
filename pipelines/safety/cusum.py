"""Risk-adjusted Bernoulli CUSUM (Steiner, Cook, Farewell & Treasure, Biostatistics 2000).

Each patient with expected risk p (from the in-person model) and outcome y in {0, 1}
scores the log-likelihood ratio of "odds multiplied by R" against "odds as expected":

    W = y * log(R) - log(1 - p + R * p)

Signals are evaluated once per calendar month, so the chart's observations are months:
the month's weights are summed (the log-likelihood ratio of the month's outcomes) and
S_m = max(0, S_(m-1) + sum W). The chart alarms when S_m exceeds h. After an alarm it
restarts at a head start of `restart_fraction * h` (the fast-initial-response CUSUM of
Lucas & Crosier 1982, discussed for clinical charts by Grigg, Farewell & Spiegelhalter
2003), so a problem that persists alarms again quickly and one that has stopped lets
the chart drain to zero, which is what ends a signal.

h is chosen by Monte-Carlo simulation so that the in-control average run length, in
months, meets a target, given the program's own months: each simulated month is one of
the program's observed months (its patients' expected risks), with outcomes drawn as if
the program performed exactly as expected. The run length is estimated by regeneration:
the chart restarts afresh each time it returns to zero, so with cycles from zero until
a return to zero or an alarm, ARL = E[cycle length] / P(cycle alarms) (Wald's identity).

The expected risks come from an estimated in-person reference whose error is shared by
all of a program's months, and a chart designed as if they were exact alarms more often
than designed when the estimate is low by chance (Jones, Champ & Rigdon, J Qual Technol
2004, for the CUSUM with estimated parameters). With a standard error sigma of the
program's expected log-odds, the threshold is set on the false-alarm rate averaged over
that error: the chart's weights keep the estimated risks, the simulated outcomes come
from risks shifted by sigma z at Gauss-Hermite nodes z, and h is the smallest value at
which sum_j w_j alarms_j(h) / months_j(h) is at most 1 / target ARL.
"""

from __future__ import annotations

import hashlib
import multiprocessing
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

_PMF_TAIL = 1e-12
_MAX_CYCLE_MONTHS = 10_000


def weights(expected: np.ndarray, observed: np.ndarray, odds_ratio: float) -> np.ndarray:
    """Steiner et al. (2000) weight of each patient for odds ratio R against R0 = 1."""
    p = np.asarray(expected, dtype=float)
    y = np.asarray(observed, dtype=float)
    return y * np.log(odds_ratio) - np.log1p((odds_ratio - 1.0) * p)


@dataclass(frozen=True)
class MonthlyChart:
    """Month-by-month state of one chart; arrays align with the months given."""

    llr: np.ndarray  # sum of weights in the month
    statistic: np.ndarray  # S at the end of the month, after any restart
    peak: np.ndarray  # S before any restart (what crossed h)
    alarm: np.ndarray  # S crossed h this month with enough events
    in_signal: np.ndarray  # an alarm happened and S has not yet drained to zero
    excursion_observed: np.ndarray  # events since S last stood at zero
    excursion_expected: np.ndarray
    excursion_n: np.ndarray


def run_chart(
    llr: np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
    n: np.ndarray,
    *,
    threshold: float,
    restart_fraction: float,
    minimum_events: int,
) -> MonthlyChart:
    """Run the monthly CUSUM with fast-initial-response restarts.

    An alarm needs S > h and at least `minimum_events` events since the chart last stood
    at zero (the minimum-events rule of sequential surveillance); without them the chart
    keeps accumulating.
    """
    months = len(llr)
    stat, peak = np.zeros(months), np.zeros(months)
    alarm, in_signal = np.zeros(months, dtype=bool), np.zeros(months, dtype=bool)
    exc_o, exc_e, exc_n = np.zeros(months), np.zeros(months), np.zeros(months, dtype=np.int64)
    s, signal, o, e, k = 0.0, False, 0.0, 0.0, 0
    for m in range(months):
        if s == 0.0:
            o, e, k = 0.0, 0.0, 0
        s = max(0.0, s + llr[m])
        o, e, k = o + observed[m], e + expected[m], k + int(n[m])
        peak[m] = s
        if s > threshold and o >= minimum_events:
            alarm[m], signal = True, True
            s = restart_fraction * threshold
        elif s == 0.0:
            signal = False
        stat[m], in_signal[m] = s, signal
        exc_o[m], exc_e[m], exc_n[m] = o, e, k
    return MonthlyChart(llr, stat, peak, alarm, in_signal, exc_o, exc_e, exc_n)


def event_count_pmf(expected: np.ndarray) -> np.ndarray:
    """Distribution of the number of events among patients with risks `expected`
    (Poisson-binomial), by exact convolution, truncated where the tail is negligible."""
    pmf = np.ones(1)
    for p in np.asarray(expected, dtype=float):
        pmf = np.convolve(pmf, [1.0 - p, p])
        keep = len(pmf) - np.searchsorted(np.cumsum(pmf[::-1]), _PMF_TAIL)
        pmf = pmf[: max(keep, 1)]
    return pmf / pmf.sum()


@dataclass(frozen=True)
class Threshold:
    """A simulated decision threshold and the in-control run length it gives."""

    h: float
    arl_months: float
    cycles: int
    alarm_cycles: int


class _MonthSampler:
    """Draws in-control monthly increments from a program's observed months.

    A random observed month with in-control outcomes gives the increment
    k log(R) - C_month with probability pmf_month(k)/months: a discrete distribution over
    (month, k) atoms, sampled by one binary search in its cumulative probabilities.
    """

    def __init__(
        self, months: Sequence[np.ndarray], odds_ratio: float, logit_shift: float = 0.0
    ) -> None:
        """Outcomes drawn from the risks shifted by `logit_shift` on the log-odds scale
        (the reference's error), weights from the risks as estimated."""
        values, weights = [], []
        for p in months:
            p = np.asarray(p, dtype=float)
            true = p
            if logit_shift:
                logit = np.log(p) - np.log1p(-p)
                true = 1.0 / (1.0 + np.exp(-(logit + logit_shift)))
            pmf = event_count_pmf(true)
            offset = np.log1p((odds_ratio - 1.0) * p).sum()
            values.append(np.arange(len(pmf)) * np.log(odds_ratio) - offset)
            weights.append(pmf / len(months))
        self.values = np.concatenate(values)
        self.cumulative = np.cumsum(np.concatenate(weights))
        self.cumulative /= self.cumulative[-1]

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        atom = np.searchsorted(self.cumulative, rng.random(size), side="right")
        return self.values[np.minimum(atom, len(self.values) - 1)]


def _run_length_curve(
    sampler: _MonthSampler, h_max: float, cycles: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """In-control ARL as a step function of h in (0, h_max], from one simulation.

    Every cycle runs from zero until it returns to zero or exceeds h_max, keeping the
    months at which it set a new maximum. For a threshold h a cycle alarms if its
    maximum exceeds h, after the months of its first record above h; otherwise it lasts
    its full length. Summing those over cycles for every h at once gives ARL(h) =
    total months / alarms. Returns the breakpoints, the months and the alarms there.
    """
    rng = np.random.default_rng(seed)
    s = np.zeros(cycles)
    peak = np.zeros(cycles)
    length = np.zeros(cycles)
    active = np.arange(cycles)
    rec_cycle, rec_month, rec_value = [], [], []
    for month in range(1, _MAX_CYCLE_MONTHS + 1):
        if not len(active):
            break
        s_active = np.maximum(0.0, s[active] + sampler.draw(rng, len(active)))
        record = s_active > peak[active]
        rec_cycle.append(active[record])
        rec_month.append(np.full(int(record.sum()), month))
        rec_value.append(s_active[record])
        s[active] = s_active
        peak[active] = np.maximum(peak[active], s_active)
        length[active] = month
        active = active[(s_active > 0.0) & (s_active <= h_max)]
    cycle = np.concatenate(rec_cycle)
    if not len(cycle):
        return np.array([]), np.array([]), np.array([], dtype=np.int64)
    month = np.concatenate(rec_month).astype(float)
    value = np.concatenate(rec_value)
    order = np.lexsort((month, cycle))
    cycle, month, value = cycle[order], month[order], value[order]
    last = np.r_[cycle[1:] != cycle[:-1], True]
    first = np.r_[True, cycle[1:] != cycle[:-1]]
    following = np.where(last, length[cycle], np.r_[month[1:], 0.0])
    # Below every record a cycle contributes its first record month; crossing a record
    # value moves it to the next record month (or to its full length after the last).
    base = length.sum() - length[cycle[first]].sum() + month[first].sum()
    step_order = np.argsort(value, kind="stable")
    breaks = value[step_order]
    months = base + np.cumsum((following - month)[step_order])
    alarms = cycles - np.searchsorted(np.sort(peak), breaks, side="right")
    # Equal record values (common: increments are discrete) count once, fully applied.
    last = np.r_[breaks[1:] != breaks[:-1], True]
    return breaks[last], months[last], alarms[last]


def normal_nodes(nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite points and weights (summing to 1) for E[f(Z)], Z standard normal."""
    points, weights = np.polynomial.hermite_e.hermegauss(nodes)
    return points, weights / weights.sum()


def _false_alarm_rate(
    curve: tuple[np.ndarray, np.ndarray, np.ndarray], h: np.ndarray
) -> np.ndarray:
    """Alarms per month at each threshold h from one simulated ARL step function: the
    value at the largest breakpoint <= h; below the first breakpoint every cycle that
    left zero alarms, taken as an infinite rate (such thresholds are never chosen)."""
    breaks, total, alarms = curve
    if not len(breaks):
        return np.zeros(len(h))
    index = np.searchsorted(breaks, h, side="right") - 1
    rate = np.divide(alarms, total, out=np.zeros(len(total), dtype=float), where=total > 0).astype(
        float
    )
    return np.where(index >= 0, rate[np.maximum(index, 0)], np.inf)


def _threshold_over_reference_error(
    months: Sequence[np.ndarray],
    *,
    odds_ratio: float,
    target_arl_months: float,
    cycles: int,
    seed: int,
    logit_se: float,
    nodes: int,
) -> Threshold:
    """Smallest h whose false-alarm rate, averaged over the reference's log-odds error
    (Gauss-Hermite nodes, each simulated with cycles / nodes cycles), is at most
    1 / target ARL. The reported ARL is the reciprocal of that averaged rate."""
    points, weights = normal_nodes(nodes)
    per_node = max(cycles // nodes, 1)
    samplers = [_MonthSampler(months, odds_ratio, logit_se * z) for z in points]
    h_max = max(1.0, np.log(target_arl_months))
    while True:
        curves = [
            _run_length_curve(sampler, h_max, per_node, seed + j)
            for j, sampler in enumerate(samplers)
        ]
        candidates = np.unique(np.concatenate([c[0] for c in curves]))
        candidates = candidates[candidates <= h_max]
        if not len(candidates):
            return Threshold(0.0, np.inf, per_node * nodes, 0)
        rate = sum(
            w * _false_alarm_rate(c, candidates) for w, c in zip(weights, curves, strict=True)
        )
        reached = np.flatnonzero(rate <= 1.0 / target_arl_months)
        if len(reached):
            i = reached[0]
            h = candidates[i]
            alarms = sum(
                int(c[2][np.searchsorted(c[0], h, side="right") - 1])
                for c in curves
                if len(c[0]) and c[0][0] <= h
            )
            arl = float(1.0 / rate[i]) if rate[i] > 0 else np.inf
            return Threshold(float(h), arl, per_node * nodes, alarms)
        h_max *= 2.0


def simulate_threshold(
    months: Sequence[np.ndarray],
    *,
    odds_ratio: float,
    target_arl_months: float,
    cycles: int,
    seed: int,
    logit_se: float = 0.0,
    nodes: int = 1,
) -> Threshold:
    """Smallest h whose simulated in-control ARL (in months) reaches the target.

    `months` holds one array of expected risks per calendar month of the program (an
    empty array for a month without patients); each simulated month is one of them,
    drawn at random, with in-control outcomes. With `logit_se` > 0 the in-control
    outcomes also carry the reference's error (see the module docstring). Seeded, so
    the result is deterministic.
    """
    if not any(len(m) for m in months):
        return Threshold(np.inf, np.inf, 0, 0)
    if logit_se > 0.0:
        return _threshold_over_reference_error(
            months,
            odds_ratio=odds_ratio,
            target_arl_months=target_arl_months,
            cycles=cycles,
            seed=seed,
            logit_se=logit_se,
            nodes=nodes,
        )
    sampler = _MonthSampler(months, odds_ratio)
    h_max = max(1.0, np.log(target_arl_months))
    while True:
        breaks, total, alarms = _run_length_curve(sampler, h_max, cycles, seed)
        if not len(breaks):
            # In control the chart never left zero: the first excursion is the signal
            # (still subject to the minimum number of events).
            return Threshold(0.0, np.inf, cycles, 0)
        arl = np.divide(total, alarms, out=np.full(len(total), np.inf), where=alarms > 0)
        reached = np.flatnonzero((arl >= target_arl_months) & (breaks <= h_max))
        if len(reached):
            i = reached[0]
            return Threshold(float(breaks[i]), float(arl[i]), cycles, int(alarms[i]))
        h_max *= 2.0


def threshold_key(
    months: Sequence[np.ndarray],
    *,
    odds_ratio: float,
    target_arl_months: float,
    cycles: int,
    seed: int,
    logit_se: float = 0.0,
    nodes: int = 1,
) -> str:
    """Identity of a threshold simulation: its design and every month's risks."""
    design = (odds_ratio, target_arl_months, cycles, seed)
    if logit_se > 0.0:
        design = (*design, logit_se, nodes)
    digest = hashlib.sha256(repr(design).encode())
    for month in months:
        digest.update(np.asarray(month, dtype=np.float64).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def _simulate_job(job: tuple[Sequence[np.ndarray], dict[str, Any]]) -> Threshold:
    months, design = job
    return simulate_threshold(months, **design)


def simulate_thresholds(
    jobs: Mapping[str, tuple[Sequence[np.ndarray], dict[str, Any]]], workers: int = 1
) -> dict[str, Threshold]:
    """`simulate_threshold` for each keyed (months, design), in `workers` processes.

    The charts' simulations are independent and seeded, so the results are the same in
    any number of processes; on a first run they are most of the surveillance's time
    (65 of 74 s on the 20,000-episode demo), all of it on one core otherwise.
    """
    if workers <= 1 or len(jobs) < 2:
        return {key: _simulate_job(job) for key, job in jobs.items()}
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=spawn) as pool:
        return dict(zip(jobs, pool.map(_simulate_job, jobs.values()), strict=True))


def chart_seed(base_seed: int, *parts: str) -> int:
    """A stable seed per chart, so every run simulates the same numbers."""
    digest = hashlib.sha256("\x1f".join([str(base_seed), *parts]).encode()).digest()
    return int.from_bytes(digest[:8], "big")
