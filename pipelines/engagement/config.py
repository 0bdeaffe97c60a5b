"""Engagement reporting policy from config/engagement.yaml, as reference-table rows."""

from __future__ import annotations

from functools import cache

import polars as pl
from pydantic import Field, field_validator

from pipelines.config_models import Cited, ConfigModel, config_path, load_config


class WaitingTimeStandard(Cited):
    """Share of patients who should start treatment within `days` of referral."""

    name: str
    days: int = Field(gt=0)
    target_share: float = Field(gt=0, le=1)


class DoseBand(ConfigModel):
    min_share: float = Field(alias="min", ge=0, lt=1)
    label: str


class DoseBands(Cited):
    bands: tuple[DoseBand, ...]

    @field_validator("bands")
    @classmethod
    def _start_at_zero_and_increase(cls, bands: tuple[DoseBand, ...]) -> tuple[DoseBand, ...]:
        shares = [band.min_share for band in bands]
        if not shares or shares[0] != 0 or shares != sorted(set(shares)):
            raise ValueError("dose bands must start at 0 and increase")
        return bands


class Trajectories(Cited):
    """Weeks from the episode start shown in score trajectories."""

    first_week: int
    last_week_after_planned_end: int


class EngagementConfig(ConfigModel):
    """config/engagement.yaml."""

    standards: tuple[WaitingTimeStandard, ...] = Field(alias="waiting_time_standards")
    dose_policy: DoseBands = Field(alias="dose_bands")
    trajectories: Trajectories

    @property
    def waiting_time_standards(self) -> pl.DataFrame:
        """ref_waiting_time_standards: one row per standard, with its citation."""
        return pl.DataFrame(
            [
                {
                    "standard": s.name,
                    "days": s.days,
                    "target_share": s.target_share,
                    "source": s.cite(),
                }
                for s in self.standards
            ]
        )

    @property
    def dose_bands(self) -> tuple[DoseBand, ...]:
        return self.dose_policy.bands

    @property
    def dose_source(self) -> str:
        return self.dose_policy.cite()

    @property
    def first_week(self) -> int:
        return self.trajectories.first_week

    @property
    def last_week_after_planned_end(self) -> int:
        return self.trajectories.last_week_after_planned_end


@cache
def load_engagement_config() -> EngagementConfig:
    return load_config(EngagementConfig, config_path("engagement.yaml"))


def dose_bands_frame(config: EngagementConfig) -> pl.DataFrame:
    upper = [b.min_share for b in config.dose_bands[1:]] + [None]
    return pl.DataFrame(
        {
            "dose_band": [b.label for b in config.dose_bands],
            "min_share": [b.min_share for b in config.dose_bands],
            "below_share": upper,
            "band_order": list(range(1, len(config.dose_bands) + 1)),
            "source": [config.dose_source] * len(config.dose_bands),
        },
        schema_overrides={"below_share": pl.Float64},
    )
