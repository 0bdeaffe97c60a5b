"""A sensor on the landing zone: ingestion runs for the deliveries that changed.

Each tick fingerprints every delivery (path, size, modification time) and compares the
set with the cursor; when it moved, the deliveries the lake has not seen as they are now
get one run per program and range of months (the program's partition range). A file
modified within the settle time may still be being written by a sender that does not
use a temporary name, so it is left out until it is quiet; hidden and `.tmp` files never
count. Run keys carry the fingerprint's digest, so one landing-zone state starts at most
one run per program and range. The load itself skips files whose content is already in
the ledger, so a redundant run changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import dagster as dg

from pipelines.ingestion.landing import discover
from pipelines.ingestion.rules import load_rules
from pipelines.resources import LandingZone, Warehouse


def landing_fingerprint(
    landing_dir: Path, now: float, settle_seconds: float
) -> tuple[str, int, list[str]]:
    """(digest of the settled deliveries, their count, files still settling)."""
    settled: list[str] = []
    settling: list[str] = []
    files, _ = discover(landing_dir)
    for f in files:
        stat = f.path.lstat()
        if now - stat.st_mtime < settle_seconds:
            settling.append(f.relative_path)
        else:
            # The version is part of it: a manifest added to a loaded batch reloads it.
            settled.append(
                f"{f.relative_path}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\x1f{f.contract_version}"
            )
    digest = hashlib.sha256("\n".join(settled).encode()).hexdigest()
    return digest, len(settled), settling


def build_landing_sensor(job_name: str) -> dg.SensorDefinition:
    """Requests one ingestion run per program and range of months with new or changed
    files, registering programs seen for the first time as partitions."""
    from pipelines.orchestration import pending_deliveries
    from pipelines.partitions import PROGRAM, batch_ranges, range_tags

    rules = load_rules()

    @dg.sensor(
        name="landing_zone_sensor",
        job_name=job_name,
        minimum_interval_seconds=rules.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts a run for each program's new or changed delivery months.",
    )
    def landing_zone_sensor(
        context: dg.SensorEvaluationContext, landing: LandingZone, warehouse: Warehouse
    ):
        digest, files, settling = landing_fingerprint(landing.path, time.time(), landing.settle)
        if settling:
            context.log.info(f"{len(settling)} file(s) still being written; waiting for them")
        if files == 0:
            return dg.SkipReason("The landing zone holds no deliveries.")
        if digest == context.cursor:
            return dg.SkipReason("No new or changed deliveries since the last run request.")
        pending = pending_deliveries(landing.path, warehouse.lake, exclude=set(settling))
        context.update_cursor(digest)
        if not pending:
            return dg.SkipReason("Every settled delivery is already in the lake.")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=f"{program}:{first}:{last}:{digest[:16]}",
                    tags={
                        **range_tags(program, first, last),
                        "icbt/trigger": "landing_zone_sensor",
                        "icbt/program": program,
                    },
                )
                for program, months in pending.items()
                for first, last in batch_ranges(months)
            ],
            dynamic_partitions_requests=[dg.AddDynamicPartitionsRequest(PROGRAM, list(pending))],
        )

    return landing_zone_sensor
