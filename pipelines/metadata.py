"""Materialization metadata for warehouse tables: size and shape, never patient rows.

A table profile gives row count, column schema and each column's share of nulls and
number of distinct values: enough to spot a broken load at a glance in Dagster, and
nothing that could show a patient-level row or a small count.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.sql import read_sql


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, *, profile: bool = False) -> dict:
    columns = con.execute(read_sql("meta/table_columns.sql"), {"table_name": table}).fetchall()
    [(rows,)] = con.execute(read_sql("meta/table_row_count.sql"), {"table_name": table}).fetchall()
    metadata: dict = {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.TableSchema(
            columns=[dg.TableColumn(name, data_type) for name, data_type, _ in columns]
        ),
    }
    if profile and rows:
        stats = con.sql(read_sql("meta/table_profile.sql"), params={"table_name": table}).pl()
        lines = ["| column | nulls % | distinct |", "|---|---:|---:|"]
        lines += [
            f"| {r['column_name']} | {r['null_percentage']:.1f} | {r['approx_unique']} |"
            for r in stats.iter_rows(named=True)
        ]
        metadata["profile"] = dg.MetadataValue.md("\n".join(lines))
    return metadata
