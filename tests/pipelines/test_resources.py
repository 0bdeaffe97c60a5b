"""The Warehouse resource's lake views: a national step sees the lake tables it declares
as inputs (binding a view reads its Parquet footers, so binding every table on every
connection was a third of a small run), and anything outside a step sees them all."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.lake import LAKE_TABLES
from pipelines.resources import Warehouse


def _views(warehouse: Warehouse) -> list[str]:
    with warehouse.connect() as con:
        rows = con.execute(
            "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
        ).fetchall()
    return sorted(name for (name,) in rows)


def test_a_step_sees_views_of_the_lake_tables_it_reads_and_no_others(tmp_path: Path):
    warehouse = Warehouse(database=str(tmp_path / "build.duckdb"), lake_dir=str(tmp_path / "lake"))
    seen: dict[str, list[str]] = {}

    @dg.asset(deps=[dg.AssetKey("staging_episodes"), dg.AssetKey("int_prom_scores")])
    def episode_summary(warehouse: Warehouse) -> None:
        seen["step"] = _views(warehouse)

    result = dg.materialize([episode_summary], resources={"warehouse": warehouse})

    assert result.success
    assert seen["step"] == ["int_prom_scores", "staging_episodes"]
    assert _views(warehouse) == sorted(LAKE_TABLES)
