"""A warehouse built from generated landing files without the ingestion step.

The multi-seed recovery tests need many seeds, and ingestion (validation, keyed hashing,
ledger) is what makes a full run slow. Here the landing files are read as their
contract types and loaded as raw tables; everything after that is the real pipeline:
the staging and intermediate SQL models, and the scoring and outcome assets invoked
directly. Identifiers are plain hashes of the source keys: fine for synthetic data in a
temporary file, never for real data.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import LATEST_VERSION, load_contract
from pipelines.ingestion.manifest import batch_version
from pipelines.outcomes.assets import episode_outcomes, write_prom_scores
from pipelines.reference.assets import REFERENCE_BUILDERS
from pipelines.resources import Warehouse
from pipelines.sql import model, run_sql, write_frame

TABLES = ("programs", "episodes", "prom_responses")
_POLARS = {
    "string": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
}
CREATE_RAW = {
    "programs": "CREATE OR REPLACE TABLE raw_programs AS SELECT * FROM landing_frame",
    "episodes": "CREATE OR REPLACE TABLE raw_episodes AS SELECT * FROM landing_frame",
    "prom_responses": "CREATE OR REPLACE TABLE raw_prom_responses AS SELECT * FROM landing_frame",
}


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".csv":
        return pl.read_csv(path, infer_schema=False)
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_ndjson(path, infer_schema_length=None)


def _typed(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Every field of the latest contract version (NULL where a v1 file lacks it)."""
    contract = load_contract(LATEST_VERSION)[table]
    columns = []
    for name in contract.columns:
        kind = _POLARS[contract.field(name).type]
        if name not in frame.columns:
            columns.append(pl.lit(None, kind).alias(name))
            continue
        column = pl.col(name)
        if kind is pl.Boolean:
            column = (
                column.cast(pl.String)
                .str.to_lowercase()
                .replace_strict(
                    {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
                )
            )
        elif kind is pl.Date:
            column = column.cast(pl.String).str.to_date()
        else:
            column = column.cast(pl.String).cast(kind)
        columns.append(column.alias(name))
    return frame.select(columns)


def _hashed(key: pl.Expr, program: pl.Expr) -> pl.Expr:
    return pl.concat_str(program, pl.lit("|"), key).hash(7).reinterpret(signed=True)


def load_raw(landing: Path, con: duckdb.DuckDBPyConnection) -> None:
    """raw_programs, raw_episodes and raw_prom_responses from every landing file."""
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    for ledger_id, path in enumerate(sorted(landing.glob("*/*/*.*")), start=1):
        if path.stem not in parts:
            continue
        program, batch = path.parent.parent.name, path.parent.name
        frame = _typed(_read(path), path.stem).with_columns(
            batch_id=pl.lit(batch),
            ledger_id=pl.lit(ledger_id),
            contract_version=pl.lit(batch_version(path.parent).version),
        )
        if path.stem == "episodes":
            frame = frame.with_columns(
                episode_id=_hashed(pl.col("episode_key"), pl.col("program_id")),
                patient_id=_hashed(pl.col("patient_key"), pl.col("program_id")),
            ).drop("episode_key", "patient_key")
        if path.stem == "prom_responses":
            frame = frame.with_columns(
                program_id=pl.lit(program),
                episode_id=_hashed(pl.col("episode_key"), pl.lit(program)),
            ).drop("episode_key")
        parts[path.stem].append(frame)
    for table, frames in parts.items():
        con.register("landing_frame", pl.concat(frames, how="diagonal_relaxed").to_arrow())
        con.execute(CREATE_RAW[table])
        con.unregister("landing_frame")


def build(landing: Path, database: Path) -> Warehouse:
    """The warehouse up to int_effectiveness_episodes, from the landing zone."""
    warehouse = Warehouse(database=str(database), memory_limit="2GB")
    with warehouse.connect() as con:
        load_raw(landing, con)
        for name in ("staging_programs", "staging_episodes", "staging_prom_responses"):
            run_sql(con, model("staging", name).sql)
        for name, builder in REFERENCE_BUILDERS.items():
            write_frame(con, model("reference", name), builder())
    with warehouse.connect() as con:
        write_prom_scores(con)
        run_sql(con, model("intermediate", "int_episode_timepoints").sql)
    list(episode_outcomes(warehouse=warehouse))
    with warehouse.connect() as con:
        run_sql(con, model("intermediate", "int_effectiveness_episodes").sql)
    return warehouse
