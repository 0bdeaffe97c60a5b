"""Outcomes by program: pre-post change per program for one outcome (the home page).

`create_app` redirects `/` here (`app.HOME_PATH`); Dash's own `redirect_from` cannot take `/`,
which Dash itself serves.

The view lives in the URL (`?outcome=PHQ9.total&mode=guided_asynchronous`): the layout
reads it on load and the update callback writes it back, so a copied link reproduces
the view. Suppression runs on all programs of the outcome before the filters, so which
programs are hidden never depends on the filters a reader picks.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, callback, clientside_callback, dcc, html

from dashboards.charts import program_change
from dashboards.charts.common import graph_config, no_data_figure
from dashboards.components import data_table, published_line, unavailable
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import Id
from dashboards.runtime import Runtime, current
from dashboards.suppression import suppress
from dashboards.theme import DELIVERY_MODES, mode_label
from dashboards.view_state import OutcomeKey, ViewState, parse_query, to_query_string

PATH = "/outcomes"

dash.register_page(
    __name__,
    path=PATH,
    name="Outcomes by program",
    title="Outcomes by program | iCBT chronic pain outcomes observatory",
    description="Change from baseline to post-treatment per program and outcome.",
    order=0,
)

NUMERIC_COLUMNS = frozenset(program_change.TABLE_HEADERS) - {
    "program_name",
    "delivery_mode",
    "province",
}


def _image_name(outcome: str) -> str:
    return f"program-change-{outcome}"


def _modes(programs: pl.DataFrame) -> list[str]:
    """Delivery modes present, in the contract's order of therapist involvement."""
    present = set(programs["delivery_mode"].to_list())
    return [m for m in DELIVERY_MODES if m in present] + sorted(present - set(DELIVERY_MODES))


def _controls(outcomes: pl.DataFrame, programs: pl.DataFrame, state: ViewState) -> html.Div:
    modes = _modes(programs)
    return html.Div(
        [
            dbc.Label("Outcome", html_for=Id.OUTCOME_SELECT, className="fw-semibold"),
            dbc.Select(
                id=Id.OUTCOME_SELECT,
                options=[
                    {
                        "label": row["outcome_label"],
                        "value": str(OutcomeKey(row["instrument"], row["scale"])),
                    }
                    for row in outcomes.iter_rows(named=True)
                ],
                value=str(state.outcome),
                className="mb-3",
            ),
            html.Fieldset(
                [
                    html.Legend("Delivery mode", className="form-label fs-6 fw-semibold"),
                    dbc.Checklist(
                        id=Id.MODE_FILTER,
                        options=[{"label": mode_label(m), "value": m} for m in modes],
                        value=list(state.modes),
                    ),
                ],
                className="mb-3",
            ),
            html.Fieldset(
                [
                    html.Legend("Program", className="form-label fs-6 fw-semibold"),
                    dbc.Checklist(
                        id=Id.PROGRAM_FILTER,
                        options=[
                            {"label": row["program_name"], "value": row["program_id"]}
                            for row in programs.iter_rows(named=True)
                        ],
                        value=list(state.programs),
                    ),
                ],
            ),
        ],
        role="group",
        **{"aria-label": "Choose what the chart shows"},
        className="mb-4",
    )


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        outcomes = runtime.warehouse.query("outcome_options", timepoint=program_change.TIMEPOINT)
        programs = runtime.warehouse.query("program_options", timepoint=program_change.TIMEPOINT)
        comment = runtime.warehouse.query("table_comment", table_name=program_change.MART)
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return html.Div([html.H1("Outcomes by program"), unavailable(exc)])
    if outcomes.is_empty():
        return html.Div(
            [
                html.H1("Outcomes by program"),
                dbc.Alert(
                    f"{program_change.MART} is published but holds no rows yet.",
                    id=Id.WAREHOUSE_STATUS,
                    color="info",
                ),
            ]
        )
    state = parse_query(
        query,
        outcomes=[OutcomeKey(i, s) for i, s in outcomes.select("instrument", "scale").rows()],
        modes=_modes(programs),
        programs=programs["program_id"].to_list(),
    )
    mart_comment = comment["comment"][0] if comment.height else None
    return html.Div(
        [
            dcc.Location(id=Id.OUTCOMES_URL, refresh=False),
            html.H1("Outcomes by program"),
            html.P(
                "How much each program's patients changed between starting treatment and "
                "finishing it, on one outcome at a time.",
                className="lead",
            ),
            dbc.Row(
                [
                    dbc.Col(_controls(outcomes, programs, state), lg=3),
                    dbc.Col(
                        [
                            html.Figure(
                                [
                                    dcc.Graph(
                                        id=Id.PROGRAM_CHANGE_GRAPH,
                                        config=graph_config(_image_name(str(state.outcome))),
                                    ),
                                    html.Figcaption(
                                        id=Id.PROGRAM_CHANGE_SUMMARY,
                                        className="small",
                                        **{"aria-live": "polite"},
                                    ),
                                ],
                                className="mb-2",
                            ),
                            dbc.Button(
                                "Download chart (PNG)",
                                id=Id.OUTCOMES_IMAGE_BUTTON,
                                color="secondary",
                                outline=True,
                                size="sm",
                                className="mb-3",
                            ),
                            html.Details(
                                [
                                    html.Summary("About this chart"),
                                    *[
                                        html.P(text, className="small mt-2")
                                        for text in program_change.about(
                                            runtime.rules, mart_comment
                                        )
                                    ],
                                ],
                                className="mb-4",
                            ),
                        ],
                        lg=9,
                    ),
                ]
            ),
            html.H2("Numbers behind the chart", className="h4"),
            dbc.Button(
                "Download table (CSV)",
                id=Id.OUTCOMES_DOWNLOAD_BUTTON,
                color="primary",
                size="sm",
                className="mb-2",
            ),
            dcc.Download(id=Id.OUTCOMES_DOWNLOAD),
            html.Div(id=Id.OUTCOMES_TABLE),
            html.P(runtime.rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _chart_data(runtime: Runtime, state: ViewState) -> pl.DataFrame:
    frame = runtime.warehouse.query(
        program_change.QUERY,
        instrument=state.outcome.instrument,
        scale=state.outcome.scale,
        timepoint=program_change.TIMEPOINT,
    )
    suppressed = suppress(frame, program_change.SUPPRESSION, runtime.rules)
    return program_change.process_data(suppressed, state)


def _state(outcome: str, modes: list[str] | None, programs: list[str] | None) -> ViewState:
    return ViewState(OutcomeKey.parse(outcome), tuple(modes or ()), tuple(programs or ()))


@callback(
    Output(Id.PROGRAM_CHANGE_GRAPH, "figure"),
    Output(Id.PROGRAM_CHANGE_GRAPH, "config"),
    Output(Id.PROGRAM_CHANGE_SUMMARY, "children"),
    Output(Id.OUTCOMES_TABLE, "children"),
    Output(Id.OUTCOMES_URL, "search"),
    Input(Id.OUTCOME_SELECT, "value"),
    Input(Id.MODE_FILTER, "value"),
    Input(Id.PROGRAM_FILTER, "value"),
    State(Id.MODE_FILTER, "options"),
    State(Id.PROGRAM_FILTER, "options"),
)
def update_view(
    outcome: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> tuple[Any, ...]:
    """Redraw chart, summary and table for the controls, and mirror them in the URL."""
    runtime = current()
    state = _state(outcome, modes, programs)
    search = to_query_string(
        state,
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
    )
    config = graph_config(_image_name(outcome))
    try:
        data = _chart_data(runtime, state)
    except WarehouseUnavailableError as exc:
        message = "The warehouse cannot be read; reload the page."
        return no_data_figure(message), config, message, unavailable(exc), search
    label = program_change.outcome_label(data)
    table = data_table(
        program_change.table_frame(data, runtime.rules),
        program_change.TABLE_HEADERS,
        f"{label}: baseline, post-treatment and change per program",
        numeric=NUMERIC_COLUMNS,
    )
    return (
        program_change.create_figure(data),
        config,
        program_change.summarise(data),
        table,
        search,
    )


@callback(
    Output(Id.OUTCOMES_DOWNLOAD, "data"),
    Input(Id.OUTCOMES_DOWNLOAD_BUTTON, "n_clicks"),
    State(Id.OUTCOME_SELECT, "value"),
    State(Id.MODE_FILTER, "value"),
    State(Id.PROGRAM_FILTER, "value"),
    prevent_initial_call=True,
)
def download_table(
    _clicks: int, outcome: str, modes: list[str] | None, programs: list[str] | None
) -> dict[str, Any]:
    """The table as CSV, with the same suppression as on screen."""
    runtime = current()
    data = _chart_data(runtime, _state(outcome, modes, programs))
    csv = program_change.csv_frame(data, runtime.rules).write_csv()
    return dcc.send_string(csv, filename=f"program-change-{outcome}.csv", type="text/csv")


# The modebar's camera button is not reachable by keyboard; this button is, and saves the
# same image through Plotly's own downloadImage with the graph's export settings.
clientside_callback(
    """
    function(clicks, config, graphId) {
        const graph = document.querySelector("#" + CSS.escape(graphId) + " .js-plotly-plot");
        if (clicks && graph) {
            Plotly.downloadImage(graph, config.toImageButtonOptions);
        }
    }
    """,
    Input(Id.OUTCOMES_IMAGE_BUTTON, "n_clicks"),
    State(Id.PROGRAM_CHANGE_GRAPH, "config"),
    State(Id.PROGRAM_CHANGE_GRAPH, "id"),
    prevent_initial_call=True,
)
