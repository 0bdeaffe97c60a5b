"""Engagement events: logins, modules, homework, therapist messages and live sessions.

Events are laid out module by module from each episode's start at its own pace, then
sorted and nudged so timestamps strictly increase within an episode (the contract's key
includes the timestamp, and a monotone sequence is what a platform log looks like).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.demo import parameters as p
from pipelines.demo.archetypes import SESSION_MODES, Archetype
from pipelines.demo.dates import SECONDS_PER_DAY
from pipelines.demo.episodes import Episodes

_TYPE = {name: i for i, name in enumerate(p.EVENT_TYPES)}


@dataclass
class Events:
    ep: np.ndarray  # chunk-local episode index
    ts: np.ndarray  # seconds since the epoch, UTC
    kind: np.ndarray  # index into EVENT_TYPES
    module: np.ndarray  # 0 = no module
    minutes: np.ndarray  # NaN = not recorded
    last_day: np.ndarray  # per episode: day of the last event (-1 if none)


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after midnight UTC in Canadian daytime (11:00-23:59 UTC)."""
    return rng.integers(11 * 3600, SECONDS_PER_DAY, n)


def _gamma_minutes(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    return np.round(np.clip(rng.gamma(3.0, mean / 3.0, n), 1.0, 600.0), 1)


class _Collector:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, ep, ts, kind: str, module=None, minutes=None) -> None:
        n = len(ep)
        self.parts.append(
            (
                ep,
                ts,
                np.full(n, _TYPE[kind], dtype=np.int8),
                np.zeros(n, dtype=np.int16) if module is None else module.astype(np.int16),
                np.full(n, np.nan) if minutes is None else minutes,
            )
        )

    def columns(self) -> list[np.ndarray]:
        return [np.concatenate(c) for c in zip(*self.parts, strict=True)]


def _spread(rng, ep, day0, span, counts) -> tuple[np.ndarray, np.ndarray]:
    """`counts[i]` events at random days within [day0[i], day0[i] + span[i])."""
    rows = np.repeat(np.arange(len(ep)), counts)
    day = day0[rows] + np.floor(rng.random(len(rows)) * span[rows]).astype(np.int64)
    return ep[rows], day * SECONDS_PER_DAY + _time_of_day(rng, len(rows))


def _strictly_increasing(ep: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Push each event at least one second after the previous one of its episode.

    Input sorted by (ep, ts). Within an episode y_i = max_{j<=i}(x_j - r_j) + r_i, with r
    the rank, is the smallest sequence with y_i >= x_i and y_i > y_(i-1); the group
    offset keeps the running maximum from leaking between episodes.
    """
    starts = np.flatnonzero(np.r_[True, ep[1:] != ep[:-1]])
    group = np.cumsum(np.r_[False, ep[1:] != ep[:-1]])
    rank = np.arange(len(ep)) - starts[group]
    offset = group.astype(np.int64) * 10**11
    return np.maximum.accumulate(ts - rank + offset) - offset + rank


def simulate_engagement(eps: Episodes, arch: Archetype, rng: np.random.Generator) -> Events:
    started = np.flatnonzero(eps.started)
    begun = eps.modules_started[started].astype(np.int64)
    rows = np.repeat(np.arange(len(started)), begun)
    module = np.arange(len(rows)) - np.repeat(np.cumsum(begun) - begun, begun) + 1
    ep = started[rows]
    pace = eps.days_per_module[ep]
    day0 = eps.start[ep].astype(np.int64) + np.floor((module - 1) * pace).astype(np.int64)
    t0 = day0 * SECONDS_PER_DAY + _time_of_day(rng, len(rows))
    completed = module <= eps.modules_completed[ep]
    n = len(rows)
    out = _Collector()
    mode = arch.delivery_mode
    if mode in SESSION_MODES:
        minutes = np.round(np.clip(rng.normal(p.LIVE_SESSION_MINUTES[mode], 6.0, n), 25, 120), 1)
        out.add(ep, t0, "live_session", module, minutes)
        after = np.maximum(pace - 1.0, 1.0)
        hw = _spread(rng, ep, day0 + 1, after, rng.poisson(p.HOMEWORK_PER_SESSION, n))
        out.add(*hw, "homework", None, _gamma_minutes(rng, 20.0, len(hw[0])))
        if mode == "therapist_realtime":
            out.add(ep, t0 - rng.integers(120, 900, n), "login", None, _gamma_minutes(rng, 5.0, n))
            more = _spread(rng, ep, day0, pace, rng.poisson(p.PORTAL_LOGINS_PER_SESSION, n))
            out.add(*more, "login", None, _gamma_minutes(rng, 10.0, len(more[0])))
    else:
        out.add(ep, t0, "login", None, _gamma_minutes(rng, 15.0, n))
        out.add(ep, t0 + rng.integers(30, 300, n), "module_started", module)
        c = np.flatnonzero(completed)
        later = np.floor(pace[c] * rng.uniform(0.0, 0.8, len(c))).astype(np.int64)
        tc = (day0[c] + later) * SECONDS_PER_DAY + _time_of_day(rng, len(c))
        tc = np.maximum(tc, t0[c] + rng.integers(1200, 5400, len(c)))
        out.add(
            ep[c],
            tc - rng.integers(600, 1200, len(c)),
            "login",
            None,
            _gamma_minutes(rng, 15.0, len(c)),
        )
        out.add(ep[c], tc, "module_completed", module[c], _gamma_minutes(rng, 35.0, len(c)))
        extra = _spread(rng, ep, day0, pace, rng.poisson(p.EXTRA_LOGINS_PER_MODULE, n))
        out.add(*extra, "login", None, _gamma_minutes(rng, 12.0, len(extra[0])))
        homework_rate = np.where(completed, p.HOMEWORK_PER_MODULE, 0.4 * p.HOMEWORK_PER_MODULE)
        hw = _spread(rng, ep, day0, pace, rng.poisson(homework_rate))
        out.add(*hw, "homework", None, _gamma_minutes(rng, 20.0, len(hw[0])))
    if arch.contact in p.CONTACT:
        p_from, mean_minutes, p_to = p.CONTACT[arch.contact]
        last_module_day = np.zeros(eps.n, dtype=np.int64)
        np.maximum.at(last_module_day, ep, day0 + np.ceil(pace).astype(np.int64))
        weeks = np.maximum(
            np.ceil((last_module_day[started] - eps.start[started]) / 7.0), 1
        ).astype(np.int64)
        w_rows = np.repeat(np.arange(len(started)), weeks)
        week = np.arange(len(w_rows)) - np.repeat(np.cumsum(weeks) - weeks, weeks)
        w_ep = started[w_rows]
        day = eps.start[w_ep].astype(np.int64) + 7 * week + rng.integers(0, 7, len(w_rows))
        ts = day * SECONDS_PER_DAY + _time_of_day(rng, len(w_rows))
        send = rng.random(len(w_rows)) < p_from
        out.add(
            w_ep[send],
            ts[send],
            "message_from_therapist",
            None,
            _gamma_minutes(rng, mean_minutes, int(send.sum())),
        )
        ask = rng.random(len(w_rows)) < p_to
        out.add(
            w_ep[ask],
            ts[ask] - rng.integers(3600, 2 * SECONDS_PER_DAY, int(ask.sum())),
            "message_to_therapist",
        )
    ep_all, ts_all, kind, mod, minutes = out.columns()
    # Nothing before the first session: the start date is the first module or session.
    first = eps.start[ep_all].astype(np.int64) * SECONDS_PER_DAY
    ts_all = np.maximum(ts_all, first + 11 * 3600)
    order = np.lexsort((kind, ts_all, ep_all))
    ep_all, ts_all, kind, mod, minutes = (a[order] for a in (ep_all, ts_all, kind, mod, minutes))
    ts_all = _strictly_increasing(ep_all, ts_all)
    last_day = np.full(eps.n, -1, dtype=np.int64)
    np.maximum.at(last_day, ep_all, ts_all // SECONDS_PER_DAY)
    return Events(ep_all.astype(np.int32), ts_all, kind, mod, minutes, last_day)
