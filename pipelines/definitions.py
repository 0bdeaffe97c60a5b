"""The Dagster code location: every asset, check, job, schedule and resource.

`build_definitions(settings)` assembles them for any data directory (tests use a
temporary one); `defs` is what `dagster dev -w workspace.yaml` loads, configured from
the environment.
"""

from __future__ import annotations

import dagster as dg

from pipelines.effectiveness.assets import effectiveness_assets
from pipelines.engagement.assets import engagement_assets
from pipelines.ingestion.assets import ingestion_checks, raw_landing
from pipelines.ingestion.sensor import build_landing_sensor
from pipelines.modelling.assets import model_assets, model_checks
from pipelines.outcomes.assets import outcome_assets
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
from pipelines.settings import Settings

BUILD_JOB = "build_warehouse"


def build_definitions(
    settings: Settings, executor: dg.ExecutorDefinition = dg.in_process_executor
) -> dg.Definitions:
    assets = [
        raw_landing,
        reference_tables,
        *outcome_assets,
        *model_assets(),
        *effectiveness_assets,
        *engagement_assets,
        *quality_assets,
        *safety_assets,
    ]
    upstream = [key for a in assets for key in a.keys]
    publish = published_warehouse_asset(upstream)
    build_job = dg.define_asset_job(
        BUILD_JOB,
        selection=dg.AssetSelection.all(),
        description="Load new landing files, rebuild every table and publish the warehouse.",
    )
    return dg.Definitions(
        assets=[*assets, publish],
        asset_checks=[*model_checks(), *ingestion_checks, *quality_checks, *safety_checks],
        jobs=[build_job],
        sensors=[build_landing_sensor(BUILD_JOB), safety_alert_sensor],
        schedules=[
            dg.ScheduleDefinition(
                name="build_warehouse_daily",
                job=build_job,
                cron_schedule="0 2 * * *",
                execution_timezone="America/Toronto",
                default_status=dg.DefaultScheduleStatus.RUNNING,
                description="Nightly rebuild: marts and freshness stay current without new files.",
            )
        ],
        resources={
            "warehouse": Warehouse.from_settings(settings),
            "landing": LandingZone.from_settings(settings),
            "reports": QualityReports.from_settings(settings),
            "publish_target": PublishTarget(published_database=str(settings.published_database)),
            "safety_alerts": SafetyAlerts.from_settings(settings),
        },
        executor=executor,
    )


defs = build_definitions(Settings.from_env())
