"""Scale scores of every PROM administration, with and without the program's effect.

Baseline scores come from correlated latent severities. The post-treatment score is the
baseline plus the in-person CBT change (which depends on baseline and case mix), plus the
program's effect, plus noise; a small share of patients deteriorate instead. Each
post-treatment and follow-up score is computed twice with the same random numbers, once
with this program's effect and deterioration risk and once with in-person CBT's, so the
truth on the observed (rounded, clipped) scale is an exact paired difference.

Scores are kept as item sums ("points"): the scale score of a mean-scored scale (BPI,
PEG) is the item sum divided by its item count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np

from pipelines.contract import load_instruments
from pipelines.demo import parameters as p
from pipelines.demo.archetypes import SESSION_MODES, THERAPIST_MODES, Archetype
from pipelines.demo.episodes import Episodes, expit, logit

BASELINE, BIWEEKLY, ALLIANCE, POST, FOLLOW_UP = range(5)
_CHOLESKY = np.linalg.cholesky(p.LATENT_CORRELATION)
_WORSE = np.array([1.0, 1.0, 1.0, 1.0, 1.0, -1.0])  # direction of "more severe" per latent


@dataclass(frozen=True)
class ScaleGeometry:
    lo: int  # item-sum bounds
    hi: int
    unit: int  # item-sum points per scale point (item count if mean-scored, else 1)


@cache
def geometry(key: str) -> ScaleGeometry:
    instrument, scale = key.split(".")
    spec = load_instruments()[instrument]
    n = len(spec.subscales[scale])
    return ScaleGeometry(n * spec.item_min, n * spec.item_max, n if key in p.MEAN_SCORED else 1)


@dataclass(frozen=True)
class ScoreContext:
    """What differs between programs and runs, resolved from the configuration."""

    effects: dict[str, float]  # nominal effect per outcome, scale points
    deterioration: float  # this program's deterioration probability
    reference_deterioration: float  # in-person CBT's
    planted: tuple[int, float] | None  # (first post-treatment day, probability) or None
    severity_shift: float  # drift plant, SDs, for drifted episodes
    biweekly_response: float
    baseline_missing: float
    post_response_completers: float
    post_response_dropouts: float
    follow_up_response: float


@dataclass
class Administrations:
    """One instrument's administrations: one row each, item sums per scale."""

    instrument: str
    ep: np.ndarray
    day: np.ndarray
    timepoint: np.ndarray
    totals: np.ndarray  # (rows, scales) in INSTRUMENT_SCALES order


@dataclass
class Scores:
    started: np.ndarray  # chunk-local indices of started episodes; arrays below align to it
    planned_end: np.ndarray
    baseline_answered: np.ndarray
    post_day: np.ndarray
    post_answered: np.ndarray
    follow_up_day: np.ndarray
    follow_up_answered: np.ndarray
    baseline: dict[str, np.ndarray] = field(default_factory=dict)
    post: dict[str, np.ndarray] = field(default_factory=dict)  # with the program's effect
    post_reference: dict[str, np.ndarray] = field(default_factory=dict)  # as in-person CBT
    follow_up: dict[str, np.ndarray] = field(default_factory=dict)
    follow_up_reference: dict[str, np.ndarray] = field(default_factory=dict)
    administrations: list[Administrations] = field(default_factory=list)


def _correlated(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.standard_normal((n, len(p.LATENT))) @ _CHOLESKY.T


def _combine(z: np.ndarray, own: np.ndarray, loading: tuple[float, ...]) -> np.ndarray:
    """Standardised score of an outcome from the latent draws (PEG mixes two latents)."""
    a = np.asarray(loading, dtype=float)
    combo = z @ a / np.sqrt(a @ p.LATENT_CORRELATION @ a)
    if np.count_nonzero(a) > 1:
        combo = 0.95 * combo + np.sqrt(1 - 0.95**2) * own
    return combo


def _points(x: np.ndarray, g: ScaleGeometry) -> np.ndarray:
    return np.clip(np.rint(x), g.lo, g.hi).astype(np.int16)


def _trajectory(t: np.ndarray) -> np.ndarray:
    """Share of the eventual change reached at fraction `t` of the planned length."""
    return -np.expm1(-2.5 * np.clip(t, 0.0, 1.0)) / -np.expm1(-2.5)


def simulate_scores(
    eps: Episodes,
    arch: Archetype,
    ctx: ScoreContext,
    last_day: np.ndarray,
    rng: np.random.Generator,
    effect_shift: dict[str, np.ndarray] | None = None,
) -> Scores:
    """`effect_shift`: per-episode points added to an outcome's effect (aligned to all of
    the chunk's episodes), how a planted effect modifier reaches the scores."""
    s = np.flatnonzero(eps.started)
    n = len(s)
    start = eps.start[s].astype(np.int64)
    age, sex, rurality = eps.age[s], eps.sex[s], eps.rurality[s]
    weeks = arch.length_weeks
    planned_end = start + 7 * weeks
    dropout = ~eps.completer[s]

    z = _correlated(rng, n)
    severity = arch.case_mix.severity_sd + ctx.severity_shift * eps.drifted[s]
    z += severity[:, None] * _WORSE
    z += p.BASELINE_AGE_SLOPE * (age.astype(float) - 3)[:, None]
    z += p.BASELINE_FEMALE * (sex == 0)[:, None]
    z += p.BASELINE_RURAL * (rurality > 0)[:, None]
    e_post, e_follow = _correlated(rng, n), _correlated(rng, n)
    own = rng.standard_normal((3, n))
    less_improvement = p.CHANGE_AGE[age] + p.CHANGE_SEX[sex] + p.CHANGE_RURALITY[rurality]

    baseline_day = np.maximum(eps.enrolment[s], start + rng.integers(-14, 4, n))
    baseline_answered = rng.random(n) >= ctx.baseline_missing
    post_day = planned_end + np.clip(np.rint(rng.normal(3.0, 6.0, n)), -14, 14).astype(np.int64)
    post_rate = np.where(dropout, ctx.post_response_dropouts, ctx.post_response_completers)
    post_answered = rng.random(n) < post_rate
    follow_up_day = planned_end + 91 + rng.integers(-21, 22, n)

    u_det = rng.random(n)
    det_points = rng.uniform(*p.DETERIORATION_POINTS, n)
    risk = np.full(n, ctx.deterioration)
    if ctx.planted is not None:
        risk[post_day >= ctx.planted[0]] = ctx.planted[1]
    deteriorated = u_det < risk
    deteriorated_reference = u_det < ctx.reference_deterioration

    scores = Scores(
        started=s,
        planned_end=planned_end,
        baseline_answered=baseline_answered,
        post_day=post_day,
        post_answered=post_answered,
        follow_up_day=follow_up_day,
        follow_up_answered=np.zeros(n, dtype=bool),
    )
    latent_post: dict[str, np.ndarray] = {}
    for o in p.OUTCOMES:
        g = geometry(o.key)
        sd = o.sd * g.unit
        b = _points(g.unit * o.mean + sd * _combine(z, own[0], o.latent), g)
        room = (g.hi - b) if o.higher_is_better else (b - g.lo)
        # Fraction of the room to improve that gives the published mean % improvement.
        mean_room = (g.hi / g.unit - o.mean) if o.higher_is_better else o.mean
        rate = o.improvement * o.mean / mean_room
        toward = 1.0 if o.higher_is_better else -1.0
        expected = b + toward * (rate * room - less_improvement * sd)
        noise = p.POST_RESIDUAL_SD * sd * _combine(e_post, own[1], o.latent)
        if o.key == "PHQ9.total":
            worse = b + det_points
        else:
            worse = b - toward * p.DETERIORATION_OTHER_SD * sd + noise
        effect = ctx.effects.get(o.key, 0.0) * g.unit
        if effect_shift is not None and o.key in effect_shift:
            effect = effect + effect_shift[o.key][s] * g.unit
        with_effect = np.where(deteriorated, worse, expected + effect + noise)
        reference = np.where(deteriorated_reference, worse, expected + noise)
        extra = toward * p.FOLLOW_UP_EXTRA_IMPROVEMENT * room
        follow_noise = p.FOLLOW_UP_RESIDUAL_SD * sd * _combine(e_follow, own[2], o.latent)
        scores.baseline[o.key] = b
        scores.post[o.key] = _points(with_effect, g)
        scores.post_reference[o.key] = _points(reference, g)
        scores.follow_up[o.key] = _points(with_effect + extra + follow_noise, g)
        scores.follow_up_reference[o.key] = _points(reference + extra + follow_noise, g)
        latent_post[o.key] = with_effect

    phq9_gap = scores.baseline["PHQ9.total"] - p.OUTCOME_BY_KEY["PHQ9.total"].mean
    answer_logit = (
        logit(ctx.follow_up_response)
        + p.FOLLOW_UP_LOGIT_AGE[age]
        + p.FOLLOW_UP_LOGIT_RURALITY[rurality]
        + p.FOLLOW_UP_LOGIT_PER_PHQ9_POINT * phq9_gap
        + p.FOLLOW_UP_LOGIT_DROPOUT * dropout
    )
    scores.follow_up_answered = rng.random(n) < expit(answer_logit)

    # PHQ-9 and PEG every two weeks during treatment, while the patient is still active,
    # ending three weeks before the planned end so they never share a day with the
    # post-treatment battery.
    n_checks = max(0, (weeks - 3) // 2)
    check_day = (
        start[:, None] + 14 * np.arange(1, n_checks + 1) + rng.integers(-2, 3, (n, n_checks))
    )
    active = check_day <= (last_day[s] + 7)[:, None]
    check_answered = active & (rng.random((n, n_checks)) < ctx.biweekly_response)
    progress = _trajectory((check_day - start[:, None]) / (7.0 * weeks))
    check_noise = {key: rng.standard_normal((n, n_checks)) for key in ("PHQ9.total", "PEG.total")}
    checks: dict[str, np.ndarray] = {}
    for key, noise in check_noise.items():
        o, g = p.OUTCOME_BY_KEY[key], geometry(key)
        b = scores.baseline[key][:, None].astype(float)
        value = b + (latent_post[key][:, None] - b) * progress
        checks[key] = _points(value + p.BIWEEKLY_RESIDUAL_SD * o.sd * g.unit * noise, g)

    alliance_day = start + 21 + rng.integers(-4, 5, n)
    alliance_answered = (alliance_day <= last_day[s] + 3) & (rng.random(n) < 0.85)
    alliance_mean = (
        p.WAI_SR_MEAN
        + 2.0 * arch.therapist_trained_in_chronic_pain
        + 1.5 * (arch.delivery_mode in SESSION_MODES)
    )
    alliance = np.clip(np.rint(rng.normal(alliance_mean, p.WAI_SR_SD, n)), 12, 60)

    idx = s  # administrations refer to chunk-local episode indices
    for instrument in arch.instruments:
        keys = p.INSTRUMENT_SCALES[instrument]
        parts = [
            (baseline_answered, baseline_day, BASELINE, scores.baseline),
            (post_answered, post_day, POST, scores.post),
            (scores.follow_up_answered, follow_up_day, FOLLOW_UP, scores.follow_up),
        ]
        ep, day, tp, totals = [], [], [], []
        for answered, when, code, values in parts:
            ep.append(idx[answered])
            day.append(when[answered])
            tp.append(np.full(int(answered.sum()), code, dtype=np.int8))
            totals.append(np.column_stack([values[k][answered] for k in keys]))
        if instrument in ("PHQ9", "PEG"):
            rows, cols = np.nonzero(check_answered)
            ep.append(idx[rows])
            day.append(check_day[rows, cols])
            tp.append(np.full(len(rows), BIWEEKLY, dtype=np.int8))
            totals.append(checks[keys[0]][rows, cols][:, None])
        scores.administrations.append(
            Administrations(
                instrument,
                np.concatenate(ep).astype(np.int32),
                np.concatenate(day).astype(np.int32),
                np.concatenate(tp),
                np.concatenate(totals).astype(np.int16),
            )
        )
    if arch.delivery_mode in THERAPIST_MODES:
        scores.administrations.append(
            Administrations(
                "WAI_SR",
                idx[alliance_answered].astype(np.int32),
                alliance_day[alliance_answered].astype(np.int32),
                np.full(int(alliance_answered.sum()), ALLIANCE, dtype=np.int8),
                alliance[alliance_answered][:, None].astype(np.int16),
            )
        )
    return scores
