"""Dagster assets and checks for data quality, freshness and drift.

- `ref_dq_checks`, `dq_results`: the DQD-style checks of config/dq_checks.yaml, run on the
  raw tables; each is also an asset check on its table (WARN or ERROR as configured),
  read from `dq_check_status` so it reflects the current thresholds.
- `ref_delivery_cadence`, `dq_freshness`: days since each program's last accepted
  delivery against its expected cadence; a WARN check lists overdue programs.
- `drift_results`, `drift_columns`, `drift_reports`: case-mix and baseline-severity
  drift of every batch, with Evidently, and the HTML reports written under
  `<data>/reports/drift/`.
"""

from datetime import date, datetime
from pathlib import Path

import dagster as dg
import polars as pl

from pipelines.ingestion.loader import RAW_TABLE
from pipelines.metadata import table_metadata
from pipelines.quality import drift
from pipelines.quality.config import load_dq_checks, load_quality_policy
from pipelines.quality.dq import checks_frame, run_checks, table_exists
from pipelines.resources import Warehouse
from pipelines.settings import Settings
from pipelines.sql import model, read_sql, run_sql, write_frame

GROUP = "quality"


class QualityReports(dg.ConfigurableResource):
    """Where Evidently's HTML reports are written (Settings.reports_dir)."""

    reports_dir: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "QualityReports":
        return cls(reports_dir=str(settings.reports_dir))

    @property
    def path(self) -> Path:
        return Path(self.reports_dir)


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    description="Data-quality checks, thresholds and notes from config/dq_checks.yaml.",
)
def ref_dq_checks(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        write_frame(con, model("quality", "ref_dq_checks"), checks_frame(load_dq_checks()))
        return dg.MaterializeResult(metadata=table_metadata(con, "ref_dq_checks"))


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb", "sql"},
    deps=[*RAW_TABLE.values(), "ref_dq_checks", "ref_instrument_items"],
    description=(
        "Every execution of every data-quality check (violating and denominator rows, "
        "status), kept across runs; view dq_check_status re-applies current thresholds."
    ),
)
def dq_results(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        run_sql(con, read_sql("quality/create_dq_results.sql"))
        results = run_checks(
            con, load_dq_checks(), run_id=context.run.run_id, executed_at=datetime.now()
        )
        write_frame(con, model("quality", "append_dq_results"), results)
        counts = dict(results.group_by("status").len().iter_rows())
        failing = results.filter(pl.col("status").is_in(["failed", "error"]))
        lines = [
            f"- {r['check_id']}: {r['status']} ({r['num_violated_rows']} of "
            f"{r['num_denominator_rows']} rows)"
            for r in failing.iter_rows(named=True)
        ]
        return dg.MaterializeResult(
            metadata=table_metadata(con, "dq_results")
            | {
                f"checks_{s}": dg.MetadataValue.int(counts.get(s, 0))
                for s in ("passed", "failed", "not_applicable", "error")
            }
            | {"failing_checks": dg.MetadataValue.md("\n".join(lines) or "none")}
        )


def _dq_check_specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            name=check.id,
            asset="dq_results",
            description=(
                f"{check.table}, {check.category}: {check.description} "
                f"(threshold {check.threshold_pct:g}%)"
            ),
        )
        for check in load_dq_checks()
    ]


@dg.multi_asset_check(specs=_dq_check_specs(), can_subset=True)
def dq_asset_checks(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
    """Each configured check's latest result, status re-evaluated against the current
    thresholds. Not applicable counts as passed, as in the Data Quality Dashboard."""
    with warehouse.connect() as con:
        status = {
            row["check_id"]: row
            for row in con.sql(read_sql("quality/dq_check_status_rows.sql"))
            .pl()
            .iter_rows(named=True)
        }
    for key in context.selected_asset_check_keys:
        row = status.get(key.name)
        if row is None:
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"status": "error", "error": "the check has no stored result"},
            )
            continue
        severity = (
            dg.AssetCheckSeverity.ERROR
            if row["severity"] == "error"
            else dg.AssetCheckSeverity.WARN
        )
        yield dg.AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=row["status"] in ("passed", "not_applicable"),
            severity=severity,
            metadata={
                "status": row["status"],
                "num_violated_rows": row["num_violated_rows"],
                "num_denominator_rows": row["num_denominator_rows"],
                "pct_violated_rows": row["pct_violated_rows"],
                "threshold_pct": row["threshold_pct"],
                "notes": row["notes"] or "",
                **({"error": row["error"]} if row["error"] else {}),
            },
        )


def cadence_frame() -> pl.DataFrame:
    """The freshness policy as rows of ref_delivery_cadence (default row: program NULL)."""
    _, freshness = load_quality_policy()
    return pl.DataFrame(
        {
            "program_id": [None, *freshness.program_cadence_days],
            "cadence_days": [
                freshness.default_cadence_days,
                *freshness.program_cadence_days.values(),
            ],
            "grace_days": [freshness.grace_days] * (1 + len(freshness.program_cadence_days)),
        },
        schema={"program_id": pl.Utf8, "cadence_days": pl.Int64, "grace_days": pl.Int64},
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "ref_delivery_cadence",
            group_name=GROUP,
            kinds={"duckdb"},
            description="Expected delivery cadence per program (config/quality.yaml).",
        ),
        dg.AssetSpec(
            "dq_freshness",
            group_name=GROUP,
            kinds={"duckdb", "sql"},
            deps=["ingest_load_ledger"],
            description="Days since each program's last accepted delivery against its cadence.",
        ),
    ],
    can_subset=False,
)
def freshness(warehouse: Warehouse):
    with warehouse.connect() as con:
        write_frame(con, model("quality", "ref_delivery_cadence"), cadence_frame())
        run_sql(con, read_sql("quality/dq_freshness.sql"), {"today": date.today()})
        overdue = con.sql(read_sql("quality/overdue_programs.sql")).pl()
        yield dg.MaterializeResult(
            asset_key="ref_delivery_cadence", metadata=table_metadata(con, "ref_delivery_cadence")
        )
        yield dg.MaterializeResult(
            asset_key="dq_freshness",
            metadata=table_metadata(con, "dq_freshness")
            | {"programs_overdue": dg.MetadataValue.int(overdue.height)},
        )


@dg.asset_check(
    asset="dq_freshness",
    name="programs_deliver_on_time",
    description=(
        "Warns when a program's last accepted delivery is older than its cadence plus grace."
    ),
)
def freshness_check(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        overdue = con.sql(read_sql("quality/overdue_programs.sql")).pl()
    lines = [
        f"- {r['program_id']}: {r['days_since_delivery']} days since the last delivery "
        f"(cadence {r['cadence_days']} + grace {r['grace_days']})"
        for r in overdue.iter_rows(named=True)
    ]
    return dg.AssetCheckResult(
        passed=overdue.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "programs_overdue": dg.MetadataValue.int(overdue.height),
            "overdue": dg.MetadataValue.md("\n".join(lines) or "none"),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "drift_results",
            group_name=GROUP,
            kinds={"duckdb", "evidently"},
            deps=[
                "raw_episodes",
                "staging_episodes",
                "staging_programs",
                "staging_engagement_events",
                "int_episode_timepoints",
            ],
            description=(
                "Case-mix and baseline-severity drift verdict per program, batch and reference."
            ),
        ),
        dg.AssetSpec(
            "drift_columns",
            group_name=GROUP,
            kinds={"duckdb", "evidently"},
            description="Per-feature drift tests behind drift_results.",
        ),
        dg.AssetSpec(
            "drift_reports",
            group_name=GROUP,
            kinds={"duckdb", "html", "evidently"},
            description="Evidently HTML reports (data drift, data summary), listed across runs.",
        ),
    ],
    can_subset=False,
)
def drift_assets(context: dg.AssetExecutionContext, warehouse: Warehouse, reports: QualityReports):
    policy, _ = load_quality_policy()
    with warehouse.connect() as con:
        features = con.sql(read_sql("quality/drift_episode_features.sql")).pl()
        previous = (
            con.sql(read_sql("quality/drift_previous_tests.sql")).pl()
            if all(table_exists(con, t) for t in ("drift_results", "drift_columns"))
            else None
        )
        outcome = drift.assess(features, policy, previous)
        reused = outcome.results.height - outcome.tested
        now = datetime.now()
        write_frame(
            con,
            model("quality", "drift_results"),
            outcome.results.with_columns(pl.lit(now).alias("computed_at")),
        )
        write_frame(con, model("quality", "drift_columns"), outcome.columns)
        run_sql(con, read_sql("quality/create_drift_reports.sql"))
        existing = set(con.execute(read_sql("quality/drift_report_versions.sql")).fetchall())
        written = drift.write_reports(
            outcome, features, policy, reports.path, existing, run_id=context.run.run_id, now=now
        )
        if not written.is_empty():
            write_frame(con, model("quality", "append_drift_reports"), written)
        verdicts = dict(
            outcome.results.group_by("reference", "verdict")
            .len()
            .select(pl.format("{}_{}", "reference", "verdict"), "len")
            .iter_rows()
        )
        drifted = outcome.results.filter(
            (pl.col("reference") == drift.OWN_REFERENCE) & (pl.col("verdict") == "drift")
        )
        yield dg.MaterializeResult(
            asset_key="drift_results",
            metadata=table_metadata(con, "drift_results")
            | {name: dg.MetadataValue.int(n) for name, n in verdicts.items()}
            | {
                "comparisons_tested": dg.MetadataValue.int(outcome.tested),
                "comparisons_reused": dg.MetadataValue.int(reused),
            }
            | {
                "drifted_batches": dg.MetadataValue.md(
                    "\n".join(
                        f"- {p} {b}" for p, b in drifted.select("program_id", "batch_id").rows()
                    )
                    or "none"
                )
            },
        )
        yield dg.MaterializeResult(
            asset_key="drift_columns", metadata=table_metadata(con, "drift_columns")
        )
        yield dg.MaterializeResult(
            asset_key="drift_reports",
            metadata=table_metadata(con, "drift_reports")
            | {
                "reports_written": dg.MetadataValue.int(written.height),
                "reports_dir": dg.MetadataValue.path(str(reports.path / "drift")),
            },
        )


quality_assets = [ref_dq_checks, dq_results, freshness, drift_assets]
quality_checks = [dq_asset_checks, freshness_check]
