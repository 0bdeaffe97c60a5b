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

from dashboards.charts import program_registry
from dashboards.charts.common import graph_config, ordered_modes
from dashboards.components import (
    chart_section,
    checklist,
    controls,
    csv_download,
    data_table,
    empty_mart,
    page_header,
    published_line,
    register_image_export,
    select,
    unavailable_page,
    unreadable,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
from dashboards.runtime import current
from dashboards.theme import mode_label
from dashboards.view_state import Offer, OutcomeKey, ViewState, parse_query, to_query_string

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

REGISTRY = ChartIds.of("programs-registry")


def _offer(registry: pl.DataFrame, outcomes: pl.DataFrame) -> Offer:
    return Offer(
        outcomes=[OutcomeKey(i, s) for i, s in outcomes.select("instrument", "scale").rows()],
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
    )


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        marts = runtime.snapshot()
        registry = marts.programs()
        outcomes = marts.query("outcome_options", timepoint="post_treatment")
        marts.engagement_funnel()  # a missing funnel mart is reported here, once
        built_at = marts.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    if registry.is_empty() or outcomes.is_empty():
        return empty_mart(TITLE, "staging_programs")
    offer = _offer(registry, outcomes)
    state = parse_query(query, offer)
    rules = runtime.rules
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
                        [
                            (str(OutcomeKey(r["instrument"], r["scale"])), r["outcome_label"])
                            for r in outcomes.iter_rows(named=True)
                        ],
                        str(state.outcome),
                    ),
                    checklist(
                        Id.PROGRAMS_MODES,
                        "Delivery mode",
                        [(m, mode_label(m)) for m in offer.modes],
                        state.modes,
                    ),
                    checklist(
                        Id.PROGRAMS_PROGRAMS,
                        "Program",
                        registry.select("program_id", "program_name").rows(),
                        state.programs,
                        scroll=True,
                    ),
                ]
            ),
            chart_section(
                REGISTRY,
                "Programs side by side",
                program_registry.about(rules),
                f"programs-{state.outcome}",
                table_open=True,
            ),
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _state(outcome: str, modes: list[str] | None, programs: list[str] | None) -> ViewState:
    return ViewState(OutcomeKey.parse(outcome), tuple(modes or ()), tuple(programs or ()))


def _data(state: ViewState) -> pl.DataFrame:
    marts = current().snapshot()
    return program_registry.process_data(
        marts.programs(), marts.program_outcomes(), marts.engagement_funnel(), state
    )


@callback(
    Output(REGISTRY.graph, "figure"),
    Output(REGISTRY.graph, "config"),
    Output(REGISTRY.summary, "children"),
    Output(REGISTRY.table, "children"),
    Output(Id.PROGRAMS_URL, "search"),
    Input(Id.PROGRAMS_OUTCOME, "value"),
    Input(Id.PROGRAMS_MODES, "value"),
    Input(Id.PROGRAMS_PROGRAMS, "value"),
    State(Id.PROGRAMS_MODES, "options"),
    State(Id.PROGRAMS_PROGRAMS, "options"),
)
def update_view(
    outcome: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> tuple[Any, ...]:
    """Redraw the chart and the registry table for the controls; mirror them in the URL."""
    state = _state(outcome, modes, programs)
    offer = Offer(
        outcomes=[OutcomeKey.parse(outcome)],
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
    )
    search = to_query_string(state, offer)
    name = f"programs-{outcome}"
    try:
        data = _data(state)
    except WarehouseUnavailableError:
        return (*unreadable([name]), search)
    shared = program_registry.shared_topics(current().snapshot().programs())
    caption = (
        "Programs on the Environmental Scan's dimensions, with headline outcome "
        f"({data['outcome_label'].drop_nulls().first() or outcome}) and completion. Every "
        f"program covers {', '.join(map(program_registry.topic_text, shared))}; Topics "
        "lists the others."
    )
    table = data_table(
        program_registry.table_frame(data, current().rules, shared),
        program_registry.TABLE_HEADERS,
        caption,
        numeric=program_registry.NUMERIC_COLUMNS,
    )
    return (
        program_registry.create_figure(data),
        graph_config(name),
        program_registry.summarise(data),
        table,
        search,
    )


@callback(
    Output(REGISTRY.download, "data"),
    Input(REGISTRY.csv, "n_clicks"),
    State(Id.PROGRAMS_OUTCOME, "value"),
    State(Id.PROGRAMS_MODES, "value"),
    State(Id.PROGRAMS_PROGRAMS, "value"),
    prevent_initial_call=True,
)
def download_registry(
    _clicks: int, outcome: str, modes: list[str] | None, programs: list[str] | None
) -> dict[str, Any]:
    """The registry table as CSV, with the same suppression as on screen."""
    data = _data(_state(outcome, modes, programs))
    return csv_download(
        program_registry.csv_frame(data, current().rules), f"programs-{outcome}.csv"
    )


register_image_export(REGISTRY)
