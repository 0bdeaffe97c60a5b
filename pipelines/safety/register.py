"""The signal register: which signals the observatory has announced, kept across runs.

Every run recomputes the signal episodes from the full history (surveillance.py); this
module reconciles them with the register so far. A signal is identified by program,
indicator, method and the month it opened. Its status is:

- new: opened in this run (it is open, and the register did not hold it before);
- ongoing: open, and already in the register before this run;
- resolved: no longer open (the CUSUM drained to zero after its alarm, or the funnel
  point stayed inside the alarm limit for the configured number of months).

An episode that opened and resolved entirely before the register first saw it (the
first run over years of history) is recorded as resolved and never announced. If a
data correction moves the month an open signal opened in, the open register row keeps
its identity. Re-running the same data inserts nothing: rows only change status,
evidence and the run that last evaluated them.
"""

from __future__ import annotations

from datetime import date, datetime

import polars as pl

from pipelines.safety.config import SafetyConfig
from pipelines.safety.surveillance import EPISODE_SCHEMA

OPEN = ("new", "ongoing")
REGISTER_SCHEMA = {
    "signal_id": pl.Utf8,
    "signal_number": pl.Int64,
    "program_id": pl.Utf8,
    "indicator": pl.Utf8,
    "indicator_label": pl.Utf8,
    "severe": pl.Boolean,
    "method": pl.Utf8,
    "opened_month": pl.Date,
    "status": pl.Utf8,
    "resolved_month": pl.Date,
    "announce": pl.Boolean,
    "opened_n": pl.Int64,
    "opened_observed": pl.Float64,
    "opened_expected": pl.Float64,
    "opened_statistic": pl.Float64,
    "opened_threshold": pl.Float64,
    "as_of_month": pl.Date,
    "latest_month": pl.Date,
    "latest_n": pl.Int64,
    "latest_observed": pl.Float64,
    "latest_expected": pl.Float64,
    "latest_statistic": pl.Float64,
    "latest_threshold": pl.Float64,
    "first_recorded_at": pl.Datetime("us"),
    "first_recorded_run_id": pl.Utf8,
    "last_evaluated_at": pl.Datetime("us"),
    "last_evaluated_run_id": pl.Utf8,
}
_EVIDENCE = [c for c in EPISODE_SCHEMA if c.startswith("latest_")]
_OPENING = [c for c in EPISODE_SCHEMA if c.startswith("opened_") and c != "opened_month"]


def signal_id(program_id: str, indicator: str, method: str, opened: date) -> str:
    return f"{program_id}:{indicator}:{method}:{opened:%Y-%m}"


def reconcile(
    existing: pl.DataFrame,
    episodes: pl.DataFrame,
    *,
    config: SafetyConfig,
    as_of: date,
    run_id: str,
    now: datetime,
) -> pl.DataFrame:
    """The register rows this run inserts or updates (REGISTER_SCHEMA).

    `existing` is the register before the run; `episodes` the signal episodes computed
    now. Returns changed and new rows only; applying them as an upsert on signal_id
    gives the new register.
    """
    as_of = as_of.replace(day=1)
    existing = existing.select([pl.col(c).cast(t) for c, t in REGISTER_SCHEMA.items()])
    by_key: dict[tuple[str, str, str], list[dict]] = {}
    for row in existing.iter_rows(named=True):
        by_key.setdefault((row["program_id"], row["indicator"], row["method"]), []).append(row)
    next_number = int(existing["signal_number"].max() or 0) + 1
    changed: list[dict] = []
    inserted: list[dict] = []
    touched: set[str] = set()
    ordered = episodes.select([pl.col(c).cast(t) for c, t in EPISODE_SCHEMA.items()]).sort(
        "opened_month", "program_id", "indicator", "method"
    )
    for episode in ordered.iter_rows(named=True):
        key = (episode["program_id"], episode["indicator"], episode["method"])
        rows = [r for r in by_key.get(key, []) if r["signal_id"] not in touched]
        is_open = episode["resolved_month"] is None
        match = next((r for r in rows if r["opened_month"] == episode["opened_month"]), None)
        if match is None and is_open:
            match = next((r for r in rows if r["status"] in OPEN), None)
        evidence = {c: episode[c] for c in _EVIDENCE}
        if match is not None:
            touched.add(match["signal_id"])
            changed.append(
                {
                    **match,
                    **evidence,
                    "status": "ongoing" if is_open else "resolved",
                    "resolved_month": episode["resolved_month"],
                    "as_of_month": as_of,
                    "last_evaluated_at": now,
                    "last_evaluated_run_id": run_id,
                }
            )
            continue
        indicator = config.indicators.get(episode["indicator"])
        inserted.append(
            {
                "signal_id": signal_id(*key, episode["opened_month"]),
                "signal_number": None,
                "program_id": episode["program_id"],
                "indicator": episode["indicator"],
                "indicator_label": indicator.label if indicator else episode["indicator"],
                "severe": bool(indicator and indicator.severe),
                "method": episode["method"],
                "opened_month": episode["opened_month"],
                "status": "new" if is_open else "resolved",
                "resolved_month": episode["resolved_month"],
                "announce": is_open,
                **{c: episode[c] for c in _OPENING},
                "as_of_month": as_of,
                **evidence,
                "first_recorded_at": now,
                "first_recorded_run_id": run_id,
                "last_evaluated_at": now,
                "last_evaluated_run_id": run_id,
            }
        )
    for rows in by_key.values():
        for row in rows:
            if row["signal_id"] in touched or row["status"] not in OPEN:
                continue
            # No longer computed at all (the data that raised it were corrected away).
            changed.append(
                {
                    **row,
                    "status": "resolved",
                    "resolved_month": as_of,
                    "as_of_month": as_of,
                    "last_evaluated_at": now,
                    "last_evaluated_run_id": run_id,
                }
            )
    for number, row in enumerate(inserted, start=next_number):
        row["signal_number"] = number
    return pl.DataFrame(changed + inserted, schema=REGISTER_SCHEMA)
