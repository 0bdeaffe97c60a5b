"""Partitioned runs: two programs load at the same time without contention, a corrected
re-delivery re-runs its own partition and nothing else, and so does a corrected manifest."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli import prepare_dagster_home
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.ingestion.manifest import MANIFEST_NAME
from pipelines.ingestion.sensor import build_landing_sensor
from pipelines.lake import INGEST_TABLES, Lake
from pipelines.orchestration import (
    INGEST_JOB,
    NATIONAL_JOB,
    PROGRAM_JOB,
    build_all,
    build_program,
    pending_deliveries,
    plan,
)
from pipelines.partitions import batch_ranges, delivery_key
from pipelines.resources import LandingZone, Warehouse
from tests.conftest import settings_for

CONFIG = GeneratorConfig(n_episodes=1_500, seed=3, months=4, end_month=date(2026, 4, 1))
KEPT = {"ICBT01", "ICBT02", "ICBT03", "INPERSON_ON"}
"""Four programs (three iCBT, one in-person clinic) keep the builds quick."""


@pytest.fixture
def settings(tmp_path: Path):
    settings = settings_for(tmp_path / "data")
    generate(settings.landing_dir, settings.demo_dir / "truth.json", CONFIG)
    for program in settings.landing_dir.iterdir():
        if program.name not in KEPT:
            shutil.rmtree(program)
    previous = os.environ.get("DAGSTER_HOME")
    prepare_dagster_home(settings)
    yield settings
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


def _rows_in(path: Path) -> int:
    """Data rows of one delivered file, whatever its format."""
    if path.suffix in (".jsonl", ".ndjson"):
        return sum(1 for line in path.read_text().splitlines() if line.strip())
    con = duckdb.connect()
    try:
        reader = con.read_parquet if path.suffix == ".parquet" else con.read_csv
        return reader(str(path)).aggregate("count(*)").fetchall()[0][0]
    finally:
        con.close()


def _deliveries(landing: Path, program_id: str, table: str = "*") -> list[Path]:
    """A program's table files (a batch's manifest.json is not a delivery of rows)."""
    paths = sorted((landing / program_id).glob(f"*/{table}.*"))
    return [p for p in paths if p.is_file() and p.name != MANIFEST_NAME]


def _landing_rows(landing: Path, program_id: str, table: str = "*") -> int:
    return sum(_rows_in(path) for path in _deliveries(landing, program_id, table))


def _ledger(lake: Lake, program_id: str) -> list[tuple]:
    con = duckdb.connect()
    try:
        return (
            con.read_parquet(lake.files("ingest_load_ledger", program_id))
            .aggregate("sum(rows_read), sum(rows_loaded), sum(rows_quarantined), count(*)")
            .fetchall()
        )
    finally:
        con.close()


def _lake_rows(lake: Lake, program_id: str) -> int:
    con = duckdb.connect()
    try:
        return sum(
            con.read_parquet(lake.files(table, program_id)).aggregate("count(*)").fetchall()[0][0]
            for table in INGEST_TABLES
            if table.startswith("raw_") and lake.files(table, program_id)
        )
    finally:
        con.close()


def test_two_programs_build_at_the_same_time_with_exact_counts(settings):
    lake = Lake(settings.lake_dir)
    # As `icbt run` does: wait until the just-written files have settled (a file younger
    # than the settle time is left for the next run), and register the programs.
    pending = plan(settings).pending
    programs = ["ICBT01", "ICBT02"]
    session = uuid.uuid4().hex
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        futures = [pool.submit(build_program, settings, p, pending[p], session) for p in programs]
        outcomes = [run for future in futures for run in future.result()]

    assert all(run.success for run in outcomes), [run.error for run in outcomes]
    with dg.DagsterInstance.get() as instance:
        spans = {}
        for run in outcomes:
            if run.job == INGEST_JOB:
                stats = instance.get_run_stats(run.run_id)
                spans[run.program_id] = (stats.start_time, stats.end_time)
    (start_a, end_a), (start_b, end_b) = spans.values()
    assert start_a < end_b and start_b < end_a, "the two programs' loads did not overlap"
    for program_id in programs:
        landing_rows = _landing_rows(settings.landing_dir, program_id)
        [(read, loaded, quarantined, files)] = _ledger(lake, program_id)
        assert (read, loaded + quarantined) == (landing_rows, landing_rows)
        assert _lake_rows(lake, program_id) == loaded
        assert files == len(_deliveries(settings.landing_dir, program_id))


def test_a_corrected_redelivery_reruns_its_own_partition_and_nothing_else(settings):
    first = build_all(settings, workers=2)
    assert first.success, [run.error for run in first.failures]
    lake = Lake(settings.lake_dir)
    assert pending_deliveries(settings.landing_dir, lake) == {}

    corrected = sorted(settings.landing_dir.glob("*/*/prom_responses.csv"))[-1]
    program, month = corrected.parent.parent.name, corrected.parent.name
    lines = corrected.read_text().splitlines(keepends=True)
    corrected.write_text("".join(lines[:-1]))
    [(*_, files_before)] = _ledger(lake, program)

    second = build_all(settings, workers=2)

    assert second.success, [run.error for run in second.failures]
    assert second.pending == {program: [month]}
    assert [(run.job, run.program_id) for run in second.runs] == [
        (INGEST_JOB, program),
        (PROGRAM_JOB, program),
        (NATIONAL_JOB, None),
    ]
    with dg.DagsterInstance.get() as instance:
        ingest = instance.get_run_by_id(second.runs[0].run_id)
    assert ingest.tags["dagster/asset_partition_range_start"] == str(delivery_key(program, month))
    assert ingest.tags["dagster/asset_partition_range_end"] == str(delivery_key(program, month))
    [(*_, files_after)] = _ledger(lake, program)
    assert files_after == files_before + 1  # the superseded entry stays in the ledger
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        [(current,)] = con.execute(
            "SELECT sum(rows_loaded) FROM ingest_load_ledger "
            "WHERE program_id = $program AND superseded_at IS NULL",
            {"program": program},
        ).fetchall()
        [(stored,)] = con.execute(
            "SELECT count(*) FROM raw_prom_responses WHERE program_id = $program",
            {"program": program},
        ).fetchall()
    assert current == _landing_rows(settings.landing_dir, program)
    assert stored == _landing_rows(settings.landing_dir, program, "prom_responses")

    third = build_all(settings, workers=2)
    assert third.pending == {} and [run.job for run in third.runs] == [NATIONAL_JOB]


def _sensor_tick(settings, cursor: str | None) -> tuple[object, str | None]:
    """One evaluation of the landing-zone sensor over the test's landing zone and lake."""
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={
            "landing": LandingZone(
                landing_dir=str(settings.landing_dir),
                pseudonym_key_file=str(settings.pseudonym_key_file),
                settle_seconds=0,
            ),
            "warehouse": Warehouse.from_settings(settings),
        },
    )
    return build_landing_sensor(INGEST_JOB)(context), context.cursor


def _batch_ledger(lake: Lake, program_id: str, month: str) -> list[tuple]:
    """(outcome, contract version, rows loaded) of a batch's current ledger entries."""
    con = duckdb.connect()
    try:
        return (
            con.read_parquet(lake.files("ingest_load_ledger", program_id))
            .filter(duckdb.ColumnExpression("batch_id") == duckdb.ConstantExpression(month))
            .filter("superseded_at IS NULL")
            .aggregate("outcome, contract_version, sum(rows_loaded)", "outcome, contract_version")
            .fetchall()
        )
    finally:
        con.close()


def test_a_corrected_manifest_alone_reloads_its_batch(settings):
    """A v2 batch first declared with an unknown version is refused; correcting only its
    manifest.json makes the sensor and `icbt run` load it, as v2, and nothing else."""
    manifest = sorted(settings.landing_dir.glob(f"ICBT01/*/{MANIFEST_NAME}"))[-1]
    month = manifest.parent.name
    manifest.write_text('{"contract_version": "v9"}\n')
    first = build_all(settings, workers=2)
    assert first.success, [run.error for run in first.failures]
    lake = Lake(settings.lake_dir)
    [(outcome, version, loaded)] = _batch_ledger(lake, "ICBT01", month)
    assert (outcome, version, loaded) == ("refused", "unknown", 0)
    assert pending_deliveries(settings.landing_dir, lake) == {}
    _, cursor = _sensor_tick(settings, None)

    manifest.write_text('{"contract_version": "v2"}\n')
    assert pending_deliveries(settings.landing_dir, lake) == {"ICBT01": [month]}
    requested, _ = _sensor_tick(settings, cursor)
    assert isinstance(requested, dg.SensorResult)
    assert [r.tags["icbt/program"] for r in requested.run_requests] == ["ICBT01"]
    assert requested.run_requests[0].tags["dagster/asset_partition_range_start"] == str(
        delivery_key("ICBT01", month)
    )

    second = build_all(settings, workers=2)
    assert second.success, [run.error for run in second.failures]
    assert second.pending == {"ICBT01": [month]}
    landed = {"loaded", "loaded_with_quarantine"}
    ledger = _batch_ledger(lake, "ICBT01", month)
    assert {o for o, _, _ in ledger} <= landed and {v for _, v, _ in ledger} == {"v2"}
    assert sum(n for *_, n in ledger) > 0
    assert pending_deliveries(settings.landing_dir, lake) == {}


def test_consecutive_months_make_one_range_per_run():
    assert batch_ranges(["2026-03", "2026-01", "2026-02", "2026-05", "2025-12"]) == [
        ("2025-12", "2026-03"),
        ("2026-05", "2026-05"),
    ]
