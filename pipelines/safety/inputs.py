"""Read what safety surveillance needs from the warehouse and turn it into units.

The queries live in `sql/queries/safety_*.sql`; this module runs them with the
configured parameters and hands the frames to the pure functions of `indicators` and
`expected`. Both the Dagster asset and the operating-characteristics harness
(benchmarks/safety_harness.py) call it, so the benchmark measures exactly what the
pipeline computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from pipelines.safety.config import SafetyConfig
from pipelines.safety.expected import assign_expected
from pipelines.safety.indicators import build_units, follow_up_triggers
from pipelines.safety.standards import apply_standards, process_standards
from pipelines.sql import read_sql

# The general severity covariate of non-scale indicators: the baseline PHQ-9 total.
SEVERITY_INSTRUMENT, SEVERITY_SCALE = "PHQ9", "total"
DISENGAGEMENT_INSTRUMENT, DISENGAGEMENT_SCALE = "PHQ9", "total"


@dataclass(frozen=True)
class SafetyInputs:
    programs: pl.DataFrame
    units: pl.DataFrame  # every indicator's units, with expected probabilities
    references: pl.DataFrame  # mart_safety_reference
    triggers: pl.DataFrame  # follow-up triggers with their contact times
    data_end: date | None
    standards: pl.DataFrame  # mart_safety_process_standards


def data_end(con: duckdb.DuckDBPyConnection) -> date | None:
    [(end,)] = con.execute(read_sql("queries/safety_data_end.sql")).fetchall()
    return end


def read_inputs(con: duckdb.DuckDBPyConnection, config: SafetyConfig) -> SafetyInputs:
    """Units of every configured indicator with their expected probabilities."""

    def query(name: str, **params: object) -> pl.DataFrame:
        return con.sql(read_sql(f"queries/{name}.sql"), params=params or None).pl()

    end = data_end(con)
    programs = query("safety_programs")
    episodes = query("safety_episodes", instrument=SEVERITY_INSTRUMENT, scale=SEVERITY_SCALE)
    raw_triggers = query(
        "safety_process_triggers",
        instrument=config.item9_instrument,
        item_number=config.item9_number,
        item_minimum=int(config.item9_minimum.value),
        contact_types=list(config.contact_event_types),
    ).filter(pl.col("trigger_type").is_in(list(config.triggers)))
    triggers = follow_up_triggers(
        raw_triggers,
        episodes,
        int(config.standard_business_days.value),
        end or date.min,
    )
    units = build_units(
        config,
        episodes=episodes,
        deterioration=query("safety_deterioration_units", timepoint=config.deterioration_timepoint),
        item9=query(
            "safety_item9_units",
            instrument=config.item9_instrument,
            scale=SEVERITY_SCALE,
            item_number=config.item9_number,
            timepoint=config.deterioration_timepoint,
        ),
        adverse_events=query("safety_adverse_events"),
        disengagement=query(
            "safety_disengagement_units",
            instrument=DISENGAGEMENT_INSTRUMENT,
            scale=DISENGAGEMENT_SCALE,
            definition=config.deterioration_definition,
        ),
        triggers=triggers,
    )
    with_expected, references = assign_expected(units, programs, config)
    standards = process_standards(programs, config)
    return SafetyInputs(
        programs, apply_standards(with_expected, standards), references, triggers, end, standards
    )
