"""Programs: the registry side by side, with each program's headline outcome and completion.

The CADTH Environmental Scan compared iCBT programs for chronic pain on therapist
involvement and training, length, modules, topics, funding and reimbursement; this page
lays the observatory's programs out on the same dimensions and adds what the registry
cannot say: how much patients changed on a headline outcome and how many completed.
Filters (outcome, delivery modes, programs) live in the URL like on every page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Output, callback, html

from dashboards.chart_page import Chart, ChartPage, PageBody
from dashboards.charts import program_registry
from dashboards.charts.common import ordered_modes
from dashboards.charts.protocol import ChartView
from dashboards.components import empty_mart
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


FILTERS = FilterIds(Id.PROGRAMS_OUTCOME, Id.PROGRAMS_MODES, Id.PROGRAMS_PROGRAMS)
PAGE = ChartPage(
    url=Id.PROGRAMS_URL,
    controls=FILTERS.chart_controls(),
    options=(),
    resolve=resolve_filters(_view),
    file_stem=outcome_file_stem,
    charts=(REGISTRY,),
)


LEAD = (
    "Every program on the dimensions the CADTH Environmental Scan compared, with its "
    "headline outcome and how many of its patients completed."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    registry = marts.programs()
    outcomes = _outcomes(marts)
    marts.engagement_funnel()  # a missing funnel mart is reported here, once
    if registry.is_empty() or outcomes.is_empty():
        return empty_mart(TITLE, "staging_programs")
    offer = _offer(registry, outcomes)
    state = parse_query(query, offer)
    return PageBody(
        _view(marts, state),
        before=[
            filter_controls(
                FILTERS,
                "Headline outcome",
                outcome_options(outcomes),
                offer,
                registry.select("program_id", "program_name").rows(),
                state,
            )
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


@callback(
    Output(Id.PROGRAMS_URL, "search"),
    *FILTERS.url_arguments(),
)
def update_url(*filters: Any) -> str:
    """Mirror the controls in the URL."""
    return query_from(FILTERS, *filters)


PAGE.register()
