"""The last step of every run: hand the finished warehouse to readers as a named snapshot."""

from pathlib import Path

import dagster as dg

from dashboards.marts import write_disclosure_plan
from pipelines.publishing.publish import publish_build
from pipelines.publishing.snapshots import load_retention
from pipelines.resources import Warehouse


class PublishTarget(dg.ConfigurableResource):
    """Where readers find the warehouse (opened read-only by them); snapshots sit beside it."""

    published_database: str


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Publication depends on every other asset, so it runs last and only if all succeed."""

    @dg.asset(
        name="published_warehouse",
        group_name="publishing",
        deps=upstream,
        kinds={"duckdb"},
        description=(
            "Read-only snapshot of the warehouse for the dashboard and researchers, kept "
            "under its id in warehouse/snapshots/ (config/publishing.yaml: retention)."
        ),
    )
    def _publish(
        context: dg.AssetExecutionContext, warehouse: Warehouse, publish_target: PublishTarget
    ) -> dg.MaterializeResult:
        target = Path(publish_target.published_database)
        plan: list[int] = []
        publication = publish_build(
            warehouse.connect,
            Path(warehouse.database),
            target,
            context.run.run_id,
            load_retention(),
            warehouse.lake if warehouse.lake_dir else None,
            warehouse.storage_version,
            prepare=lambda database: plan.append(write_disclosure_plan(database)),
        )
        return dg.MaterializeResult(
            metadata={
                "snapshot_id": dg.MetadataValue.text(str(publication.snapshot_id)),
                "path": dg.MetadataValue.path(str(target)),
                "snapshot": dg.MetadataValue.path(str(publication.snapshot_database)),
                "published_at": dg.MetadataValue.text(
                    publication.published_at.isoformat(timespec="seconds")
                ),
                "bytes": dg.MetadataValue.int(publication.bytes),
                "cells_hidden_by_disclosure_audit": dg.MetadataValue.int(plan[0]),
                "snapshots_pruned": dg.MetadataValue.text(
                    ", ".join(str(s) for s in publication.pruned) or "none"
                ),
            }
        )

    return _publish
