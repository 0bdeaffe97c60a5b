"""Item answers that add up exactly to a generated scale score.

Scoring the written items must give back the generated total, or the truth would not be
the truth. Each item starts from the scale's mean item value plus an item-specific
offset (sleep and fatigue run high on the PHQ-9, "pain at its worst" above "at its
least" on the BPI) and noise; the remaining difference is then moved one point at a
time onto items that still have room, for all administrations at once.
"""

from __future__ import annotations

import numpy as np

from pipelines.contract import load_instruments
from pipelines.demo import parameters as p

# Mean-zero item offsets (in item points) and item noise SD, per scale (synthetic).
ITEM_PROFILE: dict[str, tuple[tuple[float, ...], float]] = {
    "PHQ9.total": ((-0.05, 0.0, 0.35, 0.45, 0.0, -0.15, -0.05, -0.55), 0.6),  # items 1-8
    "GAD7.total": ((0.1, -0.05, 0.15, 0.1, -0.25, 0.05, -0.1), 0.6),
    "BPI_SF.severity": ((1.6, -1.6, 0.1, -0.1), 0.8),
    "BPI_SF.interference": ((0.3, 0.2, 0.1, 0.4, -0.6, 0.2, -0.6), 1.0),
    "PEG.total": ((0.2, -0.1, -0.1), 0.9),
    "PCS.total": ((0.1, -0.2, 0, 0, -0.2, 0, -0.4, 0.4, 0.4, 0.3, 0.3, -0.3, -0.4), 0.7),
    "PSEQ.total": ((0.2, 0.1, 0, 0.2, -0.4, 0.1, -0.5, 0.1, -0.1, 0.3), 0.9),
    "WAI_SR.total": (
        (-0.075, -0.075, 0.15, -0.075, 0.15, -0.075, 0.15, -0.075, 0.15, -0.075, -0.075, -0.075),
        0.6,
    ),
}
SCALES = {**p.INSTRUMENT_SCALES, "WAI_SR": ("WAI_SR.total",)}


def split_total(
    total: np.ndarray,
    offsets: np.ndarray,
    lo: int,
    hi: int,
    noise_sd: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Integer items in [lo, hi], one row per total, each row summing to its total."""
    n_items = len(offsets)
    room = hi - lo
    target = total.astype(np.int64) - n_items * lo
    start = target[:, None] / n_items + offsets + rng.normal(0.0, noise_sd, (len(total), n_items))
    items = np.clip(np.rint(start), 0, room).astype(np.int64)
    gap = target - items.sum(axis=1)
    rows = np.flatnonzero(gap)
    while len(rows):
        step = np.sign(gap[rows])
        current = items[rows]
        can_move = np.where(step[:, None] > 0, current < room, current > 0)
        pick = np.argmax(can_move * (1.0 + rng.random(current.shape)), axis=1)
        items[rows, pick] += step
        gap[rows] -= step
        rows = rows[gap[rows] != 0]
    return items + lo


def phq9_item9(total: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thoughts of death or self-harm: mostly 0, more often 2-3 as depression rises."""
    eta = p.ITEM9_SLOPE * total[:, None] + p.ITEM9_CUTS
    value = (rng.random(len(total))[:, None] < 1.0 / (1.0 + np.exp(-eta))).sum(axis=1)
    return np.clip(value, np.maximum(total - 24, 0), np.minimum(total, 3))


def decompose(instrument: str, totals: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Item answers (rows x items, contract item order) for per-scale item sums."""
    spec = load_instruments()[instrument]
    items = np.empty((len(totals), spec.n_items), dtype=np.int8)
    for column, key in enumerate(SCALES[instrument]):
        scale = key.split(".")[1]
        positions = np.asarray(spec.subscales[scale]) - 1
        offsets, noise_sd = ITEM_PROFILE[key]
        total = totals[:, column].astype(np.int64)
        if key == "PHQ9.total":
            ninth = phq9_item9(total, rng)
            rest = split_total(total - ninth, np.asarray(offsets), 0, 3, noise_sd, rng)
            items[:, positions] = np.column_stack([rest, ninth])
        else:
            items[:, positions] = split_total(
                total, np.asarray(offsets), spec.item_min, spec.item_max, noise_sd, rng
            )
    return items
