"""What the researchers' guide says about seeing the next snapshot: a connection keeps
its snapshot; a new one sees the next only once every connection of the process to the
file is closed (DuckDB shares one database per file within a process)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.publishing.publish import publish_copy


def _snapshot(path: Path, rows: int) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE mart_example AS SELECT range AS n FROM range($rows)", {"rows": rows}
        )
    return path


def _rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM mart_example").fetchall()[0][0]


def test_a_reader_sees_the_next_snapshot_only_after_closing_every_connection(tmp_path: Path):
    published = tmp_path / "warehouse" / "observatory.duckdb"
    publish_copy(_snapshot(tmp_path / "first.duckdb", 1), published)
    held = duckdb.connect(str(published), read_only=True)
    try:
        assert _rows(held) == 1
        publish_copy(_snapshot(tmp_path / "second.duckdb", 2), published)
        assert _rows(held) == 1  # an open connection keeps its snapshot
        # "Reconnecting" while another connection is open reuses the old database.
        with duckdb.connect(str(published), read_only=True) as again:
            assert _rows(again) == 1
    finally:
        held.close()
    with duckdb.connect(str(published), read_only=True) as fresh:
        assert _rows(fresh) == 2
