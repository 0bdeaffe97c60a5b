"""Typed view of `config/ingestion.yaml`: the thresholds the ingestion code applies."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from pipelines.paths import resource_dir

SETTLE_ENV = "ICBT_SETTLE_SECONDS"


@dataclass(frozen=True)
class IngestionRules:
    earliest_plausible_date: date
    quarantine_rate_warn: float
    sensor_interval_seconds: int
    sensor_settle_seconds: int


@cache
def load_rules(path: Path | None = None) -> IngestionRules:
    raw = yaml.safe_load((path or resource_dir("config") / "ingestion.yaml").read_text())
    rate = float(raw["quarantine_rate_warn"]["value"])
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"quarantine_rate_warn must be a share between 0 and 1, not {rate}")
    earliest = raw["earliest_plausible_date"]["value"]
    return IngestionRules(
        earliest_plausible_date=earliest
        if isinstance(earliest, date)
        else date.fromisoformat(earliest),
        quarantine_rate_warn=rate,
        sensor_interval_seconds=int(raw["sensor"]["minimum_interval_seconds"]["value"]),
        sensor_settle_seconds=int(raw["sensor"]["settle_seconds"]["value"]),
    )


def settle_seconds() -> float:
    """How long a landing file must have been quiet before any path (run, validate,
    sensor) reads it: `ICBT_SETTLE_SECONDS` if set (0 for a landing zone whose senders
    always write under a temporary name and rename), else config/ingestion.yaml."""
    configured = os.environ.get(SETTLE_ENV)
    return float(configured) if configured else float(load_rules().sensor_settle_seconds)
