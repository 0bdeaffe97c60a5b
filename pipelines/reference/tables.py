"""Reference tables: instrument structure and scoring policy as rows researchers can join."""

from __future__ import annotations

import polars as pl

from pipelines.contract import InstrumentSpec
from pipelines.scoring.config import ScoringConfig


def instrument_items(instruments: dict[str, InstrumentSpec]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "instrument": spec.code,
                "instrument_title": spec.title,
                "item_number": number,
                "item_label": label,
                "item_min": spec.item_min,
                "item_max": spec.item_max,
                "source": spec.source,
            }
            for spec in instruments.values()
            for number, label in enumerate(spec.item_labels, start=1)
        ]
    )


def scale_items(instruments: dict[str, InstrumentSpec]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"instrument": spec.code, "scale": scale, "item_number": item}
            for spec in instruments.values()
            for scale, items in spec.subscales.items()
            for item in items
        ]
    )


def scale_rules(config: ScoringConfig) -> pl.DataFrame:
    """Scoring and change policy per scale, with the source of each number."""

    def value(sourced):
        return None if sourced is None else sourced.value

    def source(sourced):
        return None if sourced is None else f"{sourced.source} [{sourced.evidence}]"

    rows = []
    for s in config.scales():
        rc = s.reliable_change
        rows.append(
            {
                "instrument": s.instrument,
                "scale": s.name,
                "outcome_label": s.label,
                "scoring_method": s.scoring.method,
                "score_min": s.scoring.min,
                "score_max": s.scoring.max,
                "higher_is_better": s.scoring.higher_is_better,
                "is_change_outcome": s.change_outcome,
                "items_expected": s.n_items,
                "max_missing_items": s.missing.max_missing,
                "caseness_min": value(s.caseness_min),
                "mcid_points": value(s.mcid_points),
                "mcid_percent": value(s.mcid_percent),
                "reliability": None if rc is None else rc.reliability.value,
                "sd_method": None if rc is None else rc.sd_method,
                "scoring_source": f"{s.scoring.source} [{s.scoring.evidence}]",
                "missing_rule_source": f"{s.missing.source} [{s.missing.evidence}]",
                "caseness_source": source(s.caseness_min),
                "mcid_source": source(s.mcid_points) or source(s.mcid_percent),
                "reliability_source": None if rc is None else source(rc.reliability),
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None)


def timepoint_windows(config: ScoringConfig) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "timepoint": w.name,
                "anchor": w.anchor,
                "from_days": w.from_days,
                "to_days": w.to_days,
                "target_days": w.target_days,
                "source": f"{w.source} [{w.evidence}]",
            }
            for w in config.timepoints.values()
        ]
    )
