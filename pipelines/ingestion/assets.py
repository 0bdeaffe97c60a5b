"""Dagster assets and checks for ingestion: one run loads one program's new deliveries.

The assets are partitioned by program and delivery month (`pipelines.partitions`) and
write the lake (`pipelines.ingestion.partition`). The step's counts go three places:
each raw table's materialization (that table's files in this run), the run's tags (the
whole run), and the log (one line per file).
A file's refusal message names columns and kinds of identifier, never a value, so all
three are safe to show. The reconciliation check (sql/checks/ingest_load_ledger__*) is
a blocking ERROR check; the quarantine-rate check below only warns.
"""

import warnings
from datetime import date

import dagster as dg

from pipelines.ingestion.loader import RAW_TABLE, FileOutcome, LoadReport
from pipelines.ingestion.partition import ProgramIngestion
from pipelines.ingestion.rules import load_rules
from pipelines.metadata import table_metadata
from pipelines.partitions import delivery_partitions, split_delivery_keys
from pipelines.resources import LandingZone, Warehouse
from pipelines.sql import read_sql

with warnings.catch_warnings():
    # Beta in Dagster 1.13; what lets one run load a program's range of months in order.
    warnings.simplefilter("ignore", dg.BetaWarning)
    SINGLE_RUN = dg.BackfillPolicy.single_run()

LEDGER_TABLES = ("ingest_load_ledger", "ingest_quarantine")
INGESTED_TABLES = (*RAW_TABLE.values(), *LEDGER_TABLES)


def _counts(files: list[FileOutcome]) -> dict[str, int]:
    return {
        "files": len(files),
        "files_refused": sum(f.outcome == "refused" for f in files),
        "rows_read": sum(f.rows_read for f in files),
        "rows_loaded": sum(f.rows_loaded for f in files),
        "rows_quarantined": sum(f.rows_quarantined for f in files),
    }


def run_counts(report: LoadReport) -> dict[str, int]:
    """The whole run's ledger counts."""
    return _counts(report.loaded) | {
        "files_unchanged": len(report.unchanged),
        "files_still_changing": len(report.changing),
        "files_not_contract_tables": len(report.strays),
    }


def table_counts(report: LoadReport, table: str) -> dict[str, int]:
    """This run's ledger counts for the files of one raw table (all files for the ledger
    and quarantine tables)."""
    files = [f for f in report.loaded if table in LEDGER_TABLES or RAW_TABLE[f.table] == table]
    return {f"run_{name}": value for name, value in _counts(files).items()}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            group_name="ingestion",
            kinds={"parquet"},
            description=description,
            partitions_def=delivery_partitions,
        )
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
    backfill_policy=SINGLE_RUN,
)
def raw_landing(context: dg.AssetExecutionContext, warehouse: Warehouse, landing: LandingZone):
    """Load one program's new or changed files of some months into the lake.

    One run takes one program's months as a range and loads them in month order, since a
    batch's rows refer to episodes of earlier batches; other programs run in parallel.
    """
    program_id, batches = split_delivery_keys(context.partition_keys)
    loader = ProgramIngestion(
        warehouse.lake,
        program_id,
        landing.pseudonym_key(),
        today=date.today(),
        run_id=context.run.run_id,
        settle_seconds=landing.settle,
    )
    report = loader.run(landing.path, batches)
    for stray in report.strays:
        if stray.relative_path.startswith(f"{program_id}/"):
            context.log.warning(f"Not loaded: {stray.relative_path}: {stray.reason}")
    for path in report.changing:
        context.log.warning(
            f"Not loaded: {path} is still being written (changed within the last "
            f"{landing.settle:g} s or while it was read); the next run loads it"
        )
    for outcome in report.loaded:
        line = (
            f"{outcome.source_file}: {outcome.outcome}, read {outcome.rows_read}, "
            f"loaded {outcome.rows_loaded}, quarantined {outcome.rows_quarantined}"
        )
        context.log.info(line if outcome.message is None else f"{line}: {outcome.message}")
    totals = run_counts(report)
    context.instance.add_run_tags(
        context.run.run_id, {f"icbt/{name}": str(value) for name, value in totals.items()}
    )
    with warehouse.lake.program_connection(program_id, INGESTED_TABLES) as con:
        for table in INGESTED_TABLES:
            counts = table_counts(report, table)
            yield dg.MaterializeResult(
                asset_key=table,
                metadata=table_metadata(con, table)
                | {"program_id": dg.MetadataValue.text(program_id)}
                | {"batches": dg.MetadataValue.text(", ".join(batches))}
                | {name: dg.MetadataValue.int(value) for name, value in counts.items()},
            )


@dg.asset_check(
    asset="ingest_load_ledger",
    name="quarantine_rate",
    description=(
        "Warns when a current file has more than the configured share of its rows "
        "quarantined (config/ingestion.yaml: quarantine_rate_warn); refused files count "
        "as fully quarantined. Judged on the program the run loaded."
    ),
)
def quarantine_rate_check(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    threshold = load_rules().quarantine_rate_warn
    program_id, _ = split_delivery_keys(context.op_execution_context.partition_keys)
    with warehouse.lake.program_connection(program_id, LEDGER_TABLES) as con:
        [(files, over, rows, quarantined, worst)] = con.execute(
            read_sql("ingestion/quarantine_rate.sql"), {"threshold": threshold}
        ).fetchall()
        listed = con.execute(
            read_sql("ingestion/files_over_quarantine_rate.sql"), {"threshold": threshold}
        ).fetchall()
    lines = [f"- {source}: {share:.1%} of {read} rows" for source, read, share in listed]
    return dg.AssetCheckResult(
        passed=over == 0,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "threshold": dg.MetadataValue.float(threshold),
            "current_files": dg.MetadataValue.int(files),
            "files_over_threshold": dg.MetadataValue.int(over),
            "rows_read": dg.MetadataValue.int(rows),
            "rows_quarantined": dg.MetadataValue.int(quarantined),
            "worst_file_rate": dg.MetadataValue.float(float(worst)),
            "files_over_threshold_list": dg.MetadataValue.md("\n".join(lines) or "none"),
        },
    )


ingestion_checks = [quarantine_rate_check]
