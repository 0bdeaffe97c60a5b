"""The lake: row-level tables as Parquet, one folder per program, written by partition runs.

Layout: `<lake>/<table>/program_id=<P>/[batch_id=<B>/]<name>.parquet`. Raw rows and
their quarantine are kept per delivery batch, so a corrected re-delivery replaces
exactly its own file; staging and per-program intermediate tables are one file per
program. Partition runs of different programs write disjoint folders and so never
contend; every file is written under a temporary name ending in `.partial` (never read)
and renamed into place, so a killed run leaves the previous file or the new one, never
half of one. National steps read the lake through temporary views in their own DuckDB
connection (`register_views`); the published warehouse copies the rows in, so readers
get one self-contained, consistent snapshot.

Every read goes through `Lake.read`, which matches files' columns by name to the table's
current columns: a file written by an earlier version, before a column was added (the
contract v2 fields of raw_episodes), still loads, the missing column taking the default
its DDL declares for such rows (raw_episodes.contract_version: v1) or NULL.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.sql import model, read_sql, run_sql, write_frame

INGEST_TABLES = (
    "raw_programs",
    "raw_episodes",
    "raw_prom_responses",
    "raw_engagement_events",
    "raw_adverse_events",
    "raw_patient_experience",
    "ingest_load_ledger",
    "ingest_quarantine",
    "ingest_file_fingerprints",
)
"""Tables the ingestion partitions write (`sql/ingestion/create_*.sql` define them)."""

PROGRAM_MODELS = (
    "staging_programs",
    "staging_episodes",
    "staging_prom_responses",
    "staging_engagement_events",
    "staging_adverse_events",
    "staging_patient_experience",
    "int_prom_scores",
    "int_episode_timepoints",
    "int_episode_engagement",
    "int_reporting_units",
)
"""SQL models computed per program partition, in dependency order. Every other model
needs more than one program (national statistics, such as a scale's baseline SD)."""

LAKE_TABLES = (*INGEST_TABLES, *PROGRAM_MODELS)
PARTIAL_SUFFIX = ".partial"
_INGEST_DDL = ("ingestion/create_ingest_tables.sql", "ingestion/create_file_fingerprints.sql")


def model_layer(table: str) -> str:
    return "staging" if table.startswith("staging_") else "intermediate"


def documentation_sql(table: str) -> str:
    """The `COMMENT ON` statements that document a lake table, from its SQL file."""
    sources = _INGEST_DDL if table in INGEST_TABLES else (f"{model_layer(table)}/{table}.sql",)
    con = duckdb.connect()
    try:
        statements = [
            s.query.strip()
            for source in sources
            for s in con.extract_statements(read_sql(source))
            if s.query.lstrip().upper().startswith(f"COMMENT ON TABLE {table.upper()} ")
            or s.query.lstrip().upper().startswith(f"COMMENT ON COLUMN {table.upper()}.")
        ]
    finally:
        con.close()
    return "\n".join(s if s.endswith(";") else f"{s};" for s in statements)


@cache
def lake_defaults() -> dict[str, dict[str, str]]:
    """Per ingest table, the columns whose DDL declares a default, as SQL expressions:
    the value a row written before the column existed is read with."""
    con = duckdb.connect()
    try:
        for source in _INGEST_DDL:
            run_sql(con, read_sql(source))
        defaults: dict[str, dict[str, str]] = {}
        for table, column, default in run_sql(con, read_sql("lake/column_defaults.sql")).fetchall():
            defaults.setdefault(table, {})[column] = default
        return defaults
    finally:
        con.close()


@cache
def lake_schemas() -> dict[str, pa.Schema]:
    """Arrow schema of every lake table, from running its SQL on empty inputs.

    Lets a reader see an empty, correctly typed table where no partition has written
    files yet, and keeps the SQL files the one definition of every column's type.
    """

    con = duckdb.connect()
    try:
        for source in _INGEST_DDL:
            run_sql(con, read_sql(source))
        register_reference_tables(con)
        for name in PROGRAM_MODELS:
            run_program_model(con, name)
        return {name: con.table(name).to_arrow_table().schema for name in LAKE_TABLES}
    finally:
        con.close()


def run_program_model(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Create one per-program model's table in `con` from the tables it reads there."""
    from pipelines.outcomes.assets import write_prom_scores

    sql_model = model(model_layer(name), name)
    if sql_model.is_frame_fed:
        write_prom_scores(con)
    else:
        run_sql(con, sql_model.sql)


@cache
def _reference_frames() -> dict[str, pl.DataFrame]:
    from pipelines.reference.assets import REFERENCE_BUILDERS

    return {name: build() for name, build in REFERENCE_BUILDERS.items()}


def register_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Reference tables built from the contract and config, for a partition's connection
    (built once per process: every partition step of a worker reuses them)."""
    for name, frame in _reference_frames().items():
        write_frame(con, model("reference", name), frame)


@dataclass(frozen=True)
class Lake:
    root: Path
    memory_limit: str = "2GB"
    """DuckDB's limit for each partition connection (one per worker process)."""
    threads: int = 2

    def folder(self, table: str, program_id: str, batch_id: str | None = None) -> Path:
        folder = self.root / table / f"program_id={program_id}"
        return folder / f"batch_id={batch_id}" if batch_id else folder

    def path(self, table: str, program_id: str, batch_id: str | None = None, name: str = "data"):
        return self.folder(table, program_id, batch_id) / f"{name}.parquet"

    def files(self, table: str, program_id: str | None = None) -> list[str]:
        base = self.root / table
        if program_id is not None:
            base = base / f"program_id={program_id}"
        return sorted(str(p) for p in base.rglob("*.parquet")) if base.is_dir() else []

    def write(self, relation: duckdb.DuckDBPyRelation, target: Path) -> None:
        """Write a relation to `target` atomically."""
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")
        try:
            relation.write_parquet(str(partial), compression="zstd")
            with partial.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def remove_partials(self, program_id: str) -> int:
        """Delete temporary files a killed run of this program left; returns how many."""
        removed = 0
        for table_dir in self.root.glob(f"*/program_id={program_id}"):
            for partial in table_dir.rglob(f"*{PARTIAL_SUFFIX}"):
                partial.unlink(missing_ok=True)
                removed += 1
        return removed

    @contextmanager
    def program_lock(self, program_id: str) -> Iterator[None]:
        """Exclusive right to write one program's folders; a second run fails at once."""
        locks = self.root / "_locks"
        locks.mkdir(parents=True, exist_ok=True)
        with (locks / f"{program_id}.lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise ProgramBusyError(
                    f"Another run is writing program {program_id}'s partitions; "
                    "wait for it to finish, then run again."
                ) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A private in-memory DuckDB for one partition's work, within the memory budget."""
        spill = self.root / "_spill"
        spill.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(
            config={
                "preserve_insertion_order": False,
                "memory_limit": self.memory_limit,
                "threads": self.threads,
                "temp_directory": str(spill),
            }
        )

    def read(
        self, con: duckdb.DuckDBPyConnection, table: str, program_id: str | None = None
    ) -> duckdb.DuckDBPyRelation:
        """A lake table's rows with its current columns, in order, whichever version wrote
        each file: columns are matched by name, and one a file lacks is read as its DDL
        default (`lake_defaults`) or NULL. With no file yet, an empty, typed table."""
        empty = con.from_arrow(lake_schemas()[table].empty_table())
        files = self.files(table, program_id)
        if not files:
            return empty
        relation = con.read_parquet(files, hive_partitioning=False, union_by_name=True)
        present = set(relation.columns)
        defaults = lake_defaults().get(table, {})
        columns = []
        for name, column_type in zip(empty.columns, empty.types, strict=True):
            default = defaults.get(name)
            if default is None:
                value = duckdb.ColumnExpression(name) if name in present else None
            elif name in present:
                value = duckdb.CoalesceOperator(
                    duckdb.ColumnExpression(name), duckdb.SQLExpression(default)
                )
            else:
                value = duckdb.SQLExpression(default)
            value = duckdb.ConstantExpression(None) if value is None else value
            columns.append(value.cast(column_type).alias(name))
        return relation.select(*columns)

    def register_views(
        self,
        con: duckdb.DuckDBPyConnection,
        tables: Iterable[str] = LAKE_TABLES,
        program_id: str | None = None,
    ) -> None:
        """Temporary views named after lake tables, over their files (or empty, typed)."""
        for table in tables:
            con.register(table, self.read(con, table, program_id))

    @contextmanager
    def program_connection(
        self, program_id: str, tables: Iterable[str]
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB with some of one program's lake tables, and the reference
        tables. Name only a step's inputs: a view would hide the table the step creates."""
        con = self.connect()
        try:
            self.register_views(con, [t for t in tables if t in LAKE_TABLES], program_id)
            register_reference_tables(con)
            yield con
        finally:
            con.close()


class ProgramBusyError(RuntimeError):
    """Two runs tried to write the same program's partitions at once."""
