"""Data quality: deliveries, quarantine reasons, checks, freshness and case-mix drift.

What the pipeline did with each program's files (ingest_load_ledger), why rows were
quarantined (mart_quarantine_reasons: counts of value-free reasons, never the quarantine
itself), the OHDSI-style checks (dq_check_status), how fresh each program's data are
(dq_freshness) and whether a program's referrals drift (drift_results, with summaries
of the kept Evidently reports served by `dashboards.reports`). Filters in the URL:
`mode`, `program` and `period` (a delivery batch for the deliveries table; `all` lists
the files that need a look). Analysts only (`publish=False`): it is operational detail
about named programs' deliveries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, html

from dashboards.chart_page import Chart, ChartPage, Options, PageBody, Values
from dashboards.charts import dq_checks, dq_deliveries, dq_drift, dq_freshness, dq_quarantine
from dashboards.charts.common import MISSING, ordered_modes
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import checklist, controls, select
from dashboards.data import WarehouseUnavailableError
from dashboards.filters import programs_in_view
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.reports import min_report_episodes, report_url
from dashboards.runtime import current
from dashboards.theme import mode_label
from dashboards.view_state import ALL_PERIODS, Offer, ViewState, parse_query, to_query_string

PATH = "/data-quality"
TITLE = "Data quality"

dash.register_page(
    __name__,
    path=PATH,
    name="Data quality",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Deliveries, quarantine reasons, data-quality checks, freshness and drift.",
    order=5,
    publish=False,
)


def _chart(module: Any, part: str, name: str, heading: str, **props: Any) -> Chart:
    return Chart(
        module,
        ChartIds.of(f"data_quality-{part}"),
        f"data-quality-{name}",
        heading,
        f"Numbers behind the chart: {heading.lower()}",
        **props,
    )


CHARTS = (
    _chart(dq_deliveries, "deliveries", "deliveries", "Deliveries", table_open=True),
    _chart(dq_quarantine, "quarantine", "quarantine-reasons", "Quarantined rows"),
    _chart(dq_checks, "checks", "checks", "Data-quality checks", table_open=True),
    _chart(dq_freshness, "freshness", "freshness", "Freshness"),
    _chart(dq_drift, "drift", "drift", "Case-mix drift"),
)


def _batches(marts: Marts) -> list[str]:
    return sorted(marts.load_ledger()["batch_id"].unique().to_list(), reverse=True)


def _offer(marts: Marts) -> Offer:
    registry = marts.programs()
    return Offer(
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
        periods=[ALL_PERIODS, *_batches(marts)],
    )


def _view(marts: Marts, state: ViewState) -> ChartView:
    return ChartView(state, marts.rules, programs=programs_in_view(marts, state))


def _resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
    state = ViewState(
        modes=tuple(values[Control.MODES] or ()),
        programs=tuple(values[Control.PROGRAMS] or ()),
        period=values[Control.BATCH],
    )
    return _view(marts, state)


def _file_stem(chart: Chart, view: ChartView) -> str:
    if Control.BATCH in chart.module.CONTROLS:
        return f"{chart.name}-{view.state.period}"
    return chart.name


PAGE = ChartPage(
    url=Id.DATA_QUALITY_URL,
    controls=(
        (Control.MODES, Id.DATA_QUALITY_MODES),
        (Control.PROGRAMS, Id.DATA_QUALITY_PROGRAMS),
        (Control.BATCH, Id.DATA_QUALITY_BATCH),
    ),
    options=(),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=CHARTS,
)


LEAD = (
    "What happened to each program's deliveries: files loaded, rows quarantined and why, "
    "the data-quality checks, how fresh the data are, and whether the people referred are "
    "changing."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody:
    registry = marts.programs()
    offer = _offer(marts)
    state = parse_query(query, offer)
    batch_options = [(ALL_PERIODS, "Every batch (files that need a look)")] + [
        (b, f"Batch {b}") for b in offer.periods[1:]
    ]
    return PageBody(
        _view(marts, state),
        before=[
            controls(
                [
                    select(
                        Id.DATA_QUALITY_BATCH,
                        "Deliveries table",
                        batch_options,
                        state.period,
                    ),
                    checklist(
                        Id.DATA_QUALITY_MODES,
                        "Delivery mode",
                        [(m, mode_label(m)) for m in offer.modes],
                        state.modes,
                    ),
                    checklist(
                        Id.DATA_QUALITY_PROGRAMS,
                        "Program",
                        registry.select("program_id", "program_name").rows(),
                        state.programs,
                        scroll=True,
                    ),
                ]
            )
        ],
        after=[
            html.Section(
                [
                    html.H2("Drift reports", id="data_quality-reports-heading", className="h4"),
                    html.P(
                        "Evidently's HTML reports stay in the pipeline's reports folder: "
                        "they draw the episodes' distributions, with counts of single "
                        "people and each score's minimum and maximum. Each link opens a "
                        "summary of the report (each feature's test, p-value and verdict, "
                        "no counts), for reports of at least "
                        f"{min_report_episodes()} episodes (the drift test's minimum, "
                        "config/quality.yaml), in a new tab.",
                        className="small",
                    ),
                    html.Div(id=Id.DATA_QUALITY_REPORTS),
                ],
                **{"aria-labelledby": "data_quality-reports-heading"},
            )
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


def _reports_table(rows: pl.DataFrame) -> html.Div:
    """The kept reports as a table whose last column links to each servable one."""
    if rows.is_empty():
        return html.P("No drift report has been written for the programs in view yet.")
    headers = ["Program", "Batch", "Compared with", "Verdict", "Open"]
    body = []
    for row in rows.iter_rows(named=True):
        link: Any = (
            html.A(
                dq_drift.REPORT_LINK_TEXT,
                href=report_url(row["path"]),
                target="_blank",
                rel="noopener",
                # The accessible name starts with the visible text (WCAG 2.5.3).
                **{"aria-label": dq_drift.report_link_name(row)},
            )
            if row["served"]
            else "Not served: too few episodes"
        )
        body.append(
            html.Tr(
                [
                    html.Th(row["program_id"], scope="row"),
                    html.Td(row["batch_id"]),
                    html.Td(row["reference_label"]),
                    html.Td(row["verdict_label"] or MISSING),
                    html.Td(link),
                ]
            )
        )
    return html.Div(
        html.Table(
            [
                html.Caption("Kept drift reports, newest batch first"),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody(body),
            ],
            className="table table-sm table-striped align-middle caption-top",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **{"aria-label": "Kept drift reports"},
    )


@callback(
    Output(Id.DATA_QUALITY_REPORTS, "children"),
    Input(Id.DATA_QUALITY_MODES, "value"),
    Input(Id.DATA_QUALITY_PROGRAMS, "value"),
)
def update_reports(modes: list[str] | None, programs: list[str] | None) -> Any:
    """The kept drift reports of the programs in view, linked when they may be served."""
    try:
        marts = current().snapshot()
        reports = marts.drift_reports()
        state = ViewState(modes=tuple(modes or ()), programs=tuple(programs or ()))
        in_view = programs_in_view(marts, state)
    except WarehouseUnavailableError:
        return html.P("The warehouse cannot be read right now; reload the page in a moment.")
    rows = dq_drift.report_rows(reports, list(in_view), min_report_episodes())
    return _reports_table(rows)


@callback(
    Output(Id.DATA_QUALITY_URL, "search"),
    Input(Id.DATA_QUALITY_MODES, "value"),
    Input(Id.DATA_QUALITY_PROGRAMS, "value"),
    Input(Id.DATA_QUALITY_BATCH, "value"),
    State(Id.DATA_QUALITY_MODES, "options"),
    State(Id.DATA_QUALITY_PROGRAMS, "options"),
    State(Id.DATA_QUALITY_BATCH, "options"),
)
def update_url(
    modes: list[str] | None,
    programs: list[str] | None,
    batch: str,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
    batch_options: list[dict[str, str]],
) -> str:
    """Mirror the filters in the URL."""
    offer = Offer(
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
        periods=[o["value"] for o in batch_options],
    )
    state = ViewState(modes=tuple(modes or ()), programs=tuple(programs or ()), period=batch)
    return to_query_string(state, offer)


PAGE.register()
