"""Publish the build database to readers by atomic replacement, and keep it as a snapshot.

DuckDB allows one read-write process or many read-only ones per file, never both. The
pipeline therefore writes only `build.duckdb`; after a successful run it stamps and
checkpoints it, copies it into a new snapshot folder under a temporary name, flushes it
to disk, makes it read-only and renames the folder to the snapshot's id. The snapshot's
file is then linked (copied on a file system without hard links) beside the published
file under a temporary name and renamed over `observatory.duckdb`. A rename is atomic on
POSIX file systems: a new reader opens either the old or the new snapshot, never a
half-written one, and a reader that holds the old file open (the dashboard, a
researcher's `duckdb -readonly` session) keeps reading its snapshot undisturbed and never
blocks the run.

`publish_build` is the whole step; its seams are `record_publication` (the stamp inside
the database), `keep_snapshot` (the retained, named copy), `publish_copy` (the atomic
replacement of the published path) and `prune_snapshots` (retention).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import duckdb

from pipelines.lake import LAKE_TABLES, Lake, documentation_sql
from pipelines.paths import PROJECT_ROOT
from pipelines.publishing.snapshots import (
    DATABASE_FILE,
    SnapshotId,
    next_snapshot_id,
    snapshot_folder,
    snapshot_ids,
    snapshots_dir,
)
from pipelines.sql import read_sql, run_sql

READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
PACKAGE = "icbt-observatory"


def code_version() -> str:
    """The git commit of the code (`-dirty` with uncommitted changes), else the package version.

    Cited in every snapshot and brief so a number can be traced to the code that made it.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{PACKAGE} {metadata.version(PACKAGE)}"
    return f"{commit}-dirty" if changes else commit


def record_publication(
    con: duckdb.DuckDBPyConnection,
    run_id: str | None,
    snapshot_id: SnapshotId | str,
    version: str,
    published_at: datetime,
) -> None:
    """Stamp the build with its snapshot id, when (UTC), by which run and which code."""
    run_sql(
        con,
        read_sql("publishing/meta_publication.sql"),
        {
            "snapshot_id": str(snapshot_id),
            "run_id": run_id,
            "published_at": published_at.astimezone(UTC).replace(tzinfo=None),
            "code_version": version,
        },
    )
    con.execute("CHECKPOINT")


def _fsync_directory(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _flush(target: Path) -> None:
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())


def _copy_durably(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    _flush(target)


def copy_in_lake(database: Path, lake: Lake, storage_version: str) -> None:
    """Make every lake table a documented table of `database`, as the lake is now.

    Readers get one self-contained file: a researcher's query never depends on where the
    pipeline keeps its partition files, and a snapshot never changes under them.
    """
    con = duckdb.connect(str(database), config={"storage_compatibility_version": storage_version})
    try:
        for table in LAKE_TABLES:
            lake.read(con, table).create(table)
            run_sql(con, documentation_sql(table))
        con.execute("CHECKPOINT")
    finally:
        con.close()


def publish_copy(source_database: Path, published_database: Path, *, link: bool = False) -> int:
    """Atomically replace the published database with `source_database`; returns bytes.

    `link=True` hard-links instead of copying, for an immutable source (a snapshot); it
    falls back to a copy where the file system refuses the link. Never link a file that
    will be written again, such as the build database.
    """
    published_database.parent.mkdir(parents=True, exist_ok=True)
    staging = published_database.with_name(f".{published_database.name}.{os.getpid()}.tmp")
    try:
        staging.unlink(missing_ok=True)
        try:
            if not link:
                raise OSError("copy requested")
            os.link(source_database, staging)
        except OSError:
            _copy_durably(source_database, staging)
        os.replace(staging, published_database)
    finally:
        staging.unlink(missing_ok=True)
    _fsync_directory(published_database.parent)
    return published_database.stat().st_size


def keep_snapshot(
    build_database: Path,
    directory: Path,
    snapshot_id: SnapshotId,
    lake: Lake | None = None,
    storage_version: str = "v1.5.0",
) -> Path:
    """Copy the stamped build, and the lake's tables when there is a lake, into
    `<directory>/<id>/`, read-only; returns the file.

    The folder appears under its id only when the copy is complete and flushed, so a
    listed snapshot is always whole.
    """
    final = snapshot_folder(directory, snapshot_id)
    if final.exists():
        raise FileExistsError(f"snapshot {snapshot_id} already exists at {final}")
    staging = directory / f".{snapshot_id}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        database = staging / DATABASE_FILE
        shutil.copyfile(build_database, database)
        if lake is not None:
            copy_in_lake(database, lake, storage_version)
        _flush(database)
        database.chmod(READ_ONLY)
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _fsync_directory(directory)
    return final / DATABASE_FILE


def remove_stale_temporaries(published_database: Path) -> list[Path]:
    """Delete the temporary copies a killed publication left (`.<name>.<pid>.tmp` beside
    the published file, `.<id>.<pid>.tmp/` among the snapshots); returns them.

    Only one run publishes at a time (the national writer's run queue allows one), so
    any such copy present when a publication starts belongs to a run that died.
    """
    removed: list[Path] = []
    if published_database.parent.is_dir():
        for stale in published_database.parent.glob(f".{published_database.name}.*.tmp"):
            stale.unlink(missing_ok=True)
            removed.append(stale)
    directory = snapshots_dir(published_database)
    if directory.is_dir():
        for stale in directory.glob(".*.tmp"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
            removed.append(stale)
    return removed


def prune_snapshots(directory: Path, retain: int) -> list[SnapshotId]:
    """Delete all but the newest `retain` snapshots (with their briefs); returns the deleted."""
    kept = snapshot_ids(directory)
    deleted = kept[: max(len(kept) - max(retain, 1), 0)]
    for snapshot_id in deleted:
        shutil.rmtree(snapshot_folder(directory, snapshot_id))
    return deleted


@dataclass(frozen=True)
class Publication:
    snapshot_id: SnapshotId
    published_at: datetime
    snapshot_database: Path
    bytes: int
    pruned: list[SnapshotId]


def publish_build(
    connect: Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]],
    build_database: Path,
    published_database: Path,
    run_id: str | None,
    retain: int,
    lake: Lake | None = None,
    storage_version: str = "v1.5.0",
    prepare: Callable[[Path], None] | None = None,
) -> Publication:
    """Stamp the finished build, keep it as the next snapshot, publish it, apply retention.

    `connect` opens the build database read-write (the pipeline's Warehouse resource);
    `lake`, when the row-level tables live there, is copied into the snapshot. If
    the published path cannot be replaced, the new snapshot is removed again, so the
    newest snapshot is always the one at the published path. `prepare` runs on the kept
    snapshot's database before it is published (the dashboard's disclosure plan).
    """
    remove_stale_temporaries(published_database)
    directory = snapshots_dir(published_database)
    published_at = datetime.now(UTC)
    snapshot_id = next_snapshot_id(directory, published_at.date())
    with connect() as con:
        record_publication(con, run_id, snapshot_id, code_version(), published_at)
    database = keep_snapshot(build_database, directory, snapshot_id, lake, storage_version)
    try:
        if prepare is not None:
            prepare(database)
        size = publish_copy(database, published_database, link=True)
    except BaseException:
        shutil.rmtree(database.parent, ignore_errors=True)
        raise
    pruned = prune_snapshots(directory, retain)
    return Publication(snapshot_id, published_at, database, size, pruned)
