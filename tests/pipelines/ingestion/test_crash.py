"""A load killed midway (SIGKILL, no chance to clean up) leaves every file either wholly
loaded or not at all, and a rerun ends with exact counts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.paths import PROJECT_ROOT
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    PROM_HEADER,
    count,
    episode,
    load,
    reconciles,
    write,
)
from tests.pipelines.ingestion.paused_load import PAUSED

CHILD = "tests.pipelines.ingestion.paused_load"


def _state(database: Path) -> dict[str, object]:
    with duckdb.connect(str(database)) as con:
        ledger = con.execute(
            "SELECT source_file, rows_read, rows_loaded, rows_quarantined, superseded_at IS NULL "
            "FROM ingest_load_ledger ORDER BY ledger_id"
        ).fetchall()
        return {
            "episodes": count(con, "raw_episodes"),
            "prom": count(con, "raw_prom_responses"),
            "quarantine": count(con, "ingest_quarantine"),
            "ledger": ledger,
            "reconciles": reconciles(con),
        }


def _kill_at_pause(database: Path, landing: Path, pause_number: int) -> None:
    """Run a load in a child process and SIGKILL it while its `pause_number`-th file's
    transaction is open; each earlier file is let through to its commit. The child's
    connection stops before each commit (tests/pipelines/ingestion/paused_load.py)."""
    child = subprocess.Popen(
        [sys.executable, "-m", CHILD, str(database), str(landing)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pauses = 0
    try:
        for line in child.stderr:
            if PAUSED in line:
                pauses += 1
                if pauses == pause_number:
                    os.kill(child.pid, signal.SIGKILL)
                    break
                child.stdin.write("commit\n")
                child.stdin.flush()
    finally:
        child.wait(timeout=60)
    assert pauses == pause_number and child.returncode == -signal.SIGKILL


def test_killed_load_keeps_committed_files_and_a_rerun_is_exact(tmp_path, landing):
    database = tmp_path / "crash.duckdb"
    with duckdb.connect(str(database)) as con:
        load(con, landing)
    before = _state(database)
    assert before["episodes"] == 2 and before["reconciles"]

    # A corrected re-delivery of January and a new February batch.
    write(
        landing,
        "ICBT01/2026-01/episodes.csv",
        EPISODES_HEADER + episode("1") + episode("2") + episode("3", sex="X"),
    )
    write(landing, "ICBT01/2026-02/episodes.csv", EPISODES_HEADER + episode("4"))
    write(
        landing,
        "ICBT01/2026-02/prom_responses.csv",
        PROM_HEADER + "E4,PHQ9,2026-02-01,1,2\nE4,PHQ9,2026-02-01,2,1\n",
    )

    # Killed inside the first changed file: nothing of the new deliveries is visible.
    _kill_at_pause(database, landing, pause_number=1)
    assert _state(database) == before

    # Killed inside the second: January's correction committed, February's not.
    _kill_at_pause(database, landing, pause_number=2)
    middle = _state(database)
    assert middle["reconciles"]
    assert middle["episodes"] == 2  # January now holds the corrected file's 2 valid rows
    assert [row[0] for row in middle["ledger"] if row[4]] == [
        "ICBT01/2026-01/programs.csv",
        "ICBT01/2026-01/episodes.csv",
    ]
    assert middle["quarantine"] == 1

    with duckdb.connect(str(database)) as con:
        report = load(con, landing)
    assert [f.source_file for f in report.loaded] == [
        "ICBT01/2026-02/episodes.csv",
        "ICBT01/2026-02/prom_responses.csv",
    ]
    after = _state(database)
    assert (after["episodes"], after["prom"], after["quarantine"]) == (3, 2, 1)
    assert after["reconciles"]
    current = [row[:4] for row in after["ledger"] if row[4]]
    assert current == [
        ("ICBT01/2026-01/programs.csv", 1, 1, 0),
        ("ICBT01/2026-01/episodes.csv", 3, 2, 1),
        ("ICBT01/2026-02/episodes.csv", 1, 1, 0),
        ("ICBT01/2026-02/prom_responses.csv", 2, 2, 0),
    ]
    # Nothing was left half-done: a further run finds nothing to load.
    with duckdb.connect(str(database)) as con:
        assert load(con, landing).loaded == []
