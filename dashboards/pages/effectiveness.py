"""Effectiveness: every program and delivery mode against in-person CBT, pooled and graded.

The second part of the effectiveness story, after the Outcomes page's change within each
program: forest plots of the adjusted difference from in-person CBT with the
non-inferiority margin and each comparison's verdict or failed diagnostics
(`comparison_forest`), the programs pooled with prediction intervals and the test
between delivery modes (`pooled_effects`), the certainty of each result
(`evidence_certainty`), whether the difference depends on concurrent multidisciplinary
pain care (`care_modification`, contract v2 programs only), local results beside the
literature (`literature_benchmarks`) and what goes with programs doing better
(`meta_regression`). Analysts only: the diagnostics,
sensitivity analyses and ecological regressions need methods to read; viewers get the
headline verdicts with their certainty on the Overview page.

The view lives in the URL (`?outcome=PHQ9.total&timepoint=follow_up&mode=...`), with the
same parameters as the Outcomes page, so the link between the two pages keeps the view.
Every mart is suppressed whole before any filter applies (`SuppressedMarts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Output, callback, dcc, html

from dashboards.chart_page import Chart, ChartPage, PageBody
from dashboards.charts import (
    care_modification,
    comparison_forest,
    evidence_certainty,
    literature_benchmarks,
    meta_regression,
    pooled_effects,
)
from dashboards.charts.common import ordered_modes
from dashboards.charts.comparison_common import TIMEPOINTS, timepoint_label
from dashboards.charts.protocol import ChartView
from dashboards.components import empty_mart
from dashboards.filters import (
    FilterIds,
    filter_controls,
    outcome_options,
    query_from,
    resolve_filters,
)
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.view_state import Offer, OutcomeKey, ViewState, parse_query, to_query_string

PATH = "/effectiveness"
TITLE = "Effectiveness against in-person CBT"
OUTCOMES_PATH = "/outcomes"

dash.register_page(
    __name__,
    path=PATH,
    name="Effectiveness",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Each program and delivery mode compared with in-person CBT, pooled and graded.",
    order=-1,
    publish=False,
)

CHARTS = (
    Chart(
        comparison_forest,
        ChartIds.of("effectiveness-forest"),
        "comparisons",
        "Each program and delivery mode against in-person CBT",
        "{outcome}: adjusted difference from in-person CBT per comparison",
        table_open=True,
    ),
    Chart(
        pooled_effects,
        ChartIds.of("effectiveness-pooled"),
        "pooled",
        "The programs together",
        "{outcome}: pooled difference from in-person CBT per subgroup and method",
    ),
    Chart(
        care_modification,
        ChartIds.of("effectiveness-care"),
        "care-modification",
        "With and without other pain care",
        "{outcome}: pooled difference from in-person CBT per care stratum and method",
    ),
    Chart(
        evidence_certainty,
        ChartIds.of("effectiveness-certainty"),
        "certainty",
        "How much to trust each result",
        "{outcome}: certainty of evidence with levels removed per domain",
    ),
    Chart(
        literature_benchmarks,
        ChartIds.of("effectiveness-benchmarks"),
        "benchmarks",
        "Beside the published literature",
        "{outcome}: own pre-post change and published benchmarks",
    ),
    Chart(
        meta_regression,
        ChartIds.of("effectiveness-moderators"),
        "moderators",
        "What goes with programs doing better",
        "{outcome}: meta-regression coefficient per program attribute",
    ),
)


def _offer(marts: Marts) -> Offer:
    comparisons = marts.comparisons()
    outcomes = comparisons.select("instrument", "scale", "outcome_label").unique()
    present = set(comparisons["timepoint"])
    programs = (
        comparisons.filter(pl.col("subject_type") == "program")
        .select("subject_id")
        .unique()
        .sort("subject_id")
    )
    return Offer(
        outcomes=[
            OutcomeKey(i, s)
            for i, s, _ in outcomes.sort("outcome_label", "instrument", "scale").rows()
        ],
        modes=ordered_modes(comparisons["delivery_mode"].drop_nulls().to_list()),
        programs=programs["subject_id"].to_list(),
        timepoints=[t for t in TIMEPOINTS if t in present],
    )


def _program_options(marts: Marts) -> list[tuple[str, str]]:
    programs = (
        marts.comparisons()
        .filter(pl.col("subject_type") == "program")
        .select("subject_id", "subject_name")
        .unique()
        .sort("subject_id")
    )
    return list(programs.rows())


def _outcome_options(marts: Marts) -> list[tuple[str, str]]:
    labels = marts.comparisons().select("instrument", "scale", "outcome_label").unique()
    return outcome_options(labels.sort("outcome_label", "instrument", "scale"))


def _view(marts: Marts, state: ViewState) -> ChartView:
    labels = dict(_outcome_options(marts))
    outcome = labels.get(str(state.outcome), "The selected outcome")
    timepoint = timepoint_label(str(state.timepoint)).lower()
    return ChartView(state, marts.rules, outcome_label=f"{outcome}, {timepoint}")


def _file_stem(chart: Chart, view: ChartView) -> str:
    return f"{chart.name}-{view.state.outcome}-{view.state.timepoint}"


FILTERS = FilterIds(
    Id.EFFECTIVENESS_OUTCOME,
    Id.EFFECTIVENESS_MODES,
    Id.EFFECTIVENESS_PROGRAMS,
    timepoint=Id.EFFECTIVENESS_TIMEPOINT,
)
PAGE = ChartPage(
    url=Id.EFFECTIVENESS_URL,
    controls=FILTERS.chart_controls(),
    options=(),
    resolve=resolve_filters(_view),
    file_stem=_file_stem,
    charts=CHARTS,
)


LEAD = (
    "How each program and each delivery mode compares with in-person CBT for patients "
    "with a similar case mix, what the programs achieve together, how much each result "
    "can be trusted, and what goes with programs doing better."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    if marts.comparisons().is_empty():
        return empty_mart(TITLE, comparison_forest.MART)
    offer = _offer(marts)
    outcome_options = _outcome_options(marts)
    program_options = _program_options(marts)
    state = parse_query(query, offer)
    return PageBody(
        _view(marts, state),
        before=[
            html.P(
                [
                    "Change within each program, responders and scores week by week: ",
                    dcc.Link(
                        "Outcomes page",
                        id=Id.EFFECTIVENESS_OUTCOMES_LINK,
                        href=OUTCOMES_PATH + to_query_string(state, offer),
                    ),
                    ".",
                ]
            ),
            filter_controls(FILTERS, "Outcome", outcome_options, offer, program_options, state),
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


@callback(
    Output(Id.EFFECTIVENESS_URL, "search"),
    Output(Id.EFFECTIVENESS_OUTCOMES_LINK, "href"),
    *FILTERS.url_arguments(),
)
def update_url(*filters: Any) -> tuple[str, str]:
    """Mirror the controls in the URL and in the link to the Outcomes page."""
    search = query_from(FILTERS, *filters)
    return search, OUTCOMES_PATH + search


PAGE.register()
