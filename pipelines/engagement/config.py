"""Engagement reporting policy from config/engagement.yaml, as reference-table rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import polars as pl
import yaml

from pipelines.paths import resource_dir


@dataclass(frozen=True)
class DoseBand:
    min_share: float
    label: str


@dataclass(frozen=True)
class EngagementConfig:
    waiting_time_standards: pl.DataFrame
    dose_bands: tuple[DoseBand, ...]
    dose_source: str
    first_week: int
    last_week_after_planned_end: int


@cache
def load_engagement_config() -> EngagementConfig:
    raw = yaml.safe_load((resource_dir("config") / "engagement.yaml").read_text())
    standards = pl.DataFrame(
        [
            {
                "standard": s["name"],
                "days": int(s["days"]),
                "target_share": float(s["target_share"]),
                "source": f"{s['source']} [{s['evidence']}]",
            }
            for s in raw["waiting_time_standards"]
        ]
    )
    bands = tuple(DoseBand(float(b["min"]), str(b["label"])) for b in raw["dose_bands"]["bands"])
    if [b.min_share for b in bands] != sorted({b.min_share for b in bands}) or bands[0].min_share:
        raise ValueError("config/engagement.yaml: dose bands must start at 0 and increase")
    trajectories = raw["trajectories"]
    return EngagementConfig(
        waiting_time_standards=standards,
        dose_bands=bands,
        dose_source=f"{raw['dose_bands']['source']} [{raw['dose_bands']['evidence']}]",
        first_week=int(trajectories["first_week"]),
        last_week_after_planned_end=int(trajectories["last_week_after_planned_end"]),
    )


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
