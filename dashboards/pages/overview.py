"""Overview, the home page: where the observatory stands today, for everyone signed in.

Headline figures (`overview_headlines`: programs reporting, episodes referred, started,
completed and with a paired outcome), the headline verdicts against in-person CBT with
their certainty (`overview_verdicts`), open safety signals (`overview_signals`, linking
to the Safety page), how many safety review items wait for review (application
database, dashboards/review_queue.py) and data freshness per program (`overview_freshness`, with the
snapshot's build time). Every number is read from a mart and suppressed there; the page
adds nothing up. The timepoint of the verdicts lives in the URL (`/?timepoint=follow_up`).
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards import review_queue
from dashboards.brief_download import brief_link
from dashboards.chart_page import Chart, ChartPage, Options, Values
from dashboards.charts import (
    overview_freshness,
    overview_headlines,
    overview_signals,
    overview_verdicts,
)
from dashboards.charts.comparison_common import TIMEPOINTS, timepoint_label
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import (
    controls,
    page_footer,
    page_header,
    page_link,
    select,
    unavailable_page,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.runtime import current
from dashboards.view_state import Offer, ViewState, parse_query, to_query_string

PATH = "/"
TITLE = "Overview"
EFFECTIVENESS_PATH = "/effectiveness"

dash.register_page(
    __name__,
    path=PATH,
    name="Overview",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Headline figures, verdicts against in-person CBT, safety signals, freshness.",
    order=-2,
    publish=True,
)

HEADLINES = Chart(
    overview_headlines,
    ChartIds.of("overview-headlines"),
    "overview-headlines",
    "Episodes by delivery mode",
    "Programs and episodes per delivery mode",
)
VERDICTS = Chart(
    overview_verdicts,
    ChartIds.of("overview-verdicts"),
    "overview-verdicts",
    "Verdicts against in-person CBT",
    "Verdicts against in-person CBT at {timepoint}, with certainty",
    table_open=True,
)
SIGNALS = Chart(
    overview_signals,
    ChartIds.of("overview-signals"),
    "overview-signals",
    "Open safety signals",
    "Open safety signals per program and indicator",
)
FRESHNESS = Chart(
    overview_freshness,
    ChartIds.of("overview-freshness"),
    "overview-freshness",
    "Data freshness",
    "Last delivery per program against its expected cadence",
)


def _resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
    return ChartView(ViewState(timepoint=values[Control.TIMEPOINT]), marts.rules)


def _file_stem(chart: Chart, view: ChartView) -> str:
    if Control.TIMEPOINT in chart.module.CONTROLS:
        return f"{chart.name}-{view.state.timepoint}"
    return chart.name


PAGE = ChartPage(
    url=Id.OVERVIEW_URL,
    controls=((Control.TIMEPOINT, Id.OVERVIEW_TIMEPOINT),),
    options=(),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=(HEADLINES, VERDICTS, SIGNALS, FRESHNESS),
)


def _offer(marts: Marts) -> Offer:
    present = set(marts.pooled_effects()["timepoint"])
    return Offer(timepoints=[t for t in TIMEPOINTS if t in present] or list(TIMEPOINTS))


def _cards(items: list[tuple[str, str]]) -> html.Div:
    """The all-iCBT headline figures as a definition list of cards, read in order."""
    return html.Dl(
        [
            html.Div(
                [
                    html.Dt(label, className="small text-body-secondary"),
                    html.Dd(value, className="fs-3 mb-0"),
                ],
                className="col border rounded p-2 m-1",
            )
            for label, value in items
        ],
        id=Id.OVERVIEW_HEADLINE_CARDS,
        className="row mx-0 mb-3",
    )


def _signal_links(signals: pl.DataFrame) -> html.Div:
    """Links to the Safety page: all signals, and each program with open signals."""
    programs = overview_signals.by_program(signals)
    items = [
        html.Li(link)
        for program_id, name, count in programs
        if (
            link := page_link(
                overview_signals.SAFETY_PATH,
                f"{name}: {count} open signal{'s' if count != 1 else ''}",
                f"?program={program_id}",
            )
        )
        is not None
    ]
    everything = page_link(overview_signals.SAFETY_PATH, "Open the Safety page")
    return html.Div(
        [
            *([html.P(everything)] if everything is not None else []),
            *([html.Ul(items, className="small")] if items else []),
        ],
        id=Id.OVERVIEW_SIGNAL_LINKS,
    )


def _review_waiting() -> html.P:
    """How many safety review items wait for a person (items, not people: no suppression)."""
    waiting = review_queue.waiting_items(review_queue.current_store().items())
    text = (
        f"{waiting} safety review item{'s' if waiting != 1 else ''} "
        f"wait{'s' if waiting == 1 else ''} for review."
    )
    link = page_link(overview_signals.SAFETY_PATH, "Open the review queue")
    return html.P([text, *([" ", link] if link is not None else [])], id=Id.OVERVIEW_REVIEW_WAITING)


def layout(**query: Any) -> html.Div:
    runtime = current()
    rules = runtime.rules
    try:
        marts = runtime.snapshot()
        headlines = overview_headlines.process_data(marts.overview_headlines())
        signals = overview_signals.process_data(marts.overview_safety_signals())
        offer = _offer(marts)
        state = parse_query(query, offer)
        headline, verdicts, open_signals, freshness = PAGE.sections(marts, ChartView(state, rules))
        built_at = marts.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    return html.Div(
        [
            dcc.Location(id=Id.OVERVIEW_URL, refresh=False),
            *page_header(
                "iCBT for chronic pain: where things stand",
                "How many people the programs reach, how iCBT compares with in-person CBT, "
                "which programs have open safety signals, and how fresh the data are.",
            ),
            controls(
                [
                    select(
                        Id.OVERVIEW_TIMEPOINT,
                        "Timepoint of the verdicts",
                        [(t, timepoint_label(t)) for t in offer.timepoints],
                        str(state.timepoint),
                    )
                ]
            ),
            html.H2("All iCBT programs so far", className="h4 mt-2"),
            _cards(overview_headlines.headline_items(headlines, rules)),
            headline,
            verdicts,
            html.P(id=Id.OVERVIEW_EFFECTIVENESS_LINK),
            open_signals,
            _review_waiting(),
            _signal_links(signals),
            freshness,
            brief_link(),
            *page_footer(rules, built_at),
        ]
    )


@callback(
    Output(Id.OVERVIEW_URL, "search"),
    Output(Id.OVERVIEW_EFFECTIVENESS_LINK, "children"),
    Input(Id.OVERVIEW_TIMEPOINT, "value"),
    State(Id.OVERVIEW_TIMEPOINT, "options"),
)
def update_url(timepoint: str, timepoint_options: list[dict[str, str]]) -> tuple[str, Any]:
    """Mirror the timepoint in the URL and in the link to the Effectiveness page."""
    offer = Offer(timepoints=[o["value"] for o in timepoint_options])
    search = to_query_string(ViewState(timepoint=timepoint), offer)
    effectiveness = page_link(
        EFFECTIVENESS_PATH,
        "Every program and delivery mode, pooled and graded: Effectiveness page",
        search,
    )
    return search, effectiveness


PAGE.register()
