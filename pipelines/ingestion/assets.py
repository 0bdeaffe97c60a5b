"""Dagster assets for ingestion: one step loads every new landing file."""

from datetime import date

import dagster as dg

from pipelines.ingestion.loader import RAW_TABLE, LandingLoader
from pipelines.metadata import table_metadata
from pipelines.resources import LandingZone, Warehouse

LEDGER_TABLES = ("ingest_load_ledger", "ingest_quarantine")
INGESTED_TABLES = (*RAW_TABLE.values(), *LEDGER_TABLES)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, group_name="ingestion", kinds={"duckdb"}, description=description)
        for name, description in [
            *[
                (t, f"Rows of landing {t.removeprefix('raw_')} files as loaded.")
                for t in RAW_TABLE.values()
            ],
            ("ingest_load_ledger", "One row per landing file processed, with its counts."),
            ("ingest_quarantine", "Every rejected input row with its reason."),
        ]
    ],
    can_subset=False,
)
def raw_landing(context: dg.AssetExecutionContext, warehouse: Warehouse, landing: LandingZone):
    """Load every landing file that is new or changed since its last load."""
    key = landing.pseudonym_key()
    with warehouse.connect() as con:
        loader = LandingLoader(con, key, today=date.today(), run_id=context.run.run_id)
        report = loader.load(landing.path)
        for stray in report.strays:
            context.log.warning(f"Not loaded: {stray.relative_path}: {stray.reason}")
        for outcome in report.loaded:
            line = (
                f"{outcome.source_file}: {outcome.outcome}, read {outcome.rows_read}, "
                f"loaded {outcome.rows_loaded}, quarantined {outcome.rows_quarantined}"
            )
            context.log.info(line if outcome.message is None else f"{line}: {outcome.message}")
        run_counts = {
            "files_loaded": dg.MetadataValue.int(len(report.loaded)),
            "files_unchanged": dg.MetadataValue.int(len(report.unchanged)),
            "files_not_contract_tables": dg.MetadataValue.int(len(report.strays)),
            "rows_read": dg.MetadataValue.int(report.rows_read),
            "rows_loaded": dg.MetadataValue.int(report.rows_loaded),
            "rows_quarantined": dg.MetadataValue.int(report.rows_quarantined),
        }
        for table in INGESTED_TABLES:
            yield dg.MaterializeResult(
                asset_key=table, metadata=table_metadata(con, table) | run_counts
            )
