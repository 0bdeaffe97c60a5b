"""Barriers by group on the Equity page: reasons for stopping across one equity dimension.

The Engagement page's `stop_reasons` heatmap lists every breakdown of
`mart_stop_reasons` for a unit; here the Equity page's dimension picks one (age band,
rurality or language), beside all who stopped, so the barriers can be read next to the
same groups' reach and completion. Same mart, same suppressed frame, same drawing; the
mart has no breakdown by sex, and the chart says so rather than showing nothing. Input
frames must be the suppressed mart (`Marts.stop_reasons`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts import stop_reasons
from dashboards.charts.common import no_data_figure
from dashboards.charts.equity_groups import dimension_label
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.view_state import Unit

MART = stop_reasons.MART
CSV_COLUMNS = stop_reasons.CSV_COLUMNS
TABLE_HEADERS = stop_reasons.TABLE_HEADERS
NUMERIC_COLUMNS = stop_reasons.NUMERIC_COLUMNS


def is_broken_down(dimension: str | None) -> bool:
    """Whether the mart carries reasons for stopping by this equity dimension."""
    return dimension is not None and dimension != "all" and dimension in stop_reasons.BREAKDOWNS


def not_broken_down(dimension: str | None) -> str:
    label = dimension_label(dimension).lower() if dimension else "this dimension"
    return f"Reasons for stopping are not broken down by {label}."


def process_data(df: pl.DataFrame, unit: Unit, dimension: str | None) -> pl.DataFrame:
    """The unit's reasons for all who stopped and for each group of the dimension; no
    rows for a dimension the mart does not break reasons down by."""
    breakdowns = ("all", dimension) if dimension and is_broken_down(dimension) else ()
    return stop_reasons.process_data(df, unit, breakdowns)


def create_figure(data: pl.DataFrame, dimension: str | None) -> go.Figure:
    if not is_broken_down(dimension):
        return no_data_figure(not_broken_down(dimension))
    return stop_reasons.create_figure(data)


def summarise(data: pl.DataFrame, dimension: str | None) -> str:
    if not is_broken_down(dimension):
        return not_broken_down(dimension)
    return stop_reasons.summarise(data)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    return [
        "Reasons for stopping across the groups of the chosen dimension (age band, "
        "rurality or language), beside all who stopped; the Engagement page shows every "
        "breakdown at once, including age band and rurality together.",
        *stop_reasons.about(rules, mart_comment),
    ]


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return stop_reasons.table_frame(data, rules)


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return stop_reasons.csv_frame(data, rules)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT, Control.DIMENSION})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.stop_reasons(), view.unit, view.state.dimension))


def draw(data: ChartData, view: ChartView) -> Drawing:
    dimension = view.state.dimension
    return Drawing(create_figure(data.plot, dimension), summarise(data.plot, dimension))
