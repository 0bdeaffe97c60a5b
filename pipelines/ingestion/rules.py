"""Typed view of `config/ingestion.yaml`: the thresholds the ingestion code applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

from pipelines.paths import resource_dir


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
