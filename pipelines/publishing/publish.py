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


def publish_copy(build_database: Path, published_database: Path) -> int:
    """Atomically replace the published database with a copy of the build; returns bytes."""
    published_database.parent.mkdir(parents=True, exist_ok=True)
    staging = published_database.with_name(f".{published_database.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_database, staging)
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
