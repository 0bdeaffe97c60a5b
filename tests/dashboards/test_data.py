"""The read-only warehouse reader against real DuckDB files replaced the way the pipeline does.

Each test publishes its own tiny snapshot (a program table and meta_publication) by
writing a complete file beside the target and renaming it over, as the pipeline's
publishing step does. Program names are fictional archetypes, like the demo's.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import MartMissingError, Warehouse, WarehouseNotPublishedError

PUBLISHED_AT = datetime(2026, 11, 25, 6, 30)
PROGRAMS = [
    ("ICBT01", "Self-guided online course, archetype 1", "self_guided"),
    ("ICBT05", "Guided asynchronous course, archetype 5", "guided_asynchronous"),
]


def publish(
    path: Path,
    name: str | None = None,
    *,
    with_mart: bool = True,
    published_at: datetime | None = PUBLISHED_AT,
) -> None:
    """A snapshot whose programs are all called `name` (to tell snapshots apart)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.unlink(missing_ok=True)
    con = duckdb.connect(str(staging))
    try:
        if published_at is not None:
            con.execute(
                "CREATE TABLE meta_publication AS SELECT CAST($at AS TIMESTAMP) AS published_at,"
                " 'test-run' AS run_id",
                {"at": published_at},
            )
        if with_mart:
            con.execute(
                "CREATE TABLE mart_program_outcomes (program_id VARCHAR, program_name VARCHAR,"
                " delivery_mode VARCHAR, timepoint VARCHAR)"
            )
            for program_id, program_name, mode in PROGRAMS:
                con.execute(
                    "INSERT INTO mart_program_outcomes VALUES ($id, $name, $mode, 'post_treatment')",
                    {"id": program_id, "name": name or program_name, "mode": mode},
                )
    finally:
        con.close()
    os.replace(staging, path)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "observatory.duckdb"


def names(warehouse: Warehouse) -> set[str]:
    return set(warehouse.query("program_options", timepoint="post_treatment")["program_name"])


def test_no_published_file_is_a_clear_error(path: Path) -> None:
    warehouse = Warehouse(path)
    with pytest.raises(WarehouseNotPublishedError, match="make run"):
        warehouse.query("program_options", timepoint="post_treatment")
    with pytest.raises(WarehouseNotPublishedError):
        warehouse.built_at()


def test_named_query_with_parameters_returns_polars(path: Path) -> None:
    publish(path)
    frame = Warehouse(path).query("program_options", timepoint="post_treatment")
    assert isinstance(frame, pl.DataFrame)
    assert frame["program_id"].to_list() == ["ICBT01", "ICBT05"]  # by id, as every page
    assert Warehouse(path).query("program_options", timepoint="follow_up").is_empty()


def test_missing_mart_is_its_own_error(path: Path) -> None:
    publish(path, with_mart=False)
    with pytest.raises(MartMissingError, match="mart_program_outcomes"):
        Warehouse(path).query("program_options", timepoint="post_treatment")


def test_built_at_comes_from_meta_publication(
    path: Path,
) -> None:
    publish(path, published_at=datetime(2026, 3, 1, 8, 15))
    assert Warehouse(path).built_at() == datetime(2026, 3, 1, 8, 15, tzinfo=UTC)


def test_built_at_falls_back_to_the_file_time(
    path: Path,
) -> None:
    publish(path, published_at=None)
    os.utime(path, (1_790_000_000, 1_790_000_000))
    assert Warehouse(path).built_at() == datetime.fromtimestamp(1_790_000_000, tz=UTC)


def test_query_names_are_identifiers_not_paths(path: Path) -> None:
    with pytest.raises(ValueError, match="invalid query name"):
        Warehouse(path).query("../marts/anything")


def test_reader_cannot_write_or_read_other_files(
    path: Path,
) -> None:
    publish(path)
    with Warehouse(path).cursor() as cursor:
        with pytest.raises(duckdb.Error):
            cursor.execute("CREATE TABLE sneaky AS SELECT 1")
        with pytest.raises(duckdb.PermissionException):
            cursor.sql("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_replaced_file_is_seen_by_new_requests_while_old_ones_finish(
    path: Path,
) -> None:
    publish(path, "first")
    warehouse = Warehouse(path)
    assert names(warehouse) == {"first"}
    with warehouse.cursor() as old:
        publish(path, "second")
        assert names(warehouse) == {"second"}
        # The request that started before the swap still reads its own snapshot.
        old_names = old.sql("SELECT DISTINCT program_name FROM mart_program_outcomes")
        assert old_names.fetchall() == [("first",)]
    publish(path, "third")
    assert names(warehouse) == {"third"}
    warehouse.close()


def test_removed_file_means_not_published_again(
    path: Path,
) -> None:
    publish(path)
    warehouse = Warehouse(path)
    warehouse.query("program_options", timepoint="post_treatment")
    path.unlink()
    with pytest.raises(WarehouseNotPublishedError):
        warehouse.query("program_options", timepoint="post_treatment")


def test_concurrent_requests_during_publications_see_whole_snapshots(
    path: Path,
) -> None:
    publish(path, "v0")
    warehouse = Warehouse(path)
    seen: list[set[str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                seen.append(names(warehouse))
        except BaseException as exc:  # a failure in a thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for version in range(1, 6):
        publish(path, f"v{version}")
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert seen and all(len(s) == 1 for s in seen)  # never a mix of two snapshots
    assert names(warehouse) == {"v5"}
