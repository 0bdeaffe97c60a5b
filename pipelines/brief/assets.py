"""The evidence brief of every published snapshot, written beside it.

The brief runs in its own job, right after publication (`icbt run` starts it when the
build succeeds; under the Dagster daemon a sensor starts it after every materialization
of `published_warehouse`). So a brief that cannot be printed (no Chromium) never holds
back or fails the publication of the warehouse itself.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.brief.build import build_brief
from pipelines.publishing.assets import PublishTarget
from pipelines.publishing.snapshots import read_stamp, snapshot_file

BRIEF_JOB = "write_evidence_brief"
PUBLISHED = dg.AssetKey("published_warehouse")


def current_snapshot(published_database: Path) -> str:
    """The id of the snapshot at the published path, read from inside the file."""
    if not published_database.is_file():
        raise FileNotFoundError(f"No warehouse published yet at {published_database}.")
    with duckdb.connect(str(published_database), read_only=True) as con:
        return read_stamp(con)[0]


@dg.asset(
    name="evidence_brief",
    group_name="publishing",
    deps=[PUBLISHED],
    kinds={"html", "pdf"},
    description=(
        "The HTA's questions answered from the published snapshot: brief-<id>.html and "
        "brief-<id>.pdf in warehouse/snapshots/<id>/, drawn by the dashboard's charts."
    ),
)
def evidence_brief(publish_target: PublishTarget) -> dg.MaterializeResult:
    published = Path(publish_target.published_database)
    snapshot_id = current_snapshot(published)
    database = snapshot_file(published, snapshot_id)
    files = build_brief(database, database.parent)
    return dg.MaterializeResult(
        metadata={
            "snapshot_id": dg.MetadataValue.text(files.snapshot_id),
            "html": dg.MetadataValue.path(str(files.html)),
            "pdf": dg.MetadataValue.path(str(files.pdf)),
            "figures": dg.MetadataValue.int(len(files.brief.charts)),
            "html_bytes": dg.MetadataValue.int(files.html.stat().st_size),
            "pdf_bytes": dg.MetadataValue.int(files.pdf.stat().st_size),
        }
    )


brief_job = dg.define_asset_job(
    BRIEF_JOB,
    selection=dg.AssetSelection.assets(evidence_brief),
    description="Write the evidence brief (HTML and PDF) of the published snapshot.",
)


@dg.asset_sensor(
    asset_key=PUBLISHED,
    job=brief_job,
    name="evidence_brief_after_publication",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def brief_after_publication(
    context: dg.SensorEvaluationContext, asset_event: dg.EventLogEntry
) -> dg.RunRequest:
    """One brief per publication: the publishing run's id keys the request."""
    return dg.RunRequest(run_key=asset_event.run_id)
