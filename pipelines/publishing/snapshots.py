"""Named, retained snapshots of the published warehouse, for citing and reopening.

Every successful publication is kept read-only under
`<data>/warehouse/snapshots/<id>/observatory.duckdb`, where the id is the UTC date of the
publication and its sequence number that day (`2026-12-07.1`, `2026-12-07.2`, ...). The
id is also written inside the database (`meta_publication.snapshot_id`), so whoever holds
a copy can tell which snapshot it is. A snapshot's folder also holds what was made from
it (the evidence brief), so a document and its data stay together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import total_ordering
from pathlib import Path

import duckdb
from pydantic import Field

from pipelines.config_models import ConfigModel, config_path, load_config
from pipelines.settings import Settings
from pipelines.sql import read_sql

SNAPSHOTS_FOLDER = "snapshots"
DATABASE_FILE = "observatory.duckdb"
_ID = re.compile(r"(\d{4}-\d{2}-\d{2})\.([1-9]\d*)")


@total_ordering
@dataclass(frozen=True)
class SnapshotId:
    """`<UTC date>.<sequence>`: sortable, readable, and unique within one data directory."""

    day: date
    sequence: int

    @classmethod
    def parse(cls, text: str) -> SnapshotId:
        match = _ID.fullmatch(text)
        if match is None:
            raise ValueError(f"a snapshot id is written YYYY-MM-DD.N, got {text!r}")
        return cls(date.fromisoformat(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"{self.day.isoformat()}.{self.sequence}"

    def __lt__(self, other: SnapshotId) -> bool:
        return (self.day, self.sequence) < (other.day, other.sequence)


def snapshots_dir(published_database: Path) -> Path:
    """Snapshots live beside the published file, so ICBT_DATA_DIR moves them too."""
    return published_database.parent / SNAPSHOTS_FOLDER


def snapshot_ids(directory: Path) -> list[SnapshotId]:
    """Complete snapshots in `directory`, oldest first (unfinished `.tmp` folders skipped)."""
    if not directory.is_dir():
        return []
    found = []
    for child in directory.iterdir():
        if _ID.fullmatch(child.name) and (child / DATABASE_FILE).is_file():
            found.append(SnapshotId.parse(child.name))
    return sorted(found)


def next_snapshot_id(directory: Path, day: date) -> SnapshotId:
    """The id the next publication on `day` gets: one past the highest kept that day.

    Pruning deletes the oldest snapshots first and never the newest, so the highest
    sequence of a day is always still on disk and an id is never given out twice.
    """
    same_day = [s.sequence for s in snapshot_ids(directory) if s.day == day]
    return SnapshotId(day, max(same_day, default=0) + 1)


def snapshot_folder(directory: Path, snapshot_id: SnapshotId | str) -> Path:
    return directory / str(snapshot_id)


def snapshot_file(published_database: Path, snapshot_id: SnapshotId | str) -> Path:
    """The read-only file of a named snapshot of the warehouse published at that path."""
    parsed = SnapshotId.parse(str(snapshot_id))
    path = snapshot_folder(snapshots_dir(published_database), parsed) / DATABASE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"No snapshot {parsed} at {path} (list them: icbt snapshots)")
    return path


def snapshot_database(snapshot_id: SnapshotId | str, settings: Settings | None = None) -> Path:
    """The read-only file of a named snapshot, e.g. to reopen the data behind a report."""
    settings = settings or Settings.from_env()
    return snapshot_file(settings.published_database, snapshot_id)


class SnapshotPolicy(ConfigModel):
    # At least one: the newest snapshot is the published warehouse and is never deleted.
    retain: int = Field(ge=1)


class PublishingConfig(ConfigModel):
    """config/publishing.yaml."""

    snapshots: SnapshotPolicy


def load_retention() -> int:
    """How many snapshots to keep (config/publishing.yaml, `snapshots.retain`)."""
    return load_config(PublishingConfig, config_path("publishing.yaml")).snapshots.retain


@dataclass(frozen=True)
class SnapshotInfo:
    """What `icbt snapshots` lists: who made a snapshot, when, and how much it holds."""

    snapshot_id: str
    published_at: datetime
    run_id: str | None
    code_version: str | None
    table_rows: dict[str, int]

    @property
    def total_rows(self) -> int:
        return sum(self.table_rows.values())


def read_stamp(con: duckdb.DuckDBPyConnection) -> tuple[str, datetime, str | None, str | None]:
    """(snapshot id, published at, run id, code version) from `meta_publication`."""
    rows = con.execute(read_sql("publishing/snapshot_stamp.sql")).fetchall()
    if not rows:
        raise ValueError("meta_publication is empty: not a published snapshot")
    return rows[0]


def describe(database: Path) -> SnapshotInfo:
    """Read a snapshot's publication stamp and row count per table, opening it read-only."""
    with duckdb.connect(str(database), read_only=True) as con:
        stamp = read_stamp(con)
        tables = [
            row[0] for row in con.execute(read_sql("publishing/snapshot_tables.sql")).fetchall()
        ]
        rows = {name: len(con.table(name)) for name in tables}
    snapshot_id, published_at, run_id, code_version = stamp
    return SnapshotInfo(snapshot_id, published_at, run_id, code_version, rows)


def list_snapshots(directory: Path) -> list[SnapshotInfo]:
    """Every kept snapshot, newest first."""
    return [
        describe(snapshot_folder(directory, s) / DATABASE_FILE)
        for s in reversed(snapshot_ids(directory))
    ]
