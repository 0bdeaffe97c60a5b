"""Dagster assets for engagement, dose-response, trajectories and equity marts.

Every one of these marts publishes intervals; each is computed at the configured level
(config/effectiveness.yaml thresholds.confidence_level), the one the marts' comments and
the dashboard name through ref_effectiveness_thresholds.
"""

import dagster as dg

from pipelines.effectiveness.config import load_effectiveness_config
from pipelines.engagement.config import load_engagement_config
from pipelines.engagement.reports import dose_response, dropout_survival, equity, score_trajectories
from pipelines.metadata import table_metadata
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.sql import model, read_sql, referenced_tables, write_frame


def _frame_mart(name: str, query: str, transform, params=None) -> dg.AssetsDefinition:
    """A mart computed in Python from one query: read, transform at the configured
    confidence level, write."""

    @dg.asset(
        name=name,
        group_name="marts",
        kinds={"duckdb", "polars"},
        deps=[dg.AssetKey(t) for t in referenced_tables(read_sql(query))],
        description=model("marts", name).description,
        check_specs=grain_check_specs(name),
    )
    def _mart(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            rows = con.sql(read_sql(query), params=params() if params else None).pl()
            confidence = load_effectiveness_config().confidence
            write_frame(con, model("marts", name), transform(rows, confidence=confidence))
            return dg.MaterializeResult(
                metadata=table_metadata(con, name, profile=True),
                check_results=[grain_check_result(con, name)],
            )

    return _mart


def _trajectory_window() -> dict[str, int]:
    config = load_engagement_config()
    return {
        "first_week": config.first_week,
        "weeks_after_end": config.last_week_after_planned_end,
    }


engagement_assets = [
    _frame_mart("mart_dropout_survival", "queries/engagement_survival_rows.sql", dropout_survival),
    _frame_mart("mart_dose_response", "queries/dose_response_rows.sql", dose_response),
    _frame_mart(
        "mart_score_trajectories",
        "queries/trajectory_scores.sql",
        score_trajectories,
        params=_trajectory_window,
    ),
    _frame_mart("mart_equity", "queries/equity_rows.sql", equity),
]
