"""A run bounded by a small DuckDB memory limit completes: DuckDB spills to the warehouse's
temporary directory instead of failing or taking the machine's memory.

The limit and thread count come from Settings (ICBT_DUCKDB_MEMORY_LIMIT,
ICBT_DUCKDB_THREADS) through the Warehouse resource, so every step's connection is
bounded. Spilling leaves no trace once a connection closes, so a watcher polls the
temporary directory while the run goes on.
"""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from pathlib import Path

import duckdb

from pipelines.cli import prepare_dagster_home
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.orchestration import build_all
from pipelines.resources import Warehouse
from tests.conftest import settings_for

# Small enough that deduplicating the PROM items of ten thousand episodes (about 800,000
# rows) cannot stay in memory, large enough for the buffers DuckDB cannot spill (at 24 MB
# the joins of int_effectiveness_episodes run out of memory).
MEMORY_LIMIT = "40MB"
CONFIG = GeneratorConfig(n_episodes=10_000, seed=5, months=6, end_month=date(2026, 6, 1))


class SpillWatcher:
    """Records the largest total size of the files in a directory while it runs."""

    def __init__(self, directory: Path, interval: float = 0.002) -> None:
        self.directory = directory
        self.interval = interval
        self.largest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for entry in self.directory.glob("*"):
                try:
                    total += entry.stat().st_size
                except FileNotFoundError:
                    continue
            self.largest = max(self.largest, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> SpillWatcher:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_run_under_a_small_memory_limit_completes_by_spilling_to_disk(tmp_path: Path):
    settings = dataclasses.replace(
        settings_for(tmp_path), duckdb_memory_limit=MEMORY_LIMIT, duckdb_threads=1
    )
    generate(settings.landing_dir, settings.demo_dir / "truth.json", CONFIG)
    warehouse = Warehouse.from_settings(settings)
    with warehouse.connect() as con:
        [(limit, threads)] = con.execute(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchall()
    assert limit.startswith("38.1 MiB") and threads == 1

    prepare_dagster_home(settings)
    with (
        SpillWatcher(settings.build_database.parent / "spill") as national,
        SpillWatcher(settings.lake_dir / "_spill") as partitions,
    ):
        report = build_all(settings, workers=1)

    assert report.success, [run.error for run in report.failures]
    assert national.largest + partitions.largest > 0, "DuckDB never spilled to disk"
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        [(items,)] = con.execute("SELECT count(*) FROM staging_prom_responses").fetchall()
    assert items > 100_000
