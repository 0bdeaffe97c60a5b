"""A sensor on the landing zone: a run of the build job whenever deliveries change.

Each tick fingerprints every delivery (path, size, modification time) and compares
the set with the cursor. A file modified within the settle time may still be being
written by a sender that does not use a temporary name, so it is left out until it is
quiet; hidden and `.tmp` files never count. The run key is the fingerprint's digest,
so one landing-zone state starts at most one run. The load itself skips files whose
content is already in the ledger, so a redundant run changes nothing.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import dagster as dg

from pipelines.ingestion.landing import is_delivery
from pipelines.ingestion.rules import load_rules
from pipelines.resources import LandingZone


def landing_fingerprint(
    landing_dir: Path, now: float, settle_seconds: float
) -> tuple[str, int, list[str]]:
    """(digest of the settled deliveries, their count, files still settling)."""
    settled: list[str] = []
    settling: list[str] = []
    if landing_dir.is_dir():
        for path in sorted(p for p in landing_dir.rglob("*") if p.is_file() and is_delivery(p)):
            stat = path.stat()
            relative = str(path.relative_to(landing_dir))
            if now - stat.st_mtime < settle_seconds:
                settling.append(relative)
            else:
                settled.append(f"{relative}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(settled).encode()).hexdigest()
    return digest, len(settled), settling


def build_landing_sensor(job_name: str) -> dg.SensorDefinition:
    rules = load_rules()

    @dg.sensor(
        name="landing_zone_sensor",
        job_name=job_name,
        minimum_interval_seconds=rules.sensor_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Starts a build when files are added to or changed in the landing zone.",
    )
    def landing_zone_sensor(context: dg.SensorEvaluationContext, landing: LandingZone):
        digest, files, settling = landing_fingerprint(
            landing.path, time.time(), rules.sensor_settle_seconds
        )
        if settling:
            context.log.info(f"{len(settling)} file(s) still being written; waiting for them")
        if files == 0:
            return dg.SkipReason("The landing zone holds no deliveries.")
        if digest == context.cursor:
            return dg.SkipReason("No new or changed deliveries since the last run request.")
        context.update_cursor(digest)
        return dg.RunRequest(
            run_key=digest,
            tags={"icbt/trigger": "landing_zone_sensor", "icbt/landing_files": str(files)},
        )

    return landing_zone_sensor
