"""A warehouse built from generated landing files without the ingestion step.

Multi-seed measurements (the safety operating characteristics, the effectiveness
recovery tests) need many warehouses, and ingestion (validation, keyed hashing and the
ledger, file by file) is what makes a full run slow. Here the landing files are read as
their contract types into the raw tables, and everything after that is the real
pipeline: the staging and intermediate SQL models, the scoring and outcome assets.
Identifiers are plain hashes of the source keys, acceptable for synthetic data in a
temporary file only; never for real data. The benchmark and the tests share this one
copy, and tests/pipelines/safety checks that it gives the same safety units as a real
Dagster run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from pipelines.contract import LATEST_VERSION, TABLES, load_contract
from pipelines.ingestion.loader import UNKNOWN_VERSION
from pipelines.ingestion.manifest import batch_version
from pipelines.outcomes.assets import episode_outcomes, write_prom_scores
from pipelines.reference.assets import REFERENCE_BUILDERS
from pipelines.resources import Warehouse
from pipelines.sql import model, run_sql, write_frame

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
    if suffix == ".parquet":
        return [pl.read_parquet(path).with_columns(path=pl.lit(path)) for path in paths]
    return [
        pl.read_ndjson(path, infer_schema_length=None).with_columns(path=pl.lit(path))
        for path in paths
    ]


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


def load_raw(landing: Path, con: duckdb.DuckDBPyConnection) -> tuple[str, ...]:
    """The raw table of every contract v1 table that has landing files, as the loader
    would shape it; returns the tables loaded."""
    files = sorted(landing.glob("*/*/*.*"))
    ledger = {str(path): i for i, path in enumerate(files, start=1)}
    versions = {str(path): batch_version(path.parent).version or UNKNOWN_VERSION for path in files}
    loaded = []
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
        if not frames:
            continue
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
        loaded.append(table)
    return tuple(loaded)


def build_without_ingestion(
    landing: Path, database: Path, *, then: tuple[str, ...] = ()
) -> Warehouse:
    """The warehouse up to the episode outcomes (what safety surveillance reads), then
    the intermediate models named in `then` (e.g. int_effectiveness_episodes)."""
    warehouse = Warehouse(database=str(database), memory_limit="2GB")
    with warehouse.connect() as con:
        for table in load_raw(landing, con):
            run_sql(con, model("staging", f"staging_{table}").sql)
        for name, builder in REFERENCE_BUILDERS.items():
            write_frame(con, model("reference", name), builder())
    with warehouse.connect() as con:
        write_prom_scores(con)
        run_sql(con, model("intermediate", "int_episode_timepoints").sql)
    list(episode_outcomes(warehouse=warehouse))
    with warehouse.connect() as con:
        for name in then:
            run_sql(con, model("intermediate", name).sql)
    return warehouse
