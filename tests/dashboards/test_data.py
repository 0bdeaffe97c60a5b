"""The read-only warehouse reader against real DuckDB files replaced the way the pipeline does."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards.data import MartMissingError, Warehouse, WarehouseNotPublishedError

Publish = Callable[..., None]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "observatory.duckdb"


def renamed(mart: pl.DataFrame, name: str) -> pl.DataFrame:
    """The fixture mart with every program renamed, to tell two snapshots apart."""
    return mart.with_columns(pl.lit(name).alias("program_name"))


def names(warehouse: Warehouse) -> set[str]:
    return set(warehouse.query("program_options", timepoint="post_treatment")["program_name"])


def test_no_published_file_is_a_clear_error(path: Path) -> None:
    warehouse = Warehouse(path)
    with pytest.raises(WarehouseNotPublishedError, match="make run"):
        warehouse.query("program_options", timepoint="post_treatment")
    with pytest.raises(WarehouseNotPublishedError):
        warehouse.built_at()


def test_named_query_with_parameters_returns_polars(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, program_outcomes)
    frame = Warehouse(path).query(
        "program_outcomes", instrument="PHQ9", scale="total", timepoint="post_treatment"
    )
    assert isinstance(frame, pl.DataFrame)
    assert frame.height == 6
    assert set(frame["instrument"]) == {"PHQ9"}
    assert frame.schema["n_paired"] == pl.Int64


def test_missing_mart_is_its_own_error(path: Path, publish: Publish) -> None:
    publish(path, None)
    with pytest.raises(MartMissingError, match="mart_program_outcomes"):
        Warehouse(path).query("program_options", timepoint="post_treatment")


def test_built_at_comes_from_meta_publication(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, program_outcomes, published_at=datetime(2026, 3, 1, 8, 15))
    assert Warehouse(path).built_at() == datetime(2026, 3, 1, 8, 15, tzinfo=UTC)


def test_built_at_falls_back_to_the_file_time(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, program_outcomes, published_at=None)
    os.utime(path, (1_790_000_000, 1_790_000_000))
    assert Warehouse(path).built_at() == datetime.fromtimestamp(1_790_000_000, tz=UTC)


def test_query_names_are_identifiers_not_paths(path: Path) -> None:
    with pytest.raises(ValueError, match="invalid query name"):
        Warehouse(path).query("../marts/anything")


def test_reader_cannot_write_or_read_other_files(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, program_outcomes)
    with Warehouse(path).cursor() as cursor:
        with pytest.raises(duckdb.Error):
            cursor.execute("CREATE TABLE sneaky AS SELECT 1")
        with pytest.raises(duckdb.PermissionException):
            cursor.sql("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_replaced_file_is_seen_by_new_requests_while_old_ones_finish(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, renamed(program_outcomes, "first"))
    warehouse = Warehouse(path)
    assert names(warehouse) == {"first"}
    with warehouse.cursor() as old:
        publish(path, renamed(program_outcomes, "second"))
        assert names(warehouse) == {"second"}
        # The request that started before the swap still reads its own snapshot.
        old_names = old.sql("SELECT DISTINCT program_name FROM mart_program_outcomes")
        assert old_names.fetchall() == [("first",)]
    publish(path, renamed(program_outcomes, "third"))
    assert names(warehouse) == {"third"}
    warehouse.close()


def test_removed_file_means_not_published_again(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, program_outcomes)
    warehouse = Warehouse(path)
    warehouse.query("program_options", timepoint="post_treatment")
    path.unlink()
    with pytest.raises(WarehouseNotPublishedError):
        warehouse.query("program_options", timepoint="post_treatment")


def test_concurrent_requests_during_publications_see_whole_snapshots(
    path: Path, publish: Publish, program_outcomes: pl.DataFrame
) -> None:
    publish(path, renamed(program_outcomes, "v0"))
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
        publish(path, renamed(program_outcomes, f"v{version}"))
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert seen and all(len(s) == 1 for s in seen)  # never a mix of two snapshots
    assert names(warehouse) == {"v5"}
