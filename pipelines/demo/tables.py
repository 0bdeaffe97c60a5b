"""Contract tables from simulated arrays, each row tagged with its delivery batch.

Frames come back sorted by batch so the writer can cut them into monthly files with
slices. Rows dated after the window are dropped here: nothing is delivered from the
future, and an episode re-sent in batch M shows only what was known at the end of M.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.contract import CONTRACT_VERSION, LATEST_VERSION, load_contract
from pipelines.demo import parameters as p
from pipelines.demo.adverse import AdverseEvents
from pipelines.demo.contract_v2 import V2Fields, episode_columns
from pipelines.demo.dates import SECONDS_PER_DAY, Window
from pipelines.demo.engagement import Events
from pipelines.demo.episodes import Episodes

_KEY_HALF = 10**6


def _scramble(index: np.ndarray, key: int) -> np.ndarray:
    """A keyed bijection of [0, 10**12): a 4-round Feistel network on two 6-digit halves.

    Keys look random (no visible order or spacing) yet stay unique within a program.
    """
    left, right = np.divmod(index.astype(np.int64), _KEY_HALF)
    for round_key in (key, key >> 10, key >> 20, key >> 30):
        mixed = ((right ^ (round_key & 0xFFFFF)) * 2_654_435_761) % 1_000_003
        left, right = right, (left + mixed) % _KEY_HALF
    return left * _KEY_HALF + right


def keys(prefix: str, index: np.ndarray, key: int) -> pl.Series:
    digits = pl.Series(_scramble(index, key)).cast(pl.String).str.zfill(12)
    return pl.select(pl.concat_str(pl.lit(prefix), pl.lit(digits))).to_series()


def _labels(values: tuple[str, ...], codes: np.ndarray) -> pl.Series:
    return pl.Series(values, dtype=pl.String).gather(codes.astype(np.int64))


def _nullable(values: np.ndarray, valid: np.ndarray, dtype: pl.DataType) -> pl.Series:
    floats = np.where(valid, values, np.nan)
    return pl.Series(floats, nan_to_null=True).cast(pl.Int64).cast(dtype)


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32)).cast(pl.Date)


def _frame(
    table: str, columns: dict[str, pl.Series], version: str = CONTRACT_VERSION
) -> pl.DataFrame:
    order = load_contract(version)[table].columns
    return pl.DataFrame({name: columns[name].alias(name) for name in order})


def episode_table(
    eps: Episodes,
    episode_keys: pl.Series,
    patient_keys: pl.Series,
    program_id: str,
    window: Window,
    v2: V2Fields | None = None,
) -> tuple[np.ndarray, pl.DataFrame]:
    """One row per episode and batch in which it was referred, enrolled, started or ended;
    with `v2`, the contract v2 columns too (the writer drops them from v1 batches)."""
    dates = np.column_stack([eps.referral, eps.enrolment, eps.start, eps.end])
    batch = window.batch_of(dates.ravel()).reshape(dates.shape)
    batch = np.where((batch >= 0) & (batch < window.months), batch, window.months)
    batch.sort(axis=1)
    new = np.ones_like(batch, dtype=bool)
    new[:, 1:] = batch[:, 1:] != batch[:, :-1]
    rows, cols = np.nonzero(new & (batch < window.months))
    b = batch[rows, cols]
    order = np.lexsort((rows, b))
    ep, b = rows[order], b[order]
    cutoff = np.array([window.batch_end_day(k) for k in range(window.months)])[b]
    known = {
        name: (values[ep], values[ep] <= cutoff)
        for name, values in zip(
            ("referral_date", "enrolment_date", "start_date", "end_date"),
            (eps.referral, eps.enrolment, eps.start, eps.end),
            strict=True,
        )
    }
    ended = known["end_date"][1]
    reason = _labels(p.DISCHARGE_REASONS, np.maximum(eps.reason[ep], 0))
    columns = {
        "patient_key": patient_keys.gather(ep),
        "episode_key": episode_keys.gather(ep),
        "program_id": pl.repeat(program_id, len(ep), dtype=pl.String, eager=True),
        "referral_source": _labels(p.REFERRAL_SOURCES, eps.referral_source[ep]),
        **{name: _nullable(v, ok, pl.Date) for name, (v, ok) in known.items()},
        "discharge_reason": pl.DataFrame({"r": reason, "ended": ended})
        .select(pl.when(pl.col("ended")).then(pl.col("r")))
        .to_series(),
        "age_band": _labels(p.AGE_BANDS, eps.age[ep]),
        "sex": _labels(p.SEXES, eps.sex[ep]),
        "rurality": _labels(p.RURALITIES, eps.rurality[ep]),
        "language": _labels(p.LANGUAGES, eps.language[ep]),
        "readiness_stage": _labels(p.READINESS, eps.readiness[ep]),
    }
    if v2 is None:
        return b, _frame("episodes", columns)
    columns |= episode_columns(v2, ep, columns["discharge_reason"])
    return b, _frame("episodes", columns, LATEST_VERSION)


def prom_table(
    ep: np.ndarray,
    instrument: np.ndarray,
    day: np.ndarray,
    item: np.ndarray,
    value: np.ndarray,
    skipped: np.ndarray,
    episode_keys: pl.Series,
    window: Window,
) -> tuple[np.ndarray, pl.DataFrame]:
    """Item rows in the batch of their administration date, grouped by episode and date."""
    b = window.batch_of(day)
    keep = b < window.months
    ep, instrument, day, item, value, skipped, b = (
        a[keep] for a in (ep, instrument, day, item, value, skipped, b)
    )
    key = (b.astype(np.int64) * len(episode_keys) + ep) * 2**21 + (day - window.first_day)
    order = np.argsort(key, kind="stable")
    ep, instrument, day, item, value, skipped, b = (
        a[order] for a in (ep, instrument, day, item, value, skipped, b)
    )
    columns = {
        "episode_key": episode_keys.gather(ep),
        "instrument": _labels(p.INSTRUMENTS, instrument),
        "administered_date": _days(day),
        "item_number": pl.Series(item.astype(np.int64)),
        "value": _nullable(value, ~skipped, pl.Int64),
    }
    return b, _frame("prom_responses", columns)


def engagement_table(
    events: Events, episode_keys: pl.Series, window: Window
) -> tuple[np.ndarray, pl.DataFrame]:
    b = window.batch_of(events.ts // SECONDS_PER_DAY)
    keep = b < window.months
    order = np.argsort(b[keep], kind="stable")  # events arrive sorted by episode and time
    pick = np.flatnonzero(keep)[order]
    minutes = events.minutes[pick]
    columns = {
        "episode_key": episode_keys.gather(events.ep[pick]),
        "event_timestamp": pl.Series(events.ts[pick] * 1_000_000).cast(pl.Datetime("us")),
        "event_type": _labels(p.EVENT_TYPES, events.kind[pick]),
        "module_number": _nullable(events.module[pick], events.module[pick] > 0, pl.Int64),
        "minutes": pl.Series(minutes, nan_to_null=True),
    }
    return b[pick], _frame("engagement_events", columns)


def adverse_table(
    events: AdverseEvents, episode_keys: pl.Series, window: Window
) -> tuple[np.ndarray, pl.DataFrame]:
    b = window.batch_of(events.day)
    keep = np.flatnonzero(b < window.months)
    order = keep[np.lexsort((events.category[keep], events.day[keep], events.ep[keep], b[keep]))]
    columns = {
        "episode_key": episode_keys.gather(events.ep[order]),
        "event_date": _days(events.day[order]),
        "category": _labels(p.AE_CATEGORIES, events.category[order]),
        "severity": _labels(p.SEVERITIES, events.severity[order]),
        "serious": pl.Series(events.serious[order]),
        "relatedness": _labels(p.RELATEDNESS, events.relatedness[order]),
    }
    return b[order], _frame("adverse_events", columns)
