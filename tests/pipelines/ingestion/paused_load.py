"""A load that stops just before each file's commit, for the crash test to kill it there.

    python -m tests.pipelines.ingestion.paused_load DATABASE LANDING

The loader commits each file with one `commit()` on the connection it is given, after
the replace, insert, quarantine and ledger statements. Here that connection is wrapped:
its `commit()` prints PAUSED to stderr and waits for a line on stdin, so the parent
process decides, file by file, whether the commit goes ahead or the child is killed
while that file's transaction is open; no timing is involved. The production loader has
no hook for this; it only ever sees a connection.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from pipelines.ingestion.loader import LandingLoader
from tests.pipelines.ingestion.conftest import KEY, TODAY

PAUSED = "paused before commit"


class PausingConnection:
    """A DuckDB connection whose commit, after saying so, waits for the parent's go."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con

    def commit(self) -> duckdb.DuckDBPyConnection:
        print(PAUSED, file=sys.stderr, flush=True)
        sys.stdin.readline()
        return self._con.commit()

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def main(database: Path, landing: Path) -> None:
    con = PausingConnection(duckdb.connect(str(database)))
    LandingLoader(con, KEY, today=TODAY, run_id="killed").load(landing)  # type: ignore[arg-type]


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
