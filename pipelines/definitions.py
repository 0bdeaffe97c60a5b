"""The Dagster code location: every asset, check, job, schedule and resource.

Three jobs, one per kind of writer:
- `ingest_deliveries`: one program's delivery months (a partition range of the
  program x month partitions) into the lake;
- `build_program`: that program's staging and per-program intermediate tables;
- `build_national`: every national table in the national DuckDB file, then publication;
and `write_evidence_brief` (pipelines.brief) after each publication.
Partition runs of different programs write disjoint lake folders and run at the same
time; the national job is the only writer of the national file and runs in one process
(`in_process_executor`), tagged so a run queue admits one at a time.

`build_definitions(settings)` assembles them for any data directory (tests use a
temporary one); `defs` is what `dagster dev -w workspace.yaml` loads, configured from
the environment.
"""

from __future__ import annotations

import dagster as dg

from pipelines.brief.assets import brief_after_publication, brief_job, evidence_brief
from pipelines.context.assets import context_assets
from pipelines.effectiveness.assets import effectiveness_assets
from pipelines.engagement.assets import engagement_assets
from pipelines.ingestion.assets import INGESTED_TABLES, ingestion_checks, raw_landing
from pipelines.ingestion.sensor import build_landing_sensor
from pipelines.modelling.assets import (
    all_programs_grain_check,
    model_assets,
    model_checks,
    program_model_assets,
)
from pipelines.orchestration import INGEST_JOB, NATIONAL_JOB, PROGRAM_JOB
from pipelines.outcomes.assets import outcome_assets
from pipelines.partitions import NATIONAL_WRITER_TAG
from pipelines.publishing.assets import PublishTarget, published_warehouse_asset
from pipelines.quality.assets import QualityReports, quality_assets, quality_checks
from pipelines.reference.assets import reference_tables
from pipelines.resources import LandingZone, Warehouse
from pipelines.safety.assets import (
    SafetyAlerts,
    safety_alert_sensor,
    safety_assets,
    safety_checks,
)
from pipelines.safety.review_assets import (
    ApplicationDatabase,
    ReviewEmail,
    safety_review_email_sensor,
    safety_signal_reviews,
)
from pipelines.settings import Settings


def build_definitions(
    settings: Settings, executor: dg.ExecutorDefinition = dg.in_process_executor
) -> dg.Definitions:
    """`executor` runs the partition jobs (the Kubernetes deployment passes its own);
    the national job always runs in one process, as the national file's only writer."""
    programs = program_model_assets()
    national = [
        reference_tables,
        *outcome_assets,
        *model_assets(),
        *effectiveness_assets,
        *context_assets,
        *engagement_assets,
        *quality_assets,
        *safety_assets,
        safety_signal_reviews,
    ]
    upstream = [key for a in [raw_landing, *programs, *national] for key in a.keys]
    publish = published_warehouse_asset(upstream)
    national_keys = [key for a in [*national, publish] for key in a.keys]
    # Every other table's grain is checked in the step that writes it.
    program_grains = all_programs_grain_check()
    jobs = [
        dg.define_asset_job(
            INGEST_JOB,
            selection=dg.AssetSelection.assets(*INGESTED_TABLES),
            description="Load one program's delivery months into the lake, in month order.",
            executor_def=executor,
        ),
        dg.define_asset_job(
            PROGRAM_JOB,
            selection=dg.AssetSelection.assets(*[key for a in programs for key in a.keys])
            - dg.AssetSelection.checks(program_grains),
            description="Rebuild one program's staging and per-program intermediate tables.",
            executor_def=executor,
        ),
        dg.define_asset_job(
            NATIONAL_JOB,
            # The per-program tables' grain checks run again over every program: a failed
            # grain anywhere blocks publication, whichever run wrote the partition.
            selection=dg.AssetSelection.assets(*national_keys)
            | dg.AssetSelection.checks(program_grains),
            description="Rebuild every national table from the lake and publish the warehouse.",
            tags=NATIONAL_WRITER_TAG,
            executor_def=dg.in_process_executor,
        ),
    ]
    return dg.Definitions(
        assets=[raw_landing, *programs, *national, publish, evidence_brief],
        asset_checks=[
            *model_checks(),
            program_grains,
            *ingestion_checks,
            *quality_checks,
            *safety_checks,
        ],
        jobs=[*jobs, brief_job],
        sensors=[
            build_landing_sensor(INGEST_JOB),
            safety_alert_sensor,
            safety_review_email_sensor,
            brief_after_publication,
        ],
        schedules=[
            dg.ScheduleDefinition(
                name="build_national_daily",
                job=jobs[-1],
                cron_schedule="0 2 * * *",
                execution_timezone="America/Toronto",
                default_status=dg.DefaultScheduleStatus.RUNNING,
                description="Nightly national rebuild: marts and freshness stay current.",
            )
        ],
        resources={
            "warehouse": Warehouse.from_settings(settings),
            "landing": LandingZone.from_settings(settings),
            "reports": QualityReports.from_settings(settings),
            "publish_target": PublishTarget(published_database=str(settings.published_database)),
            "safety_alerts": SafetyAlerts.from_settings(settings),
            "app_database": ApplicationDatabase.from_settings(settings),
            "review_email": ReviewEmail.from_environment(),
        },
        executor=dg.in_process_executor,
    )


defs = build_definitions(Settings.from_env())
