"""The landing-zone sensor asks for one ingestion run per program and range of months
with new or changed files, registers new programs as partitions, and waits for files
that are still being written."""

from __future__ import annotations

import os
import time

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.ingestion.sensor import build_landing_sensor, landing_fingerprint
from pipelines.orchestration import INGEST_JOB
from pipelines.resources import LandingZone, Warehouse
from tests.conftest import settings_for
from tests.pipelines.ingestion.conftest import PROM_HEADER, write

SENSOR = build_landing_sensor(INGEST_JOB)


def _tick(landing, cursor=None):
    lake = landing.parent / "lake"
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={
            "landing": LandingZone(
                landing_dir=str(landing), pseudonym_key_file="unused", settle_seconds=10
            ),
            "warehouse": Warehouse(database=str(landing.parent / "b.duckdb"), lake_dir=str(lake)),
        },
    )
    return SENSOR(context), context.cursor


def _ranges(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [
        (
            r.tags["dagster/asset_partition_range_start"],
            r.tags["dagster/asset_partition_range_end"],
        )
        for r in result.run_requests
    ]


def _age(path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_new_files_request_one_run_and_an_unchanged_zone_none(landing):
    for path in landing.rglob("*.csv"):
        _age(path)
    result, cursor = _tick(landing)
    assert isinstance(result, dg.SensorResult)
    assert _ranges(result) == [("2026-01|ICBT01", "2026-01|ICBT01")]
    assert result.dynamic_partitions_requests[0].partition_keys == ["ICBT01"]
    again, same = _tick(landing, cursor)
    assert isinstance(again, dg.SkipReason) and same == cursor

    _age(write(landing, "ICBT01/2026-02/prom_responses.csv", PROM_HEADER))
    _age(write(landing, "ICBT02/2026-04/episodes.csv", "x"))
    newer, moved = _tick(landing, cursor)
    assert isinstance(newer, dg.SensorResult) and moved != cursor
    assert _ranges(newer) == [
        ("2026-01|ICBT01", "2026-02|ICBT01"),
        ("2026-04|ICBT02", "2026-04|ICBT02"),
    ]


def test_files_being_written_are_waited_for(landing):
    for path in landing.rglob("*.csv"):
        _age(path)
    _, cursor = _tick(landing)
    fresh = write(landing, "ICBT01/2026-02/prom_responses.csv", PROM_HEADER)
    write(landing, "ICBT01/2026-02/.episodes.csv.tmp", "partial")
    waiting, same = _tick(landing, cursor)
    assert isinstance(waiting, dg.SkipReason) and same == cursor
    _, files, settling = landing_fingerprint(landing, time.time(), 10)
    assert (files, settling) == (2, ["ICBT01/2026-02/prom_responses.csv"])
    _age(fresh)
    ready, _ = _tick(landing, cursor)
    assert isinstance(ready, dg.SensorResult)


def test_empty_landing_zone_skips(tmp_path):
    result, cursor = _tick(tmp_path / "nothing")
    assert isinstance(result, dg.SkipReason) and cursor is None


def test_the_sensor_and_the_ingestion_checks_are_registered(tmp_path):
    defs = build_definitions(settings_for(tmp_path))
    dg.Definitions.validate_loadable(defs)
    sensor = defs.resolve_sensor_def("landing_zone_sensor")
    assert sensor.job_name == INGEST_JOB
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    checks = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert {"quarantine_rate", "rows_reconcile", "programs_deliver_on_time"} <= checks
