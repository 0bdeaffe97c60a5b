"""Publication never waits for readers and never shows them a half-built warehouse."""

import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.publishing.publish import (
    keep_snapshot,
    prune_snapshots,
    publish_build,
    publish_copy,
    record_publication,
)
from pipelines.publishing.snapshots import (
    SnapshotId,
    describe,
    list_snapshots,
    next_snapshot_id,
    snapshot_ids,
    snapshots_dir,
)
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
        record_publication(
            con, f"run-{rows}", f"2026-12-07.{rows}", "test", datetime(2026, 12, 7, tzinfo=UTC)
        )


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


def test_snapshot_ids_sort_by_date_then_sequence():
    ids = [SnapshotId.parse(t) for t in ("2026-12-07.10", "2026-12-06.3", "2026-12-07.2")]
    assert [str(i) for i in sorted(ids)] == ["2026-12-06.3", "2026-12-07.2", "2026-12-07.10"]
    for bad in ("2026-12-07", "2026-12-07.0", "latest", "../2026-12-07.1"):
        with pytest.raises(ValueError):
            SnapshotId.parse(bad)


def _publish(warehouse: Warehouse, published: Path, rows: int, retain: int = 10):
    with warehouse.connect() as con:
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))
        con.execute(
            "CREATE OR REPLACE TABLE mart_example AS SELECT range AS n FROM range($rows)",
            {"rows": rows},
        )
    return publish_build(
        warehouse.connect, Path(warehouse.database), published, f"run-{rows}", retain
    )


def test_every_publication_is_kept_read_only_under_its_id(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))
    published = tmp_path / "warehouse" / "observatory.duckdb"
    first = _publish(warehouse, published, rows=3)
    second = _publish(warehouse, published, rows=5)

    today = datetime.now(UTC).date()
    assert [str(s) for s in (first.snapshot_id, second.snapshot_id)] == [
        f"{today}.1",
        f"{today}.2",
    ]
    directory = snapshots_dir(published)
    assert snapshot_ids(directory) == [first.snapshot_id, second.snapshot_id]
    for publication, rows in ((first, 3), (second, 5)):
        mode = publication.snapshot_database.stat().st_mode
        assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        info = describe(publication.snapshot_database)
        assert info.snapshot_id == str(publication.snapshot_id)
        assert info.run_id == f"run-{rows}"
        assert info.table_rows["mart_example"] == rows
        assert info.code_version
    # The newest is the published file, and says so inside.
    assert describe(published).snapshot_id == str(second.snapshot_id)
    assert _count(published) == 5
    assert [i.snapshot_id for i in list_snapshots(directory)] == [
        str(second.snapshot_id),
        str(first.snapshot_id),
    ]
    assert not [p for p in directory.iterdir() if p.name.startswith(".")]


def test_retention_deletes_the_oldest_and_never_reuses_an_id(tmp_path):
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"))
    published = tmp_path / "observatory.duckdb"
    publications = [_publish(warehouse, published, rows=n, retain=2) for n in (1, 2, 3)]
    directory = snapshots_dir(published)
    assert publications[-1].pruned == [publications[0].snapshot_id]
    assert snapshot_ids(directory) == [p.snapshot_id for p in publications[1:]]
    assert next_snapshot_id(directory, datetime.now(UTC).date()).sequence == 4
    assert prune_snapshots(directory, retain=1) == [publications[1].snapshot_id]
    assert describe(published).snapshot_id == str(publications[2].snapshot_id)


def test_an_existing_snapshot_is_never_overwritten(tmp_path):
    build = tmp_path / "build.duckdb"
    duckdb.connect(str(build)).close()
    snapshot = SnapshotId(date(2026, 12, 7), 1)
    keep_snapshot(build, tmp_path / "snapshots", snapshot)
    with pytest.raises(FileExistsError):
        keep_snapshot(build, tmp_path / "snapshots", snapshot)
