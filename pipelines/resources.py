"""The pipeline's handles on storage: the lake of partition files and the national DuckDB.

Partition runs write the lake (`pipelines.lake`), one program's folders each, and never
open the national file. National steps open the national DuckDB file read-write, one at
a time (the `national_duckdb` pool), and see the lake tables they read as temporary
views of the same name, so their SQL reads `staging_episodes` whether it lives in the
file or the lake. A step gets views of its declared inputs only: binding a view reads
the footers of its Parquet files, and binding all of them on every connection cost a
third of a small national run (py-spy, 2026-12-07). Readers (dashboard, researchers,
tests) never use these resources; they open the published copy read-only. Memory and
threads are bounded here so a run cannot exhaust the machine: past `memory_limit` DuckDB
spills to `temp_directory` instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.ingestion.pseudonymise import load_key
from pipelines.lake import LAKE_TABLES, Lake
from pipelines.settings import Settings


def _step_lake_inputs() -> Iterable[str]:
    """The lake tables the running step reads (its assets' declared dependencies and the
    assets its checks judge), or every lake table outside a step (the CLI, harnesses)."""
    try:
        context = dg.OpExecutionContext.get()
    except dg.DagsterInvariantViolationError:
        context = None
    if context is None or not context.has_assets_def:
        return LAKE_TABLES
    step = context.assets_def
    keys = step.dependency_keys | step.keys | {check.asset_key for check in step.check_keys}
    return [table for table in LAKE_TABLES if dg.AssetKey(table) in keys]


class WarehouseLockedError(RuntimeError):
    """Another process holds the build database; DuckDB allows a single writer."""


class Warehouse(dg.ConfigurableResource):
    """Read-write access to the national build database, with the lake as views."""

    database: str
    lake_dir: str | None = None
    """None for a self-contained file that holds every table (test and benchmark harnesses)."""
    memory_limit: str = "1500MB"
    threads: int = 2
    storage_version: str = "v1.5.0"

    @classmethod
    def from_settings(cls, settings: Settings) -> Warehouse:
        return cls(
            database=str(settings.build_database),
            lake_dir=str(settings.lake_dir),
            memory_limit=settings.duckdb_memory_limit,
            threads=settings.duckdb_threads,
            storage_version=settings.duckdb_storage_version,
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        path = Path(self.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        spill = path.parent / "spill"
        spill.mkdir(exist_ok=True)
        try:
            con = duckdb.connect(
                str(path),
                config={
                    "memory_limit": self.memory_limit,
                    "threads": self.threads,
                    "temp_directory": str(spill),
                    "preserve_insertion_order": False,
                    "storage_compatibility_version": self.storage_version,
                },
            )
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise WarehouseLockedError(
                    f"{path} is open in another process (a second pipeline run?). "
                    "Only the pipeline may open the build database; readers use the "
                    "published copy read-only."
                ) from exc
            raise
        try:
            if self.lake_dir is not None:
                self.lake.register_views(con, _step_lake_inputs())
            yield con
        finally:
            con.close()

    @property
    def lake(self) -> Lake:
        if self.lake_dir is None:
            raise ValueError("this warehouse has no lake: every table is in its file")
        return Lake(Path(self.lake_dir), memory_limit=self.memory_limit, threads=self.threads)


class LandingZone(dg.ConfigurableResource):
    """Where programs deliver files, and the secret that pseudonymises their keys."""

    landing_dir: str
    pseudonym_key_file: str
    settle_seconds: float | None = None
    """None: `rules.settle_seconds()` (ICBT_SETTLE_SECONDS or config/ingestion.yaml)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> LandingZone:
        return cls(
            landing_dir=str(settings.landing_dir),
            pseudonym_key_file=str(settings.pseudonym_key_file),
        )

    @property
    def path(self) -> Path:
        return Path(self.landing_dir)

    @property
    def settle(self) -> float:
        """How long a file must have been quiet before any path loads it."""
        if self.settle_seconds is not None:
            return self.settle_seconds
        from pipelines.ingestion.rules import settle_seconds

        return settle_seconds()

    def pseudonym_key(self) -> bytes:
        return load_key(Path(self.pseudonym_key_file))
