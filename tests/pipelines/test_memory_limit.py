"""`icbt run` bounded by a small DuckDB memory limit completes under a process memory
cap: DuckDB spills to its temporary directories instead of failing or taking the
machine's memory.

The limit and thread count come from Settings (ICBT_DUCKDB_MEMORY_LIMIT,
ICBT_DUCKDB_THREADS) through the Warehouse resource, so every connection of every
process (the partition workers and the national run) is bounded. Spilling leaves no
trace once a connection closes, so watchers poll the temporary directories, and the
resident memory of the run's whole process tree, while the run goes on.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import duckdb
import psutil

from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.resources import Warehouse
from tests.conftest import settings_for

# Between the two failures measured with ten thousand episodes: at 40 MB (38.1 MiB) the
# write of int_effectiveness_episodes once ran out of memory in CI (2026-12-07): creating a
# table holds a row group of its columns in memory, which DuckDB cannot spill; at 64 MB
# nothing spilled. At 48 MB the national run spilled about 4 MB and completed.
MEMORY_LIMIT = "48MB"
PROCESS_CAP = 3 * 2**30
"""Resident memory of `icbt run` and its two workers together (three Python processes
with Dagster, Polars, DuckDB and the dashboard's modules loaded, about 0.7 GB each before
any data; measured at 2.3 GB in all)."""
ICBT = Path(sys.executable).with_name("icbt")
CONFIG = GeneratorConfig(n_episodes=10_000, seed=5, months=6, end_month=date(2026, 6, 1))


class TreeMemory:
    """Records the largest resident memory of a process and its children together."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                tree = [self.process, *self.process.children(recursive=True)]
            except psutil.Error:
                return
            for proc in tree:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    continue
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


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
    assert limit.startswith("45.7 MiB") and threads == 1

    env = os.environ | {
        "ICBT_DATA_DIR": str(settings.data_dir),
        "ICBT_PSEUDONYM_KEY_FILE": str(settings.pseudonym_key_file),
        "ICBT_DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT,
        "ICBT_DUCKDB_THREADS": "1",
        "ICBT_WORKERS": "2",
        # The generator has finished every file: no wait for senders still writing.
        "ICBT_SETTLE_SECONDS": "0",
    }
    with (
        SpillWatcher(settings.build_database.parent / "spill") as national,
        SpillWatcher(settings.lake_dir / "_spill") as partitions,
    ):
        # The brief is written from the published snapshot afterwards, outside DuckDB's
        # limit, and has its own tests.
        run = subprocess.Popen(
            [str(ICBT), "run", "--no-brief"], env=env, stdout=subprocess.PIPE, text=True
        )
        with TreeMemory(run.pid) as memory:
            output, _ = run.communicate(timeout=1200)

    assert run.returncode == 0, output[-2000:]
    assert national.largest + partitions.largest > 0, "DuckDB never spilled to disk"
    assert memory.peak < PROCESS_CAP, f"the run's processes peaked at {memory.peak:,} bytes"
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        [(items,)] = con.execute("SELECT count(*) FROM staging_prom_responses").fetchall()
    assert items > 100_000
