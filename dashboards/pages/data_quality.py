"""Data quality: deliveries, quarantine reasons, checks, freshness and case-mix drift.

What the pipeline did with each program's files (ingest_load_ledger), why rows were
quarantined (mart_quarantine_reasons: counts of value-free reasons, never the quarantine
itself), the OHDSI-style checks (dq_check_status), how fresh each program's data are
(dq_freshness) and whether a program's referrals drift (drift_results, with the kept
Evidently reports served by `dashboards.reports`). Filters in the URL: `mode`, `program`
and `period` (a delivery batch for the deliveries table; `all` lists the files that need
a look). Analysts only (`publish=False`): it is operational detail about named programs'
deliveries, and the drift reports are not suppressed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import dq_checks, dq_deliveries, dq_drift, dq_freshness, dq_quarantine
from dashboards.charts.common import MISSING, graph_config, ordered_modes
from dashboards.components import (
    chart_section,
    checklist,
    controls,
    csv_download,
    data_table,
    page_header,
    published_line,
    register_image_export,
    select,
    unavailable_page,
    unreadable,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
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

DELIVERIES = ChartIds.of("data_quality-deliveries")
QUARANTINE = ChartIds.of("data_quality-quarantine")
CHECKS = ChartIds.of("data_quality-checks")
FRESHNESS = ChartIds.of("data_quality-freshness")
DRIFT = ChartIds.of("data_quality-drift")
CHARTS: dict[ModuleType, ChartIds] = {
    dq_deliveries: DELIVERIES,
    dq_quarantine: QUARANTINE,
    dq_checks: CHECKS,
    dq_freshness: FRESHNESS,
    dq_drift: DRIFT,
}
NAMES = {
    dq_deliveries: "deliveries",
    dq_quarantine: "quarantine-reasons",
    dq_checks: "checks",
    dq_freshness: "freshness",
    dq_drift: "drift",
}
HEADINGS = {
    dq_deliveries: "Deliveries",
    dq_quarantine: "Quarantined rows",
    dq_checks: "Data-quality checks",
    dq_freshness: "Freshness",
    dq_drift: "Case-mix drift",
}
CONTROLS = (
    Input(Id.DATA_QUALITY_MODES, "value"),
    Input(Id.DATA_QUALITY_PROGRAMS, "value"),
    Input(Id.DATA_QUALITY_BATCH, "value"),
)


def _batches() -> list[str]:
    return sorted(current().marts.load_ledger()["batch_id"].unique().to_list(), reverse=True)


def _offer() -> Offer:
    registry = current().marts.programs()
    return Offer(
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
        periods=[ALL_PERIODS, *_batches()],
    )


def _comment(table: str) -> str | None:
    frame = current().warehouse.query("table_comment", table_name=table)
    return frame["comment"][0] if frame.height else None


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        registry = runtime.marts.programs()
        offer = _offer()
        comments = {module: _comment(module.MART) for module in CHARTS}
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    state = parse_query(query, offer)
    rules = runtime.rules
    batch_options = [(ALL_PERIODS, "Every batch (files that need a look)")] + [
        (b, f"Batch {b}") for b in offer.periods[1:]
    ]
    return html.Div(
        [
            dcc.Location(id=Id.DATA_QUALITY_URL, refresh=False),
            *page_header(
                TITLE,
                "What happened to each program's deliveries: files loaded, rows quarantined "
                "and why, the data-quality checks, how fresh the data are, and whether the "
                "people referred are changing.",
            ),
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
            ),
            *[
                chart_section(
                    CHARTS[module],
                    HEADINGS[module],
                    module.about(rules, comments[module]),
                    f"data-quality-{NAMES[module]}",
                    table_open=module in (dq_deliveries, dq_checks),
                )
                for module in CHARTS
            ],
            html.Section(
                [
                    html.H2("Drift reports", id="data_quality-reports-heading", className="h4"),
                    html.P(
                        "Evidently's own HTML reports, kept by the pipeline. They are not "
                        "suppressed, so a report is linked only when it describes at least "
                        f"{min_report_episodes()} episodes (the drift test's minimum, "
                        "config/quality.yaml). Each opens in a new tab.",
                        className="small",
                    ),
                    html.Div(id=Id.DATA_QUALITY_REPORTS),
                ],
                **{"aria-labelledby": "data_quality-reports-heading"},
            ),
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _programs_in_view(modes: list[str] | None, programs: list[str] | None) -> list[str]:
    """Programs chosen whose delivery mode is chosen too."""
    chosen, wanted = set(modes or ()), set(programs or ())
    registry = current().marts.programs()
    return [
        p
        for p, mode in registry.select("program_id", "delivery_mode").rows()
        if p in wanted and mode in chosen
    ]


def _data(module: ModuleType, programs: list[str], batch: str) -> pl.DataFrame:
    marts = current().marts
    if module is dq_deliveries:
        return dq_deliveries.process_data(marts.load_ledger(), programs, batch)
    if module is dq_quarantine:
        return dq_quarantine.process_data(marts.quarantine_reasons(), programs)
    if module is dq_checks:
        return dq_checks.process_data(marts.dq_checks())
    if module is dq_freshness:
        return dq_freshness.process_data(marts.overview_freshness(), programs)
    return dq_drift.process_data(marts.drift_results(), programs)


def _summary(module: ModuleType, data: pl.DataFrame, batch: str) -> str:
    if module is dq_deliveries:
        return dq_deliveries.summarise(data, batch)
    if module is dq_quarantine:
        return dq_quarantine.summarise(data, current().rules)
    return module.summarise(data)


def _file_name(module: ModuleType, batch: str) -> str:
    suffix = f"-{batch}" if module is dq_deliveries else ""
    return f"data-quality-{NAMES[module]}{suffix}"


def _triggers(module: ModuleType) -> list[Input | State]:
    """The controls that redraw a chart; the rest are read as State. The checks are
    warehouse-wide, so they are drawn once, when the page opens."""
    as_state = [State(c.component_id, c.component_property) for c in CONTROLS]
    if module is dq_checks:
        return [Input(Id.DATA_QUALITY_URL, "pathname"), *as_state]
    if module is dq_deliveries:
        return list(CONTROLS)
    return [*CONTROLS[:2], as_state[2]]


def _register_chart(module: ModuleType) -> None:
    ids = CHARTS[module]

    @callback(
        Output(ids.graph, "figure"),
        Output(ids.graph, "config"),
        Output(ids.summary, "children"),
        Output(ids.table, "children"),
        *_triggers(module),
    )
    def update_chart(*args: Any) -> tuple[Any, ...]:
        """Redraw this chart for the programs in view (and the batch, for deliveries)."""
        modes, programs, batch = args[-3:]
        name = _file_name(module, batch)
        try:
            data = _data(module, _programs_in_view(modes, programs), batch)
        except WarehouseUnavailableError:
            return tuple(unreadable([name]))
        frame = module.table_frame(data, current().rules)
        table = (
            data_table(
                frame,
                module.TABLE_HEADERS,
                f"Numbers behind the chart: {HEADINGS[module].lower()}",
                numeric=module.NUMERIC_COLUMNS,
            )
            if frame.height
            else html.P("Nothing to list for this view.", className="small")
        )
        return module.create_figure(data), graph_config(name), _summary(module, data, batch), table

    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        *[State(c.component_id, c.component_property) for c in CONTROLS],
        prevent_initial_call=True,
    )
    def download(
        _clicks: int, modes: list[str] | None, programs: list[str] | None, batch: str
    ) -> dict[str, Any]:
        """The chart's numbers as CSV, with the same suppression as on screen."""
        data = _data(module, _programs_in_view(modes, programs), batch)
        frame = module.csv_frame(data, current().rules)
        return csv_download(frame, f"{_file_name(module, batch)}.csv")

    register_image_export(ids)


def _reports_table(rows: pl.DataFrame) -> html.Div:
    """The kept reports as a table whose last column links to each servable one."""
    if rows.is_empty():
        return html.P("No drift report has been written for the programs in view yet.")
    headers = ["Program", "Batch", "Report", "Compared with", "Verdict", "Open"]
    body = []
    for row in rows.iter_rows(named=True):
        link: Any = (
            html.A(
                "Open report",
                href=report_url(row["path"]),
                target="_blank",
                rel="noopener",
                **{
                    "aria-label": f"Open the {row['type_label'].lower()} of {row['program_id']}, "
                    f"batch {row['batch_id']} (new tab)"
                },
            )
            if row["served"]
            else "Not served: too few episodes"
        )
        body.append(
            html.Tr(
                [
                    html.Th(row["program_id"], scope="row"),
                    html.Td(row["batch_id"]),
                    html.Td(row["type_label"]),
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
        reports = current().marts.drift_reports()
    except WarehouseUnavailableError:
        return html.P("The warehouse cannot be read right now; reload the page in a moment.")
    rows = dq_drift.report_rows(reports, _programs_in_view(modes, programs), min_report_episodes())
    return _reports_table(rows)


@callback(
    Output(Id.DATA_QUALITY_URL, "search"),
    *CONTROLS,
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


for _module in CHARTS:
    _register_chart(_module)
