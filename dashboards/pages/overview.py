"""Overview, the home page: where the observatory stands today, for everyone signed in.

Headline figures (`overview_headlines`: programs reporting, episodes referred, started,
completed and with a paired outcome), the headline verdicts against in-person CBT with
their certainty (`overview_verdicts`), open safety signals (`overview_signals`, linking
to the Safety page) and data freshness per program (`overview_freshness`, with the
snapshot's build time). Every number is read from a mart and suppressed there; the page
adds nothing up. The timepoint of the verdicts lives in the URL (`/?timepoint=follow_up`).
"""

from __future__ import annotations

from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.brief_download import brief_link
from dashboards.charts import (
    overview_freshness,
    overview_headlines,
    overview_signals,
    overview_verdicts,
)
from dashboards.charts.common import graph_config
from dashboards.charts.comparison_common import TIMEPOINTS, timepoint_label
from dashboards.components import (
    chart_section,
    controls,
    csv_download,
    data_table,
    page_header,
    page_link,
    published_line,
    register_image_export,
    select,
    unavailable_page,
    unreadable,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
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

HEADLINES = ChartIds.of("overview-headlines")
VERDICTS = ChartIds.of("overview-verdicts")
SIGNALS = ChartIds.of("overview-signals")
FRESHNESS = ChartIds.of("overview-freshness")


def _comment(table: str) -> str | None:
    frame = current().warehouse.query("table_comment", table_name=table)
    return frame["comment"][0] if frame.height else None


def _offer() -> Offer:
    present = set(current().marts.pooled_effects()["timepoint"])
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


def layout(**query: Any) -> html.Div:
    runtime = current()
    rules = runtime.rules
    try:
        marts = runtime.marts
        headlines = overview_headlines.process_data(marts.overview_headlines())
        signals = overview_signals.process_data(marts.overview_safety_signals())
        offer = _offer()
        comments = {
            table: _comment(table)
            for table in (
                overview_headlines.MART,
                overview_signals.MART,
                overview_freshness.MART,
                *overview_verdicts.MARTS,
            )
        }
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    state = parse_query(query, offer)
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
            chart_section(
                HEADLINES,
                "Episodes by delivery mode",
                overview_headlines.about(rules, comments[overview_headlines.MART]),
                "overview-headlines",
            ),
            chart_section(
                VERDICTS,
                "Verdicts against in-person CBT",
                overview_verdicts.about(rules, {t: comments[t] for t in overview_verdicts.MARTS}),
                f"overview-verdicts-{state.timepoint}",
                table_open=True,
            ),
            html.P(id=Id.OVERVIEW_EFFECTIVENESS_LINK),
            chart_section(
                SIGNALS,
                "Open safety signals",
                overview_signals.about(comments[overview_signals.MART]),
                "overview-signals",
            ),
            _signal_links(signals),
            chart_section(
                FRESHNESS,
                "Data freshness",
                overview_freshness.about(comments[overview_freshness.MART]),
                "overview-freshness",
            ),
            brief_link(),
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _data(timepoint: str) -> dict[str, pl.DataFrame]:
    marts = current().marts
    return {
        "headlines": overview_headlines.process_data(marts.overview_headlines()),
        "verdicts": overview_verdicts.process_data(
            marts.pooled_effects(), marts.comparisons(), marts.evidence_certainty(), timepoint
        ),
        "signals": overview_signals.process_data(marts.overview_safety_signals()),
        "freshness": overview_freshness.process_data(marts.overview_freshness()),
    }


@callback(
    *[
        Output(component, prop)
        for ids in (HEADLINES, VERDICTS, SIGNALS, FRESHNESS)
        for component, prop in (
            (ids.graph, "figure"),
            (ids.graph, "config"),
            (ids.summary, "children"),
            (ids.table, "children"),
        )
    ],
    Output(Id.OVERVIEW_URL, "search"),
    Output(Id.OVERVIEW_EFFECTIVENESS_LINK, "children"),
    Input(Id.OVERVIEW_TIMEPOINT, "value"),
    State(Id.OVERVIEW_TIMEPOINT, "options"),
)
def update_view(timepoint: str, timepoint_options: list[dict[str, str]]) -> tuple[Any, ...]:
    """Draw the four sections; the verdicts follow the timepoint, mirrored in the URL and
    in the link to the Effectiveness page."""
    offer = Offer(timepoints=[o["value"] for o in timepoint_options])
    search = to_query_string(ViewState(timepoint=timepoint), offer)
    effectiveness = page_link(
        EFFECTIVENESS_PATH,
        "Every program and delivery mode, pooled and graded: Effectiveness page",
        search,
    )
    names = [
        "overview-headlines",
        f"overview-verdicts-{timepoint}",
        "overview-signals",
        "overview-freshness",
    ]
    try:
        data = _data(timepoint)
    except WarehouseUnavailableError:
        return (*unreadable(names), search, effectiveness)
    rules = current().rules
    headlines, verdicts = data["headlines"], data["verdicts"]
    signals, freshness = data["signals"], data["freshness"]
    label = timepoint_label(timepoint).lower()
    sections = [
        (
            overview_headlines.create_figure(headlines),
            overview_headlines.summarise(headlines, rules),
            data_table(
                overview_headlines.table_frame(headlines, rules),
                overview_headlines.TABLE_HEADERS,
                "Programs and episodes per delivery mode",
                numeric=overview_headlines.NUMERIC_COLUMNS,
            ),
        ),
        (
            overview_verdicts.create_figure(verdicts, rules),
            overview_verdicts.summarise(verdicts, rules),
            data_table(
                overview_verdicts.table_frame(verdicts, rules),
                overview_verdicts.TABLE_HEADERS,
                f"Verdicts against in-person CBT at {label}, with certainty",
                numeric=overview_verdicts.NUMERIC_COLUMNS,
            ),
        ),
        (
            overview_signals.create_figure(signals),
            overview_signals.summarise(signals),
            data_table(
                overview_signals.table_frame(signals),
                overview_signals.TABLE_HEADERS,
                "Open safety signals per program and indicator",
                numeric=overview_signals.NUMERIC_COLUMNS,
            ),
        ),
        (
            overview_freshness.create_figure(freshness),
            overview_freshness.summarise(freshness),
            data_table(
                overview_freshness.table_frame(freshness),
                overview_freshness.TABLE_HEADERS,
                "Last delivery per program against its expected cadence",
                numeric=overview_freshness.NUMERIC_COLUMNS,
            ),
        ),
    ]
    outputs: list[Any] = []
    for (figure, summary, table), name in zip(sections, names, strict=True):
        outputs += [figure, graph_config(name), summary, table]
    return (*outputs, search, effectiveness)


def _csv(section: str, frame: pl.DataFrame) -> pl.DataFrame:
    rules = current().rules
    if section == "headlines":
        return overview_headlines.csv_frame(frame, rules)
    if section == "verdicts":
        return overview_verdicts.csv_frame(frame, rules)
    if section == "signals":
        return overview_signals.csv_frame(frame)
    return overview_freshness.csv_frame(frame)


def _register_download(section: str, ids: ChartIds) -> None:
    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        State(Id.OVERVIEW_TIMEPOINT, "value"),
        prevent_initial_call=True,
    )
    def download(_clicks: int, timepoint: str) -> dict[str, Any]:
        """The section's numbers as CSV, with the same suppression as on screen."""
        frame = _data(timepoint)[section]
        suffix = f"-{timepoint}" if section == "verdicts" else ""
        return csv_download(_csv(section, frame), f"overview-{section}{suffix}.csv")


for _section, _ids in (
    ("headlines", HEADLINES),
    ("verdicts", VERDICTS),
    ("signals", SIGNALS),
    ("freshness", FRESHNESS),
):
    _register_download(_section, _ids)
    register_image_export(_ids)
