"""Which published snapshot the dashboard shows, for its footer line and its downloads.

Every publication has an id (`2026-12-07.1`) kept inside the file (`meta_publication`),
so the dashboard reads it from the snapshot it actually opened, never from a folder name.
"""

from __future__ import annotations

from typing import Protocol

import duckdb
import polars as pl

from dashboards.data import WarehouseUnavailableError

SNAPSHOT_COLUMN = "snapshot_id"


class Queryable(Protocol):
    """The warehouse, or one snapshot of it pinned for a request."""

    def query(self, name: str, /, **params: object) -> pl.DataFrame: ...


def current_snapshot_id(warehouse: Queryable) -> str | None:
    """The id of the published snapshot; None for a file published before ids existed."""
    try:
        frame = warehouse.query("snapshot_id")
    except (WarehouseUnavailableError, duckdb.BinderException):
        return None
    return frame[SNAPSHOT_COLUMN][0] if frame.height else None


def stamp_download(
    frame: pl.DataFrame, filename: str, snapshot_id: str | None
) -> tuple[pl.DataFrame, str]:
    """A CSV download that names its snapshot: a first `snapshot_id` column on every row
    and the id in the file name (`overview-headlines.csv` ->
    `overview-headlines_snapshot-2026-12-07.1.csv`). Unchanged without an id."""
    if snapshot_id is None:
        return frame, filename
    stem, dot, suffix = filename.rpartition(".")
    named = (
        f"{stem}_snapshot-{snapshot_id}.{suffix}" if dot else f"{filename}_snapshot-{snapshot_id}"
    )
    stamped = frame.select(pl.lit(snapshot_id, dtype=pl.String).alias(SNAPSHOT_COLUMN), pl.all())
    return stamped, named
