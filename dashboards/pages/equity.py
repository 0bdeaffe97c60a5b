"""Equity: reach, completion and outcomes by age band, sex, rurality and language.

For one reporting unit (chosen, like on the Engagement page, through the shared `program`
and `mode` URL parameters) and one equity dimension (`dimension`). Unadjusted: the page
says so before the chart, because a gap between groups can reflect who is referred.
Analysts only (`publish=False`): group breakdowns of small programs are mostly
suppressed and easily misread without the methods at hand.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import equity_groups
from dashboards.charts.common import UNIT_TYPE_LABELS, graph_config, ordered_modes, unit_name
from dashboards.components import (
    chart_section,
    controls,
    csv_download,
    data_table,
    empty_mart,
    page_header,
    published_line,
    register_image_export,
    select,
    unavailable_page,
    unreadable,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
from dashboards.marts import SuppressedMarts
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

GROUPS = ChartIds.of("equity-groups")


def _units(marts: SuppressedMarts) -> pl.DataFrame:
    units = marts.equity().select("unit_type", "unit_id", "unit_label").unique()
    order = {t: i for i, t in enumerate(UNIT_TYPE_LABELS)}
    return (
        units.with_columns(
            pl.col("unit_type").replace_strict(order, default=len(order)).alias("_order")
        )
        .sort("_order", "unit_label")
        .drop("_order")
    )


def _offer(marts: SuppressedMarts) -> Offer:
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


def _unit_options(units: pl.DataFrame) -> list[tuple[str, str]]:
    options = []
    for unit_type, unit_id, label in units.rows():
        name = unit_name(unit_type, unit_id, label)
        text = name if unit_type == "all_icbt" else f"{UNIT_TYPE_LABELS[unit_type]}: {name}"
        options.append((str(Unit(unit_type, unit_id)), text))
    return options


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        units = _units(runtime.marts)
        offer = _offer(runtime.marts)
        comment = runtime.warehouse.query("table_comment", table_name=equity_groups.MART)
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    if units.is_empty():
        return empty_mart(TITLE, equity_groups.MART)
    state = parse_query(query, offer)
    rules = runtime.rules
    return html.Div(
        [
            dcc.Location(id=Id.EQUITY_URL, refresh=False),
            *page_header(
                TITLE,
                "Whether some groups are reached, kept or helped less: share of referrals, "
                "completion, PHQ-9 change and recovery by age band, sex, rurality and "
                "language.",
            ),
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
                        _unit_options(units),
                        str(focal_unit(state, offer)),
                    ),
                    select(
                        Id.EQUITY_DIMENSION,
                        "Group by",
                        [(d, equity_groups.dimension_label(d)) for d in offer.dimensions],
                        str(state.dimension),
                    ),
                ]
            ),
            chart_section(
                GROUPS,
                "Reach, completion and outcomes by group",
                equity_groups.about(rules, comment["comment"][0] if comment.height else None),
                "equity",
                table_open=True,
            ),
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _data(unit: Unit, dimension: str) -> pl.DataFrame:
    return equity_groups.process_data(current().marts.equity(), unit, dimension)


@callback(
    Output(GROUPS.graph, "figure"),
    Output(GROUPS.graph, "config"),
    Output(GROUPS.summary, "children"),
    Output(GROUPS.table, "children"),
    Output(Id.EQUITY_URL, "search"),
    Input(Id.EQUITY_UNIT, "value"),
    Input(Id.EQUITY_DIMENSION, "value"),
)
def update_view(unit_value: str, dimension: str) -> tuple[Any, ...]:
    """Redraw the group chart and table for the unit and dimension; mirror them in the URL."""
    unit = Unit.parse(unit_value)
    name = f"equity-{unit.unit_id}-{dimension}"
    rules = current().rules
    try:
        offer = _offer(current().marts)
        data = _data(unit, dimension)
    except WarehouseUnavailableError:
        return (*unreadable([name]), dash.no_update)
    state = with_unit(ViewState(dimension=dimension), unit, offer)
    label = equity_groups.dimension_label(dimension).lower()
    table = data_table(
        equity_groups.table_frame(data, rules),
        equity_groups.TABLE_HEADERS,
        f"By {label}, unadjusted",
        numeric=equity_groups.NUMERIC_COLUMNS,
    )
    return (
        equity_groups.create_figure(data, rules),
        graph_config(name),
        equity_groups.summarise(data, rules),
        table,
        to_query_string(state, offer),
    )


@callback(
    Output(GROUPS.download, "data"),
    Input(GROUPS.csv, "n_clicks"),
    State(Id.EQUITY_UNIT, "value"),
    State(Id.EQUITY_DIMENSION, "value"),
    prevent_initial_call=True,
)
def download_groups(_clicks: int, unit_value: str, dimension: str) -> dict[str, Any]:
    """The group table as CSV, with the same suppression as on screen."""
    unit = Unit.parse(unit_value)
    frame = equity_groups.csv_frame(_data(unit, dimension), current().rules)
    return csv_download(frame, f"equity-{unit.unit_id}-{dimension}.csv")


register_image_export(GROUPS)
