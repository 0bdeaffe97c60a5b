"""Equity: reach, completion and outcomes by age band, sex, rurality and language.

For one reporting unit (chosen, like on the Engagement page, through the shared `program`
and `mode` URL parameters) and one equity dimension (`dimension`). Unadjusted: the page
says so before the chart, because a gap between groups can reflect who is referred.
Analysts only (`publish=False`): group breakdowns of small programs are mostly
suppressed and easily misread without the methods at hand. Below the groups, the
barriers: contract v2 reasons for stopping across the same dimension
(`barriers_by_group`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html

from dashboards.chart_page import Chart, ChartPage, Options, PageBody, Values
from dashboards.charts import barriers_by_group, equity_groups
from dashboards.charts.common import UNIT_TYPE_LABELS, ordered_modes
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import controls, empty_mart, select
from dashboards.data import WarehouseUnavailableError
from dashboards.filters import unit_options
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.runtime import current
from dashboards.view_state import (
    Offer,
    Unit,
    ViewState,
    focal_unit,
    parse_query,
    to_query_string,
    with_unit,
)

PATH = "/equity"
TITLE = "Equity"

dash.register_page(
    __name__,
    path=PATH,
    name="Equity",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Reach, completion and outcomes by age band, sex, rurality and language.",
    order=3,
    publish=False,
)

GROUPS = Chart(
    equity_groups,
    ChartIds.of("equity-groups"),
    "equity",
    "Reach, completion and outcomes by group",
    "By group, unadjusted",
    table_open=True,
)
BARRIERS = Chart(
    barriers_by_group,
    ChartIds.of("equity-barriers"),
    "barriers",
    "Why patients stop, by group (contract v2)",
    "Reasons for stopping by group",
)


def _resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
    state = ViewState(dimension=values[Control.DIMENSION])
    return ChartView(state, marts.rules, unit=Unit.parse(values[Control.UNIT]))


def _file_stem(chart: Chart, view: ChartView) -> str:
    return f"{chart.name}-{view.unit.unit_id}-{view.state.dimension}"


PAGE = ChartPage(
    url=Id.EQUITY_URL,
    controls=((Control.UNIT, Id.EQUITY_UNIT), (Control.DIMENSION, Id.EQUITY_DIMENSION)),
    options=(),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=(GROUPS, BARRIERS),
)


def _units(marts: Marts) -> pl.DataFrame:
    units = marts.equity().select("unit_type", "unit_id", "unit_label").unique()
    order = {t: i for i, t in enumerate(UNIT_TYPE_LABELS)}
    return (
        units.with_columns(
            pl.col("unit_type").replace_strict(order, default=len(order)).alias("_order")
        )
        .sort("_order", "unit_id")
        .drop("_order")
    )


def _offer(marts: Marts) -> Offer:
    units = _units(marts)
    dimensions = marts.equity()["dimension"].unique().to_list()
    return Offer(
        modes=ordered_modes(
            units.filter(pl.col("unit_type") == "delivery_mode")["unit_id"].to_list()
        ),
        programs=units.filter(pl.col("unit_type") == "program")["unit_id"].to_list(),
        dimensions=[d for d in equity_groups.DIMENSIONS if d in dimensions]
        + sorted(set(dimensions) - set(equity_groups.DIMENSIONS)),
    )


LEAD = (
    "Whether some groups are reached, kept or helped less: share of referrals, completion, "
    "PHQ-9 change and recovery by age band, sex, rurality and language."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    units = _units(marts)
    if units.is_empty():
        return empty_mart(TITLE, equity_groups.MART)
    offer = _offer(marts)
    state = parse_query(query, offer)
    unit = focal_unit(state, offer)
    return PageBody(
        ChartView(state, marts.rules, unit=unit),
        before=[
            html.Div(
                [
                    html.Strong("Unadjusted. "),
                    "Groups differ in severity, program and circumstances; a gap here is a "
                    "reason to look closer, not evidence that a program serves a group worse.",
                ],
                className="alert alert-info",
                role="note",
            ),
            controls(
                [
                    select(
                        Id.EQUITY_UNIT,
                        "Unit",
                        unit_options(units),
                        str(unit),
                    ),
                    select(
                        Id.EQUITY_DIMENSION,
                        "Group by",
                        [(d, equity_groups.dimension_label(d)) for d in offer.dimensions],
                        str(state.dimension),
                    ),
                ]
            ),
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


@callback(
    Output(Id.EQUITY_URL, "search"),
    Input(Id.EQUITY_UNIT, "value"),
    Input(Id.EQUITY_DIMENSION, "value"),
)
def update_url(unit_value: str, dimension: str) -> Any:
    """Mirror the unit and dimension in the URL."""
    try:
        offer = _offer(current().snapshot())
    except WarehouseUnavailableError:
        return dash.no_update
    state = with_unit(ViewState(dimension=dimension), Unit.parse(unit_value), offer)
    return to_query_string(state, offer)


PAGE.register()
