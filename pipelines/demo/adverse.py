"""Adverse events: a few linked to what the PROMs show, the rest background noise.

A symptom_deterioration event is recorded for most reliable PHQ-9 deteriorations seen
during the episode and a suicidal_ideation event for many PHQ-9 item 9 answers of 2-3,
so a safety signal in the scores also shows in the events. Background rates are
synthetic (see parameters.BACKGROUND_AE): no published rates exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.demo import parameters as p
from pipelines.demo.dates import NEVER
from pipelines.demo.episodes import Episodes, choice
from pipelines.demo.outcomes import BIWEEKLY, POST, Administrations

_CATEGORY = {name: i for i, name in enumerate(p.AE_CATEGORIES)}
_MODERATE, _SEVERE = 1, 2


@dataclass
class AdverseEvents:
    ep: np.ndarray
    day: np.ndarray
    category: np.ndarray
    severity: np.ndarray
    serious: np.ndarray
    relatedness: np.ndarray


def first_day_where(n: int, ep: np.ndarray, day: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Per episode, the earliest `day` among rows where `mask` holds (NEVER if none)."""
    first = np.full(n, NEVER, dtype=np.int64)
    np.minimum.at(first, ep[mask], day[mask])
    return first


def phq9_signals(
    n: int, phq9: Administrations, item9: np.ndarray, baseline: np.ndarray, until: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """First day of a reliable deterioration and of an item 9 answer of 2-3, by `until`.

    `baseline` is the PHQ-9 baseline total per chunk-local episode; also returns the
    total at the deterioration (for its severity grade).
    """
    seen = phq9.day <= until[phq9.ep]
    total = phq9.totals[:, 0]
    later = np.isin(phq9.timepoint, (BIWEEKLY, POST))
    worse = seen & later & (total - baseline[phq9.ep] >= p.RELIABLE_DETERIORATION_PHQ9)
    det_day = first_day_where(n, phq9.ep, phq9.day, worse)
    at_det = np.zeros(n, dtype=np.int64)
    hit = worse & (phq9.day == det_day[phq9.ep])
    at_det[phq9.ep[hit]] = total[hit]
    si_day = first_day_where(n, phq9.ep, phq9.day, seen & (item9 >= 2))
    return det_day, at_det, si_day


def simulate_adverse_events(
    eps: Episodes,
    phq9: Administrations,
    item9: np.ndarray,
    baseline: np.ndarray,
    rng: np.random.Generator,
) -> AdverseEvents:
    n = eps.n
    started = eps.started
    end = eps.end.astype(np.int64)
    det_day, at_det, si_day = phq9_signals(n, phq9, item9, baseline, end)
    si_value = np.zeros(n, dtype=np.int64)
    hit = (phq9.day == si_day[phq9.ep]) & (item9 >= 2)
    si_value[phq9.ep[hit]] = item9[hit]
    out: list[tuple[np.ndarray, ...]] = []

    def add(mask, day, category, severity, serious, relatedness) -> None:
        k = int(mask.sum())
        out.append(
            (
                np.flatnonzero(mask),
                day[mask],
                np.full(k, _CATEGORY[category], dtype=np.int8),
                severity[mask].astype(np.int8),
                serious[mask],
                relatedness[mask].astype(np.int8),
            )
        )

    recorded = (det_day < NEVER) & (rng.random(n) < p.DETERIORATION_RECORDED)
    add(
        recorded,
        det_day,
        "symptom_deterioration",
        np.where(at_det >= 20, _SEVERE, _MODERATE),
        np.zeros(n, dtype=bool),
        choice(rng, (0.1, 0.3, 0.45, 0.15, 0.0), n),
    )
    severe = si_value == 3
    add(
        (si_day < NEVER) & (rng.random(n) < p.SUICIDAL_IDEATION_RECORDED),
        np.maximum(si_day, eps.start),  # a baseline answer is recorded at the first session
        "suicidal_ideation",
        np.where(severe, _SEVERE, _MODERATE),
        severe & (rng.random(n) < 0.15),
        choice(rng, (0.6, 0.35, 0.05, 0.0, 0.0), n),
    )
    span = np.maximum(end - eps.start + 1, 1)
    harm_risk = np.where(si_day < NEVER, *p.SELF_HARM_PROBABILITY[::-1])
    harm_severity = choice(rng, (0.0, 0.4, 0.6), n)
    add(
        started & (rng.random(n) < harm_risk),
        eps.start + np.floor(rng.random(n) * span).astype(np.int64),
        "self_harm",
        harm_severity,
        harm_severity == _SEVERE,
        choice(rng, (0.5, 0.45, 0.05, 0.0, 0.0), n),
    )
    for category, (rate, severity_mix, serious_rate, relatedness_mix) in p.BACKGROUND_AE.items():
        add(
            started & (rng.random(n) < rate),
            eps.start + np.floor(rng.random(n) * span).astype(np.int64),
            category,
            choice(rng, severity_mix, n),
            rng.random(n) < serious_rate,
            choice(rng, relatedness_mix, n),
        )
    return AdverseEvents(*(np.concatenate(c) for c in zip(*out, strict=True)))
