"""Operating characteristics of the surveillance on generated data, over many seeds.

How fast is a real problem found, and how often does the surveillance cry wolf? Each
seed generates demo landing files, builds the warehouse without the ingestion step
(benchmarks/without_ingestion.py) and runs the same safety code the pipeline runs
(inputs.read_inputs, surveillance.survey). Three worlds:

- planted: the generator's safety plant (one program's PHQ-9 deterioration rises from
  a given month); the detection delay is the number of months of planted data up to and
  including the month the signal opened (1 = in the plant's first month);
- clean: the same demo world without the plant (iCBT programs differ from in-person CBT
  as the generator makes them);
- null: no plant, no case-mix drift, every program's deterioration risk and effects
  equal to in-person CBT's, so on the indicators the generator holds equal by
  construction (NULL_INDICATORS) every signal is a false alarm.

Used by benchmarks/safety_operating_characteristics.py and its smaller version in
tests/pipelines/safety/test_operating_characteristics.py.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from benchmarks.without_ingestion import build_without_ingestion
from pipelines.demo.archetypes import ARCHETYPES
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.resources import Warehouse
from pipelines.safety.config import SafetyConfig
from pipelines.safety.inputs import SafetyInputs, read_inputs
from pipelines.safety.surveillance import Surveillance, survey

# Indicators on which the null world holds every program equal to in-person CBT given
# case mix: the deterioration risk and every program effect are the in-person ones, and
# item 9 follows the PHQ-9 total. The other indicators depend on engagement (how often a
# program measures, completes or contacts), which the generator keeps different.
NULL_INDICATORS = (
    "phq9_reliable_deterioration",
    "gad7_reliable_deterioration",
    "pain_interference_reliable_deterioration",
    "item9_new_or_worse",
)


def read_seed_inputs(warehouse: Warehouse, config: SafetyConfig) -> SafetyInputs:
    with warehouse.connect() as con:
        return read_inputs(con, config)


def survey_inputs(inputs: SafetyInputs, config: SafetyConfig) -> Surveillance:
    """Survey the configured indicators' units (the config may watch fewer indicators,
    or use other thresholds, than the one the units were read with)."""
    units = inputs.units.filter(pl.col("indicator").is_in(list(config.indicators)))
    return survey(units, inputs.data_end, config)


def null_world(config: GeneratorConfig) -> GeneratorConfig:
    """No plants, and every iCBT program as in-person CBT in deterioration and effect."""
    return replace(
        config,
        plant_safety_signal=False,
        plant_drift=False,
        deterioration_icbt=config.deterioration_in_person,
        effect_overrides={
            a.program_id: dict.fromkeys(a.outcomes, 0.0)
            for a in ARCHETYPES
            if a.delivery_mode != "in_person"
        },
    )


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


@dataclass(frozen=True)
class Detection:
    """When the planted program's signal opened, per method (None: not by the end)."""

    seed: int
    planted_months: int  # months of planted data in the window
    delay: dict[str, int | None]
    early_signals: int  # signals on the planted program and indicator before the plant


def detection(
    result: Surveillance,
    *,
    seed: int,
    program_id: str,
    indicator: str,
    from_month: date,
    end_month: date,
) -> Detection:
    own = result.episodes.filter(
        (pl.col("program_id") == program_id) & (pl.col("indicator") == indicator)
    )
    delay: dict[str, int | None] = {}
    for method in ("cusum", "funnel"):
        after = own.filter((pl.col("method") == method) & (pl.col("opened_month") >= from_month))
        first = after["opened_month"].min()
        delay[method] = None if first is None else months_between(from_month, first) + 1
    known = [d for d in delay.values() if d is not None]
    delay["either"] = min(known) if known else None
    early = own.filter(pl.col("opened_month") < from_month).height
    return Detection(seed, months_between(from_month, end_month) + 1, delay, early)


def signal_exposure(result: Surveillance) -> pl.DataFrame:
    """Per program and indicator: months monitored and signals opened, by method."""
    months = result.cusum.group_by("program_id", "indicator").agg(months=pl.len())
    signals = (
        result.episodes.group_by("program_id", "indicator", "method")
        .len()
        .pivot("method", index=["program_id", "indicator"], values="len")
    )
    for method in ("cusum", "funnel"):
        if method not in signals.columns:
            signals = signals.with_columns(pl.lit(0, dtype=pl.UInt32).alias(method))
    return (
        months.join(signals, on=["program_id", "indicator"], how="left")
        .select(
            "program_id",
            "indicator",
            pl.col("months").cast(pl.Int64),
            pl.col("cusum").fill_null(0).cast(pl.Int64),
            pl.col("funnel").fill_null(0).cast(pl.Int64),
        )
        .sort("indicator", "program_id")
    )


def simulate_seed(
    root: Path,
    generator: GeneratorConfig,
    config: SafetyConfig,
    programs: tuple[str, ...] | None = None,
) -> tuple[SafetyInputs, dict]:
    """Generate and build one seed in `root`; returns the safety inputs and the plant.

    `programs` keeps only those programs' landing files (e.g. the planted one and the
    in-person clinics): each program draws its own random numbers, so what is kept is
    exactly what the full demo would hold for them.
    """
    truth = generate(root / "landing", root / "truth.json", generator)
    if programs is not None:
        for folder in (root / "landing").iterdir():
            if folder.name not in programs:
                shutil.rmtree(folder)
    warehouse = build_without_ingestion(root / "landing", root / "build.duckdb")
    return read_seed_inputs(warehouse, config), truth.safety_plant
