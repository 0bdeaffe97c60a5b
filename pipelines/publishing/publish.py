"""Publish the build database to readers by atomic replacement.

DuckDB allows one read-write process or many read-only ones per file, never both. The
pipeline therefore writes only `build.duckdb`; after a successful run it checkpoints it,
copies it beside the published file under a temporary name, flushes it to disk and
renames it over `observatory.duckdb`. A rename is atomic on POSIX file systems: a new
reader opens either the old or the new snapshot, never a half-written one, and a reader
that holds the old file open (the dashboard, a researcher's `duckdb -readonly` session)
keeps reading its snapshot undisturbed and never blocks the run.
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.lake import LAKE_TABLES, Lake, documentation_sql, lake_schemas
from pipelines.sql import read_sql, run_sql


def record_publication(con: duckdb.DuckDBPyConnection, run_id: str | None) -> datetime:
    """Stamp the build with when and by which run it was published; returns the time."""
    published_at = datetime.now(UTC).replace(tzinfo=None)
    run_sql(
        con,
        read_sql("publishing/meta_publication.sql"),
        {"run_id": run_id, "published_at": published_at},
    )
    con.execute("CHECKPOINT")
    return published_at


def copy_in_lake(database: Path, lake: Lake, storage_version: str) -> None:
    """Make every lake table a documented table of `database`, as the lake is now.

    Readers get one self-contained file: a researcher's query never depends on where the
    pipeline keeps its partition files, and a snapshot never changes under them.
    """
    con = duckdb.connect(str(database), config={"storage_compatibility_version": storage_version})
    try:
        for table in LAKE_TABLES:
            files = lake.files(table)
            source = (
                con.read_parquet(files, hive_partitioning=False)
                if files
                else con.from_arrow(lake_schemas()[table].empty_table())
            )
            source.create(table)
            run_sql(con, documentation_sql(table))
        con.execute("CHECKPOINT")
    finally:
        con.close()


def publish_copy(
    build_database: Path,
    published_database: Path,
    lake: Lake | None = None,
    storage_version: str = "v1.5.0",
) -> int:
    """Atomically replace the published database with a copy of the build (and the lake's
    tables, when there is a lake); returns bytes."""
    published_database.parent.mkdir(parents=True, exist_ok=True)
    staging = published_database.with_name(f".{published_database.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_database, staging)
        if lake is not None:
            copy_in_lake(staging, lake, storage_version)
        with staging.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(staging, published_database)
    finally:
        staging.unlink(missing_ok=True)
    directory = os.open(published_database.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return published_database.stat().st_size
