"""Engagement: funnel, dropout, therapist time, waits, dose-response, why and what patients say.

One reporting unit at a time (a program, a delivery mode or all iCBT programs), chosen
in the URL through the shared `program` and `mode` parameters (`view_state.focal_unit`),
with a referral period for the funnel and waits and an outcome for dose-response.
Attrition belongs beside outcomes: routine-care reports show both because a mean change
among those who finish says little when most never start. Programs on contract v2 also
say why people stopped, by age band, rurality and language (`stop_reasons`), and what
patients say of their care at discharge (`patient_experience`); both rest on those
programs alone and say how many.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Input, Output, callback, html

from dashboards.chart_page import Chart, ChartPage, Options, PageBody, Values
from dashboards.charts import (
    dose_response,
    dropout_survival,
    engagement_funnel,
    patient_experience,
    stop_reasons,
    therapist_time,
    wait_times,
)
from dashboards.charts.common import UNIT_TYPE_LABELS, ordered_modes
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import controls, empty_mart, select
from dashboards.data import WarehouseUnavailableError
from dashboards.filters import unit_options
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
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


def _chart(module: Any, part: str, name: str, heading: str) -> Chart:
    return Chart(
        module,
        ChartIds.of(f"engagement-{part}"),
        name,
        heading,
        f"Numbers behind the chart: {name.replace('-', ' ')}",
    )


CHARTS = (
    _chart(engagement_funnel, "funnel", "funnel", "From referral to completion"),
    _chart(dropout_survival, "dropout", "dropout", "Time to dropout"),
    _chart(therapist_time, "therapist", "therapist-time", "Therapist time per patient"),
    _chart(wait_times, "waits", "waits", "Wait from referral to start"),
    _chart(dose_response, "dose", "dose-response", "Dose and response"),
    _chart(stop_reasons, "reasons", "stop-reasons", "Why patients stop"),
    _chart(
        patient_experience, "experience", "patient-experience", "What patients say of their care"
    ),
)
PROGRAM_QUARTERS_NOTE = (
    "Referral quarters are shown for delivery modes and all iCBT programs; a single "
    "program's quarters are too small to show safely, so programs show all referrals."
)


def _units(marts: Marts) -> pl.DataFrame:
    """Every unit of the funnel: all iCBT, then delivery modes, then programs by id."""
    units = (
        marts.engagement_funnel()
        .filter(pl.col("period") == ALL_PERIODS)
        .select("unit_type", "unit_id", "unit_label", "delivery_mode")
    )
    order = {t: i for i, t in enumerate(UNIT_TYPE_LABELS)}
    is_program = pl.col("unit_type") == "program"
    return (
        units.with_columns(
            pl.col("unit_type").replace_strict(order, default=len(order)).alias("_order"),
            pl.when(is_program).then("unit_id").otherwise("unit_label").alias("_name"),
        )
        .sort("_order", "_name")
        .drop("_order", "_name")
    )


def _offer(marts: Marts) -> Offer:
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


def _period_options(offer: Offer) -> list[tuple[str, str]]:
    return [(p, "All referrals" if p == ALL_PERIODS else f"Referred in {p}") for p in offer.periods]


def _outcome_options(marts: Marts) -> list[tuple[str, str]]:
    labels = marts.dose_response().select("instrument", "scale", "outcome_label").unique()
    return [
        (str(OutcomeKey(i, s)), label)
        for i, s, label in labels.sort("outcome_label", "instrument", "scale").rows()
    ]


def _effective_period(unit: Unit, period: str) -> str:
    return ALL_PERIODS if unit.unit_type == "program" else period


def _resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
    unit = Unit.parse(values[Control.UNIT])
    state = ViewState(
        outcome=OutcomeKey.parse(values[Control.OUTCOME]),
        period=_effective_period(unit, values[Control.PERIOD]),
    )
    return ChartView(state, marts.rules, unit=unit)


def _file_stem(chart: Chart, view: ChartView) -> str:
    return f"{chart.name}-{view.unit.unit_id}-{view.state.period}-{view.state.outcome}"


PAGE = ChartPage(
    url=Id.ENGAGEMENT_URL,
    controls=(
        (Control.UNIT, Id.ENGAGEMENT_UNIT),
        (Control.PERIOD, Id.ENGAGEMENT_PERIOD),
        (Control.OUTCOME, Id.ENGAGEMENT_OUTCOME),
    ),
    options=(),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=CHARTS,
)


LEAD = (
    "How many referred people start and finish, how long they stay, how much therapist "
    "time they receive, how long they wait, and whether doing more of a program goes with "
    "more improvement; for programs on contract v2, why people stop and what they say of "
    "their care."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    units = _units(marts)
    if units.is_empty():
        return empty_mart(TITLE, engagement_funnel.MART)
    offer = _offer(marts)
    outcome_options = _outcome_options(marts)
    state = parse_query(query, offer)
    unit = focal_unit(state, offer)
    view = ChartView(
        ViewState(outcome=state.outcome, period=_effective_period(unit, state.period)),
        marts.rules,
        unit=unit,
    )
    return PageBody(
        view,
        before=[
            controls(
                [
                    select(Id.ENGAGEMENT_UNIT, "Unit", unit_options(units), str(unit)),
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
            )
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


@callback(
    Output(Id.ENGAGEMENT_URL, "search"),
    Output(Id.ENGAGEMENT_PERIOD, "disabled"),
    Output(Id.ENGAGEMENT_PERIOD_NOTE, "children"),
    Input(Id.ENGAGEMENT_UNIT, "value"),
    Input(Id.ENGAGEMENT_PERIOD, "value"),
    Input(Id.ENGAGEMENT_OUTCOME, "value"),
)
def update_url(unit_value: str, period: str, outcome: str) -> tuple[Any, bool, str]:
    """Mirror the unit, period and outcome in the URL; a program has no quarters."""
    unit = Unit.parse(unit_value)
    is_program = unit.unit_type == "program"
    note = PROGRAM_QUARTERS_NOTE if is_program else ""
    try:
        offer = _offer(current().snapshot())
    except WarehouseUnavailableError:
        return dash.no_update, is_program, note
    state = ViewState(outcome=OutcomeKey.parse(outcome), period=_effective_period(unit, period))
    return to_query_string(with_unit(state, unit, offer), offer), is_program, note


PAGE.register()
