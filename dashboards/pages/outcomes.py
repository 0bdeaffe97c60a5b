"""Outcomes by program: change, responders and score trajectories for one outcome.

The first part of the effectiveness story: how much each program's patients changed
(`program_change`), how many improved or deteriorated (`responder_rates`) and how mean
scores moved over the weeks of treatment (`score_trajectories`). Comparisons with
in-person CBT (forest plots, pooling, certainty) are on the Effectiveness page, linked
with the same view for users who may open it.

The view lives in the URL (`?outcome=PHQ9.total&mode=guided_asynchronous`): the layout
reads it on load and the update callback writes it back, so a copied link reproduces
the view. Every mart is suppressed whole (`SuppressedMarts`) before any filter applies,
so which programs are hidden never depends on the filters a reader picks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Output, callback, html

from dashboards.chart_page import Chart, ChartPage, PageBody
from dashboards.charts import program_change, responder_rates, score_trajectories
from dashboards.charts.common import ordered_modes
from dashboards.charts.protocol import ChartView
from dashboards.components import empty_mart, page_link
from dashboards.filters import (
    FilterIds,
    filter_controls,
    outcome_file_stem,
    outcome_options,
    query_from,
    resolve_filters,
)
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.view_state import Offer, OutcomeKey, ViewState, parse_query

PATH = "/outcomes"
TITLE = "Outcomes by program"
EFFECTIVENESS_PATH = "/effectiveness"

dash.register_page(
    __name__,
    path=PATH,
    name="Outcomes",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Change from baseline to post-treatment per program and outcome.",
    order=0,
    publish=True,
)

CHARTS = (
    Chart(
        program_change,
        ChartIds.of("outcomes-change"),
        "program-change",
        "Change from baseline to post-treatment",
        "{outcome}: baseline, post-treatment and change per program",
        table_open=True,
    ),
    Chart(
        responder_rates,
        ChartIds.of("outcomes-responders"),
        "responders",
        "Responders and deterioration",
        "{outcome}: responders and deterioration per program",
    ),
    Chart(
        score_trajectories,
        ChartIds.of("outcomes-trajectories"),
        "trajectories",
        "Scores over the weeks of treatment",
        "{outcome}: mean score per week and delivery mode",
    ),
)


def _outcomes(marts: Marts) -> pl.DataFrame:
    return marts.query("outcome_options", timepoint=program_change.TIMEPOINT)


def _offer(outcomes: pl.DataFrame, programs: pl.DataFrame) -> Offer:
    return Offer(
        outcomes=[OutcomeKey(i, s) for i, s in outcomes.select("instrument", "scale").rows()],
        modes=ordered_modes(programs["delivery_mode"].to_list()),
        programs=programs["program_id"].to_list(),
    )


def _view(marts: Marts, state: ViewState) -> ChartView:
    labels = dict(outcome_options(_outcomes(marts)))
    return ChartView(
        state, marts.rules, outcome_label=labels.get(str(state.outcome), "The selected outcome")
    )


FILTERS = FilterIds(Id.OUTCOMES_OUTCOME, Id.OUTCOMES_MODES, Id.OUTCOMES_PROGRAMS)
PAGE = ChartPage(
    url=Id.OUTCOMES_URL,
    controls=FILTERS.chart_controls(),
    options=(),
    resolve=resolve_filters(_view),
    file_stem=outcome_file_stem,
    charts=CHARTS,
)


LEAD = (
    "How much each program's patients changed between starting treatment and finishing "
    "it, how many improved, and how scores moved week by week."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    outcomes = _outcomes(marts)
    programs = marts.query("program_options", timepoint=program_change.TIMEPOINT)
    if outcomes.is_empty():
        return empty_mart(TITLE, program_change.MART)
    offer = _offer(outcomes, programs)
    state = parse_query(query, offer)
    return PageBody(
        _view(marts, state),
        before=[
            html.Div(id=Id.OUTCOMES_EFFECTIVENESS_LINK),
            filter_controls(
                FILTERS,
                "Outcome",
                outcome_options(outcomes),
                offer,
                programs.select("program_id", "program_name").rows(),
                state,
            ),
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


@callback(
    Output(Id.OUTCOMES_URL, "search"),
    Output(Id.OUTCOMES_EFFECTIVENESS_LINK, "children"),
    *FILTERS.url_arguments(),
)
def update_url(*filters: Any) -> tuple[str, Any]:
    """Mirror the controls in the URL and in the link to the Effectiveness page."""
    search = query_from(FILTERS, *filters)
    link = page_link(
        EFFECTIVENESS_PATH,
        "The same programs compared with in-person CBT: Effectiveness page",
        search,
    )
    return search, html.P(link) if link is not None else None


PAGE.register()
