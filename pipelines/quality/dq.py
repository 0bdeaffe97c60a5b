"""Run the data-quality checks of config/dq_checks.yaml, as OHDSI's Data Quality
Dashboard does: one parameterised SQL file per check type, each check returning the
rows it applies to (denominator) and the rows that violate it; the status follows from
the share of violating rows and the check's threshold.

Counts are stored with the threshold of the run, so thresholds can be edited and
re-applied later without re-running (the view dq_check_status).
"""

from __future__ import annotations

import time
from datetime import datetime

import duckdb
import polars as pl

from pipelines.quality.config import DqCheck, sql_parameters
from pipelines.sql import read_sql, run_sql

STATUSES = ("error", "not_applicable", "failed", "passed")


def status_of(
    violations: int | None, denominator: int | None, threshold_pct: float, error: str | None
) -> str:
    """DQD's status, in its priority order: error > not applicable > failed > passed."""
    if error is not None:
        return "error"
    if not denominator:
        return "not_applicable"
    return "failed" if 100.0 * (violations or 0) / denominator > threshold_pct else "passed"


def checks_frame(checks: tuple[DqCheck, ...]) -> pl.DataFrame:
    """The configured checks as rows of ref_dq_checks."""
    return pl.DataFrame(
        [
            {
                "check_id": c.id,
                "check_type": c.check_type,
                "category": c.category,
                "table_name": c.table,
                "field_name": c.field,
                "params": c.params_json,
                "threshold_pct": c.threshold_pct,
                "severity": c.severity,
                "description": c.description,
                "notes": c.notes,
            }
            for c in checks
        ],
        schema={
            "check_id": pl.Utf8,
            "check_type": pl.Utf8,
            "category": pl.Utf8,
            "table_name": pl.Utf8,
            "field_name": pl.Utf8,
            "params": pl.Utf8,
            "threshold_pct": pl.Float64,
            "severity": pl.Utf8,
            "description": pl.Utf8,
            "notes": pl.Utf8,
        },
    )


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return con.execute(read_sql("quality/table_exists.sql"), {"table_name": name}).fetchall()[0][0]


def _tables_exist(con: duckdb.DuckDBPyConnection, check: DqCheck) -> bool:
    names = [check.table, *([check.params["ref_table"]] if "ref_table" in check.params else [])]
    return all(table_exists(con, name) for name in names)


def run_check(
    con: duckdb.DuckDBPyConnection, check: DqCheck
) -> tuple[int | None, int | None, str | None, float]:
    """(violations, denominator, error, seconds) of one check. A missing table gives a
    zero denominator (not applicable); SQL that fails gives its error message."""
    started = time.perf_counter()
    if not _tables_exist(con, check):
        return 0, 0, None, time.perf_counter() - started
    try:
        [(violations, denominator)] = run_sql(
            con, read_sql(check.query_file), sql_parameters(check)
        ).fetchall()
    except duckdb.Error as exc:
        return None, None, f"{type(exc).__name__}: {exc}", time.perf_counter() - started
    return int(violations), int(denominator), None, time.perf_counter() - started


def run_checks(
    con: duckdb.DuckDBPyConnection,
    checks: tuple[DqCheck, ...],
    *,
    run_id: str | None,
    executed_at: datetime,
) -> pl.DataFrame:
    """Every check's result, as rows of dq_results."""
    rows = []
    for check in checks:
        violations, denominator, error, seconds = run_check(con, check)
        pct = 100.0 * violations / denominator if denominator else None
        rows.append(
            {
                "run_id": run_id,
                "executed_at": executed_at,
                "check_id": check.id,
                "check_type": check.check_type,
                "category": check.category,
                "table_name": check.table,
                "field_name": check.field,
                "num_violated_rows": violations,
                "num_denominator_rows": denominator,
                "pct_violated_rows": pct,
                "threshold_pct": check.threshold_pct,
                "status": status_of(violations, denominator, check.threshold_pct, error),
                "error": error,
                "severity": check.severity,
                "notes": check.notes,
                "query_file": check.query_file,
                "params": check.params_json,
                "execution_seconds": seconds,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "run_id": pl.Utf8,
            "executed_at": pl.Datetime("us"),
            "check_id": pl.Utf8,
            "check_type": pl.Utf8,
            "category": pl.Utf8,
            "table_name": pl.Utf8,
            "field_name": pl.Utf8,
            "num_violated_rows": pl.Int64,
            "num_denominator_rows": pl.Int64,
            "pct_violated_rows": pl.Float64,
            "threshold_pct": pl.Float64,
            "status": pl.Utf8,
            "error": pl.Utf8,
            "severity": pl.Utf8,
            "notes": pl.Utf8,
            "query_file": pl.Utf8,
            "params": pl.Utf8,
            "execution_seconds": pl.Float64,
        },
    )
