"""Programs: the registry side by side, with each program's headline outcome and completion.

The CADTH Environmental Scan compared iCBT programs for chronic pain on therapist
involvement and training, length, modules, topics, funding and reimbursement; this page
lays the observatory's programs out on the same dimensions and adds what the registry
cannot say: how much patients changed on a headline outcome and how many completed.
Filters (outcome, delivery modes, programs) live in the URL like on every page.
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.chart_page import Chart, ChartPage, Options, Values
from dashboards.charts import program_registry
from dashboards.charts.common import ordered_modes
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import (
    controls,
    empty_mart,
    page_footer,
    page_header,
    select,
    unavailable_page,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.filters import mode_and_program_filters, outcome_options, query_of, state_of
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.runtime import current
from dashboards.view_state import Offer, OutcomeKey, ViewState, parse_query

PATH = "/programs"
TITLE = "Programs"

dash.register_page(
    __name__,
    path=PATH,
    name="Programs",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="The program registry side by side with headline outcomes and completion.",
    order=2,
    publish=True,
)

REGISTRY = Chart(
    program_registry,
    ChartIds.of("programs-registry"),
    "programs",
    "Programs side by side",
    "Programs on the Environmental Scan's dimensions, with headline outcome ({outcome}) "
    "and completion. {reference}",
    table_open=True,
)


def _outcomes(marts: Marts) -> pl.DataFrame:
    return marts.query("outcome_options", timepoint="post_treatment")


def _offer(registry: pl.DataFrame, outcomes: pl.DataFrame) -> Offer:
    return Offer(
        outcomes=[OutcomeKey(i, s) for i, s in outcomes.select("instrument", "scale").rows()],
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
    )


def _view(marts: Marts, state: ViewState) -> ChartView:
    labels = dict(outcome_options(_outcomes(marts)))
    return ChartView(state, marts.rules, outcome_label=labels.get(str(state.outcome), ""))


def _resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
    return _view(marts, state_of(values))


def _file_stem(chart: Chart, view: ChartView) -> str:
    return f"{chart.name}-{view.state.outcome}"


PAGE = ChartPage(
    url=Id.PROGRAMS_URL,
    controls=(
        (Control.OUTCOME, Id.PROGRAMS_OUTCOME),
        (Control.MODES, Id.PROGRAMS_MODES),
        (Control.PROGRAMS, Id.PROGRAMS_PROGRAMS),
    ),
    options=(),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=(REGISTRY,),
)


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        marts = runtime.snapshot()
        registry = marts.programs()
        outcomes = _outcomes(marts)
        marts.engagement_funnel()  # a missing funnel mart is reported here, once
        if registry.is_empty() or outcomes.is_empty():
            return empty_mart(TITLE, "staging_programs")
        offer = _offer(registry, outcomes)
        state = parse_query(query, offer)
        (section,) = PAGE.sections(marts, _view(marts, state))
        built_at = marts.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    return html.Div(
        [
            dcc.Location(id=Id.PROGRAMS_URL, refresh=False),
            *page_header(
                TITLE,
                "Every program on the dimensions the CADTH Environmental Scan compared, with "
                "its headline outcome and how many of its patients completed.",
            ),
            controls(
                [
                    select(
                        Id.PROGRAMS_OUTCOME,
                        "Headline outcome",
                        outcome_options(outcomes),
                        str(state.outcome),
                    ),
                    *mode_and_program_filters(
                        Id.PROGRAMS_MODES,
                        Id.PROGRAMS_PROGRAMS,
                        offer,
                        registry.select("program_id", "program_name").rows(),
                        state,
                    ),
                ]
            ),
            section,
            *page_footer(runtime.rules, built_at),
        ]
    )


@callback(
    Output(Id.PROGRAMS_URL, "search"),
    Input(Id.PROGRAMS_OUTCOME, "value"),
    Input(Id.PROGRAMS_MODES, "value"),
    Input(Id.PROGRAMS_PROGRAMS, "value"),
    State(Id.PROGRAMS_MODES, "options"),
    State(Id.PROGRAMS_PROGRAMS, "options"),
)
def update_url(
    outcome: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> str:
    """Mirror the controls in the URL."""
    return query_of(outcome, modes, programs, mode_options, program_options)


PAGE.register()
