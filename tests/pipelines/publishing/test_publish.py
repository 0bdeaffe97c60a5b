"""Publication never waits for readers and never shows them a half-built warehouse."""

import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines.publishing.publish import publish_copy, record_publication
from pipelines.resources import Warehouse
from pipelines.sql import read_sql, run_sql

DUCKDB_CLI = Path(sys.executable).with_name("duckdb")


def _build(warehouse: Warehouse, rows: int) -> None:
    with warehouse.connect() as con:
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))
        con.execute(
            "CREATE OR REPLACE TABLE mart_example AS SELECT range AS n FROM range($rows)",
            {"rows": rows},
        )
        record_publication(con, run_id=f"run-{rows}")


def _count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM mart_example").fetchall()[0][0]


def test_publish_while_the_duckdb_cli_holds_the_published_file(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))
    published = tmp_path / "published" / "observatory.duckdb"
    _build(warehouse, rows=3)
    publish_copy(Path(warehouse.database), published)

    researcher = subprocess.Popen(
        [str(DUCKDB_CLI), "-readonly", "-noheader", "-csv", str(published)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        researcher.stdin.write("SELECT count(*) FROM mart_example;\n")
        researcher.stdin.flush()
        assert researcher.stdout.readline().strip() == "3"

        _build(warehouse, rows=5)  # the next run, while the researcher's session is open
        publish_copy(Path(warehouse.database), published)
        assert _count(published) == 5  # a new reader sees the new snapshot

        researcher.stdin.write("SELECT count(*) FROM mart_example;\n")
        researcher.stdin.flush()
        assert researcher.stdout.readline().strip() == "3"  # the open session keeps its own
    finally:
        researcher.stdin.close()
        researcher.wait(timeout=10)
    assert researcher.returncode == 0, researcher.stderr.read()


def test_publish_leaves_no_temporary_files_and_keeps_the_stamp(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))
    published = tmp_path / "observatory.duckdb"
    _build(warehouse, rows=2)
    publish_copy(Path(warehouse.database), published)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT run_id FROM meta_publication").fetchall() == [("run-2",)]
