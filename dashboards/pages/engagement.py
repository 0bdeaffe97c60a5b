"""Engagement: the funnel, time to dropout, therapist time, waits and dose-response.

One reporting unit at a time (a program, a delivery mode or all iCBT programs), chosen
in the URL through the shared `program` and `mode` parameters (`view_state.focal_unit`),
with a referral period for the funnel and waits and an outcome for dose-response.
Attrition belongs beside outcomes: routine-care reports show both because a mean change
among those who finish says little when most never start.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import (
    dose_response,
    dropout_survival,
    engagement_funnel,
    therapist_time,
    wait_times,
)
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
    ALL_PERIODS,
    Offer,
    OutcomeKey,
    Unit,
    ViewState,
    focal_unit,
    parse_query,
    to_query_string,
    with_unit,
)

PATH = "/engagement"
TITLE = "Engagement"

dash.register_page(
    __name__,
    path=PATH,
    name="Engagement",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Referral-to-completion funnel, dropout, therapist time, waits, dose-response.",
    order=1,
    publish=True,
)

FUNNEL = ChartIds.of("engagement-funnel")
DROPOUT = ChartIds.of("engagement-dropout")
THERAPIST = ChartIds.of("engagement-therapist")
WAITS = ChartIds.of("engagement-waits")
DOSE = ChartIds.of("engagement-dose")
CHARTS: dict[ModuleType, ChartIds] = {
    engagement_funnel: FUNNEL,
    dropout_survival: DROPOUT,
    therapist_time: THERAPIST,
    wait_times: WAITS,
    dose_response: DOSE,
}
NAMES = {
    engagement_funnel: "funnel",
    dropout_survival: "dropout",
    therapist_time: "therapist-time",
    wait_times: "waits",
    dose_response: "dose-response",
}
PROGRAM_QUARTERS_NOTE = (
    "Referral quarters are shown for delivery modes and all iCBT programs; a single "
    "program's quarters are too small to show safely, so programs show all referrals."
)


def _units(marts: SuppressedMarts) -> pl.DataFrame:
    """Every unit of the funnel: all iCBT, then delivery modes, then programs by name."""
    units = (
        marts.engagement_funnel()
        .filter(pl.col("period") == ALL_PERIODS)
        .select("unit_type", "unit_id", "unit_label", "delivery_mode")
    )
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
    periods = marts.engagement_funnel()["period"].unique().sort().to_list()
    dose = marts.dose_response().select("instrument", "scale").unique().sort("instrument", "scale")
    return Offer(
        outcomes=[OutcomeKey(i, s) for i, s in dose.rows()],
        modes=ordered_modes(
            units.filter(pl.col("unit_type") == "delivery_mode")["unit_id"].to_list()
        ),
        programs=units.filter(pl.col("unit_type") == "program")["unit_id"].to_list(),
        periods=[ALL_PERIODS, *[p for p in periods if p != ALL_PERIODS]],
    )


def _unit_options(units: pl.DataFrame) -> list[tuple[str, str]]:
    options = []
    for row in units.iter_rows(named=True):
        name = unit_name(row["unit_type"], row["unit_id"], row["unit_label"])
        kind = UNIT_TYPE_LABELS[row["unit_type"]]
        label = name if row["unit_type"] == "all_icbt" else f"{kind}: {name}"
        options.append((str(Unit(row["unit_type"], row["unit_id"])), label))
    return options


def _period_options(offer: Offer) -> list[tuple[str, str]]:
    return [(p, "All referrals" if p == ALL_PERIODS else f"Referred in {p}") for p in offer.periods]


def _outcome_options(marts: SuppressedMarts) -> list[tuple[str, str]]:
    labels = marts.dose_response().select("instrument", "scale", "outcome_label").unique()
    return [
        (str(OutcomeKey(i, s)), label)
        for i, s, label in labels.sort("outcome_label", "instrument", "scale").rows()
    ]


def _effective_period(unit: Unit, period: str) -> str:
    return ALL_PERIODS if unit.unit_type == "program" else period


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        marts = runtime.marts
        units = _units(marts)
        offer = _offer(marts)
        outcome_options = _outcome_options(marts)
        comments = {
            module: runtime.warehouse.query("table_comment", table_name=module.MART)
            for module in CHARTS
        }
        standards = (
            marts.wait_times()
            .select("standard_days", "standard_source")
            .unique()
            .sort("standard_days")
        )
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    if units.is_empty():
        return empty_mart(TITLE, engagement_funnel.MART)
    state = parse_query(query, offer)
    unit = focal_unit(state, offer)
    rules = runtime.rules
    mart_comment = {m: (c["comment"][0] if c.height else None) for m, c in comments.items()}
    sources = [
        f"{wait_times.standard_label(days)}: {source}"
        for days, source in standards.rows()
        if source
    ]
    about = {
        engagement_funnel: engagement_funnel.about(rules, mart_comment[engagement_funnel]),
        dropout_survival: dropout_survival.about(rules, mart_comment[dropout_survival]),
        therapist_time: therapist_time.about(rules, mart_comment[therapist_time]),
        wait_times: wait_times.about(rules, mart_comment[wait_times], sources),
        dose_response: dose_response.about(rules, mart_comment[dose_response]),
    }
    headings = {
        engagement_funnel: "From referral to completion",
        dropout_survival: "Time to dropout",
        therapist_time: "Therapist time per patient",
        wait_times: "Wait from referral to start",
        dose_response: "Dose and response",
    }
    return html.Div(
        [
            dcc.Location(id=Id.ENGAGEMENT_URL, refresh=False),
            *page_header(
                TITLE,
                "How many referred people start and finish, how long they stay, how much "
                "therapist time they receive, how long they wait, and whether doing more of "
                "a program goes with more improvement.",
            ),
            controls(
                [
                    select(Id.ENGAGEMENT_UNIT, "Unit", _unit_options(units), str(unit)),
                    html.Div(
                        [
                            select(
                                Id.ENGAGEMENT_PERIOD,
                                "Referral period (funnel and waits)",
                                _period_options(offer),
                                state.period,
                            ),
                            html.P(
                                id=Id.ENGAGEMENT_PERIOD_NOTE,
                                className="small text-body-secondary",
                            ),
                        ]
                    ),
                    select(
                        Id.ENGAGEMENT_OUTCOME,
                        "Outcome (dose and response)",
                        outcome_options,
                        str(state.outcome),
                    ),
                ]
            ),
            *[
                chart_section(CHARTS[module], headings[module], about[module], NAMES[module])
                for module in CHARTS
            ],
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _data(unit: Unit, period: str, outcome: OutcomeKey) -> dict[ModuleType, pl.DataFrame]:
    marts = current().marts
    period = _effective_period(unit, period)
    return {
        engagement_funnel: engagement_funnel.process_data(marts.engagement_funnel(), unit, period),
        dropout_survival: dropout_survival.process_data(marts.dropout_survival(), unit),
        therapist_time: therapist_time.process_data(marts.therapist_time(), unit),
        wait_times: wait_times.process_data(marts.wait_times(), unit, period),
        dose_response: dose_response.process_data(marts.dose_response(), unit, outcome),
    }


def _figure(module: ModuleType, frame: pl.DataFrame) -> Any:
    rules = current().rules
    if module is engagement_funnel:
        return engagement_funnel.create_figure(frame, rules)
    return module.create_figure(frame)


def _summary(module: ModuleType, frame: pl.DataFrame) -> str:
    if module is engagement_funnel:
        return engagement_funnel.summarise(frame, current().rules)
    return module.summarise(frame)


def _table_data(module: ModuleType, frame: pl.DataFrame, unit: Unit, period: str) -> pl.DataFrame:
    """The frame the table and CSV show: the funnel's is the unit's mart row."""
    if module is engagement_funnel:
        marts = current().marts
        return engagement_funnel.unit_rows(
            marts.engagement_funnel(), unit, _effective_period(unit, period)
        )
    return frame


def _suffix(unit: Unit, period: str, outcome: str) -> str:
    return f"{unit.unit_id}-{_effective_period(unit, period)}-{outcome}"


@callback(
    *[
        Output(component, prop)
        for ids in CHARTS.values()
        for component, prop in (
            (ids.graph, "figure"),
            (ids.graph, "config"),
            (ids.summary, "children"),
            (ids.table, "children"),
        )
    ],
    Output(Id.ENGAGEMENT_URL, "search"),
    Output(Id.ENGAGEMENT_PERIOD, "disabled"),
    Output(Id.ENGAGEMENT_PERIOD_NOTE, "children"),
    Input(Id.ENGAGEMENT_UNIT, "value"),
    Input(Id.ENGAGEMENT_PERIOD, "value"),
    Input(Id.ENGAGEMENT_OUTCOME, "value"),
)
def update_view(unit_value: str, period: str, outcome: str) -> tuple[Any, ...]:
    """Redraw the five charts for the unit, period and outcome; mirror them in the URL."""
    unit = Unit.parse(unit_value)
    key = OutcomeKey.parse(outcome)
    is_program = unit.unit_type == "program"
    note = PROGRAM_QUARTERS_NOTE if is_program else ""
    names = [f"{NAMES[m]}-{_suffix(unit, period, outcome)}" for m in CHARTS]
    try:
        offer = _offer(current().marts)
        data = _data(unit, period, key)
    except WarehouseUnavailableError:
        return (*unreadable(names), dash.no_update, is_program, note)
    state = with_unit(ViewState(outcome=key, period=_effective_period(unit, period)), unit, offer)
    outputs: list[Any] = []
    for (module, frame), name in zip(data.items(), names, strict=True):
        table = module.table_frame(_table_data(module, frame, unit, period), current().rules)
        outputs += [
            _figure(module, frame),
            graph_config(name),
            _summary(module, frame),
            data_table(
                table,
                module.TABLE_HEADERS,
                f"Numbers behind the chart: {NAMES[module].replace('-', ' ')}",
                numeric=module.NUMERIC_COLUMNS,
            ),
        ]
    return (*outputs, to_query_string(state, offer), is_program, note)


def _download(module: ModuleType, unit_value: str, period: str, outcome: str) -> dict[str, Any]:
    unit = Unit.parse(unit_value)
    frame = _data(unit, period, OutcomeKey.parse(outcome))[module]
    csv = module.csv_frame(_table_data(module, frame, unit, period), current().rules)
    return csv_download(csv, f"{NAMES[module]}-{_suffix(unit, period, outcome)}.csv")


def _register_download(module: ModuleType) -> None:
    ids = CHARTS[module]

    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        State(Id.ENGAGEMENT_UNIT, "value"),
        State(Id.ENGAGEMENT_PERIOD, "value"),
        State(Id.ENGAGEMENT_OUTCOME, "value"),
        prevent_initial_call=True,
    )
    def download(_clicks: int, unit: str, period: str, outcome: str) -> dict[str, Any]:
        """The chart's numbers as CSV, with the same suppression as on screen."""
        return _download(module, unit, period, outcome)


for _module, _ids in CHARTS.items():
    _register_download(_module)
    register_image_export(_ids)
