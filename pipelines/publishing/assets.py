"""The last step of every run: hand the finished warehouse to readers."""

from pathlib import Path

import dagster as dg

from pipelines.publishing.publish import publish_copy, record_publication
from pipelines.resources import Warehouse


class PublishTarget(dg.ConfigurableResource):
    """Where readers find the warehouse (opened read-only by them)."""

    published_database: str


def published_warehouse_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """Publication depends on every other asset, so it runs last and only if all succeed."""

    @dg.asset(
        name="published_warehouse",
        group_name="publishing",
        deps=upstream,
        kinds={"duckdb"},
        description="Read-only snapshot of the warehouse for the dashboard and researchers.",
    )
    def _publish(
        context: dg.AssetExecutionContext, warehouse: Warehouse, publish_target: PublishTarget
    ) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            published_at = record_publication(con, context.run.run_id)
        target = Path(publish_target.published_database)
        size = publish_copy(
            Path(warehouse.database),
            target,
            warehouse.lake if warehouse.lake_dir else None,
            warehouse.storage_version,
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(target)),
                "published_at": dg.MetadataValue.text(published_at.isoformat(timespec="seconds")),
                "bytes": dg.MetadataValue.int(size),
            }
        )

    return _publish
