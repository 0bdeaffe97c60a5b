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

from types import ModuleType
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import program_change, responder_rates, score_trajectories
from dashboards.charts.common import graph_config, ordered_modes
from dashboards.components import (
    chart_section,
    checklist,
    controls,
    csv_download,
    data_table,
    empty_mart,
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
from dashboards.theme import mode_label
from dashboards.view_state import Offer, OutcomeKey, ViewState, parse_query, to_query_string

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

CHANGE = ChartIds.of("outcomes-change")
RESPONDERS = ChartIds.of("outcomes-responders")
TRAJECTORIES = ChartIds.of("outcomes-trajectories")


def _offer(outcomes: pl.DataFrame, programs: pl.DataFrame) -> Offer:
    return Offer(
        outcomes=[OutcomeKey(i, s) for i, s in outcomes.select("instrument", "scale").rows()],
        modes=ordered_modes(programs["delivery_mode"].to_list()),
        programs=programs["program_id"].to_list(),
    )


def _comment(table: str) -> str | None:
    frame = current().warehouse.query("table_comment", table_name=table)
    return frame["comment"][0] if frame.height else None


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        outcomes = runtime.warehouse.query("outcome_options", timepoint=program_change.TIMEPOINT)
        programs = runtime.warehouse.query("program_options", timepoint=program_change.TIMEPOINT)
        comments = {
            module: _comment(module.MART)
            for module in (program_change, responder_rates, score_trajectories)
        }
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    if outcomes.is_empty():
        return empty_mart(TITLE, program_change.MART)
    offer = _offer(outcomes, programs)
    state = parse_query(query, offer)
    rules = runtime.rules
    outcome = str(state.outcome)
    return html.Div(
        [
            dcc.Location(id=Id.OUTCOMES_URL, refresh=False),
            *page_header(
                TITLE,
                "How much each program's patients changed between starting treatment and "
                "finishing it, how many improved, and how scores moved week by week.",
            ),
            html.Div(id=Id.OUTCOMES_EFFECTIVENESS_LINK),
            controls(
                [
                    select(
                        Id.OUTCOMES_OUTCOME,
                        "Outcome",
                        [
                            (str(OutcomeKey(r["instrument"], r["scale"])), r["outcome_label"])
                            for r in outcomes.iter_rows(named=True)
                        ],
                        outcome,
                    ),
                    checklist(
                        Id.OUTCOMES_MODES,
                        "Delivery mode",
                        [(m, mode_label(m)) for m in offer.modes],
                        state.modes,
                    ),
                    checklist(
                        Id.OUTCOMES_PROGRAMS,
                        "Program",
                        programs.select("program_id", "program_name").rows(),
                        state.programs,
                        scroll=True,
                    ),
                ]
            ),
            chart_section(
                CHANGE,
                "Change from baseline to post-treatment",
                program_change.about(rules, comments[program_change]),
                f"program-change-{outcome}",
                table_open=True,
            ),
            chart_section(
                RESPONDERS,
                "Responders and deterioration",
                responder_rates.about(rules, comments[responder_rates]),
                f"responders-{outcome}",
            ),
            chart_section(
                TRAJECTORIES,
                "Scores over the weeks of treatment",
                score_trajectories.about(rules, comments[score_trajectories]),
                f"trajectories-{outcome}",
            ),
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _state(outcome: str, modes: list[str] | None, programs: list[str] | None) -> ViewState:
    return ViewState(OutcomeKey.parse(outcome), tuple(modes or ()), tuple(programs or ()))


def _data(state: ViewState) -> dict[ModuleType, pl.DataFrame]:
    marts = current().marts
    return {
        program_change: program_change.process_data(marts.program_outcomes(), state),
        responder_rates: responder_rates.process_data(marts.program_outcomes(), state),
        score_trajectories: score_trajectories.process_data(marts.score_trajectories(), state),
    }


@callback(
    *[
        Output(component, prop)
        for ids in (CHANGE, RESPONDERS, TRAJECTORIES)
        for component, prop in (
            (ids.graph, "figure"),
            (ids.graph, "config"),
            (ids.summary, "children"),
            (ids.table, "children"),
        )
    ],
    Output(Id.OUTCOMES_URL, "search"),
    Output(Id.OUTCOMES_EFFECTIVENESS_LINK, "children"),
    Input(Id.OUTCOMES_OUTCOME, "value"),
    Input(Id.OUTCOMES_MODES, "value"),
    Input(Id.OUTCOMES_PROGRAMS, "value"),
    State(Id.OUTCOMES_MODES, "options"),
    State(Id.OUTCOMES_PROGRAMS, "options"),
)
def update_view(
    outcome: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> tuple[Any, ...]:
    """Redraw every chart, summary and table for the controls; mirror them in the URL and
    in the link to the Effectiveness page."""
    rules = current().rules
    state = _state(outcome, modes, programs)
    offer = Offer(
        outcomes=[state.outcome] if state.outcome else [],
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
    )
    search = to_query_string(state, offer)
    names = {
        program_change: f"program-change-{outcome}",
        responder_rates: f"responders-{outcome}",
        score_trajectories: f"trajectories-{outcome}",
    }
    link = page_link(
        EFFECTIVENESS_PATH,
        "The same programs compared with in-person CBT: Effectiveness page",
        search,
    )
    related = html.P(link) if link is not None else None
    try:
        data = _data(state)
    except WarehouseUnavailableError:
        return (*unreadable(names.values()), search, related)
    label = program_change.outcome_label(data[program_change])
    tables = {
        program_change: (
            f"{label}: baseline, post-treatment and change per program",
            program_change.TABLE_HEADERS,
            program_change.NUMERIC_COLUMNS,
        ),
        responder_rates: (
            f"{label}: responders and deterioration per program",
            responder_rates.TABLE_HEADERS,
            responder_rates.NUMERIC_COLUMNS,
        ),
        score_trajectories: (
            f"{label}: mean score per week and delivery mode",
            score_trajectories.TABLE_HEADERS,
            score_trajectories.NUMERIC_COLUMNS,
        ),
    }
    outputs: list[Any] = []
    for module, frame in data.items():
        caption, headers, numeric = tables[module]
        outputs += [
            module.create_figure(frame),
            graph_config(names[module]),
            module.summarise(frame),
            data_table(module.table_frame(frame, rules), headers, caption, numeric=numeric),
        ]
    return (*outputs, search, related)


def _register_download(module: ModuleType, ids: ChartIds, name: str) -> None:
    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        State(Id.OUTCOMES_OUTCOME, "value"),
        State(Id.OUTCOMES_MODES, "value"),
        State(Id.OUTCOMES_PROGRAMS, "value"),
        prevent_initial_call=True,
    )
    def download(
        _clicks: int, outcome: str, modes: list[str] | None, programs: list[str] | None
    ) -> dict[str, Any]:
        """The chart's numbers as CSV, with the same suppression as on screen."""
        frame = _data(_state(outcome, modes, programs))[module]
        return csv_download(module.csv_frame(frame, current().rules), f"{name}-{outcome}.csv")


for _module, _ids, _name in (
    (program_change, CHANGE, "program-change"),
    (responder_rates, RESPONDERS, "responders"),
    (score_trajectories, TRAJECTORIES, "trajectories"),
):
    _register_download(_module, _ids, _name)
    register_image_export(_ids)
