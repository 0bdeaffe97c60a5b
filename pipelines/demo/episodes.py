"""Episodes of one program: who is referred, when, and how far each gets.

Everything is drawn for a chunk of episodes at once. Each episode's whole future is
simulated ("eventual" dates); what a batch shows is decided later by comparing dates
with the batch's last day, so re-sent rows stay consistent across batches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.demo import parameters as p
from pipelines.demo.archetypes import SESSION_MODES, Archetype
from pipelines.demo.dates import NEVER

_REASON = {name: i for i, name in enumerate(p.DISCHARGE_REASONS)}


def logit(x: float | np.ndarray) -> float | np.ndarray:
    return np.log(x) - np.log1p(-x)


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def choice(rng: np.random.Generator, probs: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    """Categorical codes 0..len(probs)-1 (probabilities need not sum exactly to 1)."""
    cdf = np.cumsum(probs, dtype=float)
    codes = np.searchsorted(cdf / cdf[-1], rng.random(n), side="right")
    return np.minimum(codes, len(cdf) - 1).astype(np.int8)


def wait_days(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Right-skewed waiting times (gamma, shape 2) in whole days."""
    return np.rint(rng.gamma(2.0, mean / 2.0, n)).astype(np.int32)


@dataclass
class Episodes:
    """One chunk of one program's episodes; arrays of equal length, eventual dates."""

    index: np.ndarray  # program-local serial number (keys derive from it)
    patient_index: np.ndarray  # serial number of the patient's first episode
    referral: np.ndarray
    enrolment: np.ndarray
    start: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    rurality: np.ndarray
    language: np.ndarray
    readiness: np.ndarray
    referral_source: np.ndarray
    drifted: np.ndarray
    completer: np.ndarray
    modules_started: np.ndarray
    modules_completed: np.ndarray
    days_per_module: np.ndarray
    end: np.ndarray
    reason: np.ndarray  # index into DISCHARGE_REASONS; -1 until the episode is finalised

    @property
    def n(self) -> int:
        return len(self.index)

    @property
    def started(self) -> np.ndarray:
        return self.start < NEVER


def referral_days(
    rng: np.random.Generator, n: int, first_day: int, end_day: int, growth: float
) -> np.ndarray:
    """Sorted referral days with volume growing by `growth` a year (inverse-CDF draw)."""
    span = end_day - first_day + 1
    rate = np.log1p(growth) / 365.25
    t = np.log1p(rng.random(n) * np.expm1(rate * span)) / rate
    return np.sort(first_day + np.minimum(t.astype(np.int32), span - 1))


def _patient_roots(rng: np.random.Generator, n: int) -> np.ndarray:
    """Each episode's first episode of the same patient (re-referrals point back in time)."""
    roots = np.arange(n)
    again = rng.random(n) < p.REREFERRAL_RATE
    again[0] = False
    roots[again] = np.floor(rng.random(int(again.sum())) * np.flatnonzero(again)).astype(int)
    while np.any(roots[roots] != roots):
        roots = roots[roots]
    return roots


def simulate_episodes(
    arch: Archetype,
    index: np.ndarray,
    first_day: int,
    end_day: int,
    drift: tuple[int, float] | None,
    rng: np.random.Generator,
) -> Episodes:
    """Case mix and funnel for `len(index)` episodes referred between the two days.

    `drift` is (first drifted referral day, age shift in years) when the drift plant
    applies to this program; its severity shift is applied with the scores.
    """
    n = len(index)
    mix = arch.case_mix
    referral = referral_days(rng, n, first_day, end_day, p.ANNUAL_GROWTH)
    drifted = referral >= drift[0] if drift else np.zeros(n, dtype=bool)
    age_years = rng.normal(mix.age_mean, 14.0, n) + (drift[1] * drifted if drift else 0.0)
    age = np.searchsorted(p.AGE_CUTS, np.maximum(age_years, 18.0), side="right").astype(np.int8)
    sex = choice(rng, (mix.female, 0.98 - mix.female, 0.01, 0.01), n)
    rurality = choice(rng, mix.rurality, n)
    language = choice(rng, arch.language, n)
    readiness = choice(rng, mix.readiness, n)
    source = choice(rng, mix.referral, n)
    roots = _patient_roots(rng, n)
    for column in (age, sex, rurality, language):
        column[:] = column[roots]

    in_person = arch.delivery_mode == "in_person"
    kind = "in_person" if in_person else "icbt"
    enrolled = rng.random(n) < p.ENROL_PROBABILITY
    enrolment = referral + 1 + wait_days(rng, p.ENROL_WAIT_DAYS[kind], n)
    start_logit = logit(p.START_PROBABILITY) + p.START_LOGIT_READINESS[readiness]
    started = enrolled & (rng.random(n) < expit(start_logit))
    start = enrolment + wait_days(rng, p.START_WAIT_DAYS[kind], n)

    end = np.full(n, NEVER, dtype=np.int32)
    reason = np.full(n, -1, dtype=np.int8)
    assessed = referral + 3 + wait_days(rng, 10.0, n)
    not_enrolled_reason = choice(rng, tuple(p.NOT_ENROLLED_REASONS.values()), n)
    codes = np.array([_REASON[r] for r in p.NOT_ENROLLED_REASONS], dtype=np.int8)
    end[~enrolled] = assessed[~enrolled]
    reason[~enrolled] = codes[not_enrolled_reason[~enrolled]]
    gave_up = enrolled & ~started
    end[gave_up] = (enrolment + 28 + rng.integers(0, 35, n))[gave_up]
    reason[gave_up] = _REASON["not_started"]

    m = arch.module_count
    completion_logit = (
        logit(p.COMPLETION_PROBABILITY[arch.delivery_mode])
        + p.COMPLETION_LOGIT_READINESS[readiness]
        + p.COMPLETION_LOGIT_AGE * (age.astype(float) - 3)
    )
    completer = started & (rng.random(n) < expit(completion_logit))
    # Dropouts leave early more often than late (geometric number of completed modules).
    early = np.floor(np.log(rng.random(n)) / np.log(0.7)).astype(np.int64)
    if arch.delivery_mode in SESSION_MODES:
        done = np.minimum(1 + early, max(m - 1, 1))  # a session-based start is a session
        begun = done
    else:
        done = np.minimum(early, m - 1)
        begun = np.where((rng.random(n) < 0.75) | (done == 0), done + 1, done)
    done = np.where(completer, m, done) * started
    begun = np.where(completer, m, begun) * started
    pace = np.clip(rng.lognormal(0.0, 0.12, n), 0.8, 1.5)
    return Episodes(
        index=index,
        patient_index=index[roots],
        referral=referral.astype(np.int32),
        enrolment=np.where(enrolled, enrolment, NEVER).astype(np.int32),
        start=np.where(started, start, NEVER).astype(np.int32),
        age=age,
        sex=sex,
        rurality=rurality,
        language=language,
        readiness=readiness,
        referral_source=source,
        drifted=drifted,
        completer=completer,
        modules_started=begun.astype(np.int16),
        modules_completed=done.astype(np.int16),
        days_per_module=7.0 * arch.length_weeks / m * pace,
        end=end,
        reason=reason,
    )


def finalise(
    eps: Episodes,
    last_activity: np.ndarray,
    post_day: np.ndarray,
    post_answered: np.ndarray,
    planned_end: np.ndarray,
    suicidal: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """End dates and reasons of started episodes, once their activity is known.

    Completers are discharged after their last module and post-treatment assessment;
    dropouts after some weeks without activity, more often referred elsewhere when they
    reported frequent thoughts of self-harm (PHQ-9 item 9 of 2-3).
    """
    n = eps.n
    started = eps.started
    done = np.maximum(last_activity, np.where(post_answered, post_day, planned_end - 7))
    completed_end = done + rng.integers(0, 8, n)
    dropout_end = last_activity + rng.integers(14, 43, n)
    codes = np.array([_REASON[r] for r in p.DROPOUT_REASONS], dtype=np.int8)
    dropout_reason = codes[choice(rng, tuple(p.DROPOUT_REASONS.values()), n)]
    elsewhere = suicidal & (rng.random(n) < p.REFERRED_ELSEWHERE_IF_SUICIDAL)
    dropout_reason = np.where(elsewhere, _REASON["referred_elsewhere"], dropout_reason)
    finished = started & eps.completer
    left = started & ~eps.completer
    eps.end[finished] = completed_end[finished]
    eps.reason[finished] = _REASON["completed"]
    eps.end[left] = dropout_end[left]
    eps.reason[left] = dropout_reason[left]
