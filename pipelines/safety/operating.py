"""Operating characteristics of the surveillance on generated data, over many seeds.

How fast is a real problem found, and how often does the surveillance cry wolf? Each
seed generates demo landing files, builds the warehouse and runs the same safety code
the pipeline runs (inputs.read_inputs, surveillance.survey). Three worlds:

- planted: the generator's safety plant (one program's PHQ-9 deterioration rises from
  a given month); the detection delay is the number of months of planted data up to and
  including the month the signal opened (1 = in the plant's first month);
- clean: the same demo world without the plant (iCBT programs differ from in-person CBT
  as the generator makes them);
- null: no plant, no case-mix drift, every program's deterioration risk and effects
  equal to in-person CBT's, so on the indicators the generator holds equal by
  construction (NULL_INDICATORS) every signal is a false alarm.

The warehouse is built without the ingestion step, which is what makes a full run slow
(validation, keyed hashing and the ledger, file by file): the landing files are read as
their contract types into the raw tables, and everything after that is the real
pipeline (the staging and intermediate SQL models, the scoring and outcome assets).
Identifiers are plain hashes of the source keys, acceptable for synthetic data in a
temporary file only. tests/pipelines/safety checks that this gives the same safety
units as a real Dagster run.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import LATEST_VERSION, TABLES, load_contract
from pipelines.demo.archetypes import ARCHETYPES
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.ingestion.manifest import batch_version
from pipelines.outcomes.assets import episode_outcomes, write_prom_scores
from pipelines.reference.assets import REFERENCE_BUILDERS
from pipelines.resources import Warehouse
from pipelines.safety.config import SafetyConfig
from pipelines.safety.inputs import SafetyInputs, read_inputs
from pipelines.safety.surveillance import Surveillance, survey
from pipelines.sql import model, run_sql, write_frame

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
STAGING = (
    "staging_programs",
    "staging_episodes",
    "staging_prom_responses",
    "staging_engagement_events",
    "staging_adverse_events",
)
_POLARS = {
    "string": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
    "datetime": pl.Datetime("us"),
}


def _read(paths: list[str], suffix: str) -> list[pl.DataFrame]:
    """Landing files of one table and format, each row with its file in `path`.

    CSV files are scanned together as text when they share a header; Parquet and JSON
    Lines files are read one by one, because a column that is empty in one file is typed
    Null there. A v1 and a v2 episodes file have different headers, so they are scanned
    as separate groups.
    """
    if suffix == ".csv":
        by_header: dict[str, list[str]] = {}
        for path in paths:
            with open(path, encoding="utf-8") as handle:
                by_header.setdefault(handle.readline(), []).append(path)
        return [
            pl.scan_csv(group, infer_schema=False, include_file_paths="path").collect()
            for group in by_header.values()
        ]
    read = pl.read_parquet if suffix == ".parquet" else pl.read_ndjson
    return [read(path).with_columns(path=pl.lit(path)) for path in paths]


def _column(frame: pl.DataFrame, name: str, kind: str) -> pl.Expr:
    column, dtype = pl.col(name), frame.schema[name]
    if kind == "datetime":
        if isinstance(dtype, pl.Datetime):
            return (
                column.dt.convert_time_zone("UTC")
                .dt.replace_time_zone(None)
                .cast(pl.Datetime("us"))
            )
        text = column.cast(pl.String)
        return text.str.to_datetime(time_zone="UTC").dt.replace_time_zone(None)
    if kind == "boolean":
        text = column.cast(pl.String).str.to_lowercase()
        return text.replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean)
    if kind == "date":
        return column.cast(pl.String).str.to_date()
    return column.cast(pl.String).cast(_POLARS[kind])


def _typed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Every field of the latest contract version; those a v1 file lacks are NULL, as the
    loader stores them."""
    contract = load_contract(LATEST_VERSION)[table]
    return frame.select(
        *[
            _column(frame, f.name, f.type).alias(f.name)
            if f.name in frame.columns
            else pl.lit(None, _POLARS[f.type]).alias(f.name)
            for f in contract.fields
        ],
        "path",
    )


def _hashed(key: str, program: pl.Expr) -> pl.Expr:
    return pl.concat_str(program, pl.lit("\x1f"), pl.col(key)).hash(11).reinterpret(signed=True)


def load_raw(landing: Path, con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table from every landing file, as the loader would shape it."""
    files = sorted(landing.glob("*/*/*.*"))
    ledger = {str(path): i for i, path in enumerate(files, start=1)}
    versions = {str(path): batch_version(path.parent).version or "unknown" for path in files}
    for table in TABLES:
        frames = []
        for suffix in (".csv", ".parquet", ".jsonl"):
            paths = [str(p) for p in files if p.stem == table and p.suffix == suffix]
            if not paths:
                continue
            parts = pl.col("path").str.split("/")
            frames.extend(
                _typed(frame, table).with_columns(
                    program=parts.list.get(-3),
                    batch_id=parts.list.get(-2),
                    ledger_id=pl.col("path").replace_strict(ledger, return_dtype=pl.Int64),
                    contract_version=pl.col("path").replace_strict(versions),
                    source_row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("path"),
                )
                for frame in _read(paths, suffix)
            )
        frame = pl.concat(frames, how="diagonal_relaxed")
        if "episode_key" in frame.columns:
            frame = frame.with_columns(
                episode_id=_hashed("episode_key", pl.col("program")),
                program_id=pl.col("program"),
            ).drop("episode_key")
        if "patient_key" in frame.columns:
            frame = frame.with_columns(patient_id=_hashed("patient_key", pl.col("program"))).drop(
                "patient_key"
            )
        con.from_arrow(frame.drop("program", "path").to_arrow()).create(f"raw_{table}")


def build_without_ingestion(landing: Path, database: Path) -> Warehouse:
    """The warehouse up to the tables safety surveillance reads."""
    warehouse = Warehouse(database=str(database), memory_limit="2GB")
    with warehouse.connect() as con:
        load_raw(landing, con)
        for name in STAGING:
            run_sql(con, model("staging", name).sql)
        for name, builder in REFERENCE_BUILDERS.items():
            write_frame(con, model("reference", name), builder())
    with warehouse.connect() as con:
        write_prom_scores(con)
        run_sql(con, model("intermediate", "int_episode_timepoints").sql)
    list(episode_outcomes(warehouse=warehouse))
    return warehouse


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
