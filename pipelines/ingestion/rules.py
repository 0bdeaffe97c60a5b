"""Typed view of `config/ingestion.yaml`: the thresholds the ingestion code applies."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from pipelines.config_models import ConfigModel, Noted, config_path, load_config
from pipelines.settings import Environment


class SensorRules(ConfigModel):
    minimum_interval_seconds: Noted[int]
    settle_seconds: Noted[int]


class IngestionRules(ConfigModel):
    """config/ingestion.yaml."""

    schema_version: Literal[1]
    earliest_plausible: Noted[date] = Field(alias="earliest_plausible_date")
    quarantine_rate: Noted[float] = Field(alias="quarantine_rate_warn")
    sensor: SensorRules

    @property
    def earliest_plausible_date(self) -> date:
        return self.earliest_plausible.value

    @property
    def quarantine_rate_warn(self) -> float:
        """A share: the asset check warns above it."""
        return self.quarantine_rate.value

    @property
    def sensor_interval_seconds(self) -> int:
        return self.sensor.minimum_interval_seconds.value

    @property
    def sensor_settle_seconds(self) -> int:
        return self.sensor.settle_seconds.value


@cache
def load_rules(path: Path | None = None) -> IngestionRules:
    rules = load_config(IngestionRules, path or config_path("ingestion.yaml"))
    if not 0.0 <= rules.quarantine_rate_warn <= 1.0:
        raise ValueError(
            "config/ingestion.yaml: quarantine_rate_warn must be a share between 0 and 1, "
            f"not {rules.quarantine_rate_warn}"
        )
    return rules


def settle_seconds() -> float:
    """How long a landing file must have been quiet before any path (run, validate,
    sensor) reads it: `ICBT_SETTLE_SECONDS` if set (0 for a landing zone whose senders
    always write under a temporary name and rename), else config/ingestion.yaml."""
    configured = Environment.read().settle_seconds
    return configured if configured is not None else float(load_rules().sensor_settle_seconds)
