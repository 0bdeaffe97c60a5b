"""Effectiveness: every program and delivery mode against in-person CBT, pooled and graded.

The second part of the effectiveness story, after the Outcomes page's change within each
program: forest plots of the adjusted difference from in-person CBT with the
non-inferiority margin and each comparison's verdict or failed diagnostics
(`comparison_forest`), the programs pooled with prediction intervals and the test
between delivery modes (`pooled_effects`), the certainty of each result
(`evidence_certainty`), local results beside the literature (`literature_benchmarks`) and
what goes with programs doing better (`meta_regression`). Analysts only: the diagnostics,
sensitivity analyses and ecological regressions need methods to read; viewers get the
headline verdicts with their certainty on the Overview page.

The view lives in the URL (`?outcome=PHQ9.total&timepoint=follow_up&mode=...`), with the
same parameters as the Outcomes page, so the link between the two pages keeps the view.
Every mart is suppressed whole before any filter applies (`SuppressedMarts`).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import (
    comparison_forest,
    evidence_certainty,
    literature_benchmarks,
    meta_regression,
    pooled_effects,
)
from dashboards.charts.common import graph_config, ordered_modes
from dashboards.charts.comparison_common import TIMEPOINTS, timepoint_label
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
from dashboards.marts import SuppressedMarts
from dashboards.runtime import current
from dashboards.theme import mode_label
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

CHARTS: dict[ModuleType, ChartIds] = {
    comparison_forest: ChartIds.of("effectiveness-forest"),
    pooled_effects: ChartIds.of("effectiveness-pooled"),
    evidence_certainty: ChartIds.of("effectiveness-certainty"),
    literature_benchmarks: ChartIds.of("effectiveness-benchmarks"),
    meta_regression: ChartIds.of("effectiveness-moderators"),
}
NAMES = {
    comparison_forest: "comparisons",
    pooled_effects: "pooled",
    evidence_certainty: "certainty",
    literature_benchmarks: "benchmarks",
    meta_regression: "moderators",
}
HEADINGS = {
    comparison_forest: "Each program and delivery mode against in-person CBT",
    pooled_effects: "The programs together",
    evidence_certainty: "How much to trust each result",
    literature_benchmarks: "Beside the published literature",
    meta_regression: "What goes with programs doing better",
}
CAPTIONS = {
    comparison_forest: "adjusted difference from in-person CBT per comparison",
    pooled_effects: "pooled difference from in-person CBT per subgroup and method",
    evidence_certainty: "certainty of evidence with levels removed per domain",
    literature_benchmarks: "own pre-post change and published benchmarks",
    meta_regression: "meta-regression coefficient per program attribute",
}


def _offer(marts: SuppressedMarts) -> Offer:
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


def _program_options(marts: SuppressedMarts) -> list[tuple[str, str]]:
    programs = (
        marts.comparisons()
        .filter(pl.col("subject_type") == "program")
        .select("subject_id", "subject_name")
        .unique()
        .sort("subject_name", "subject_id")
    )
    return list(programs.rows())


def _outcome_options(marts: SuppressedMarts) -> list[tuple[str, str]]:
    labels = marts.comparisons().select("instrument", "scale", "outcome_label").unique()
    return [
        (str(OutcomeKey(i, s)), label)
        for i, s, label in labels.sort("outcome_label", "instrument", "scale").rows()
    ]


def _comment(table: str) -> str | None:
    frame = current().warehouse.query("table_comment", table_name=table)
    return frame["comment"][0] if frame.height else None


def _about() -> dict[ModuleType, list[str]]:
    rules = current().rules
    return {
        comparison_forest: comparison_forest.about(rules, _comment(comparison_forest.MART)),
        pooled_effects: pooled_effects.about(
            rules, _comment(pooled_effects.MART), _comment(pooled_effects.TESTS_MART)
        ),
        evidence_certainty: evidence_certainty.about(rules, _comment(evidence_certainty.MART)),
        literature_benchmarks: literature_benchmarks.about(
            rules,
            _comment(literature_benchmarks.MART),
            _comment(literature_benchmarks.REFERENCE),
        ),
        meta_regression: meta_regression.about(_comment(meta_regression.MART)),
    }


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        marts = runtime.marts
        if marts.comparisons().is_empty():
            return empty_mart(TITLE, comparison_forest.MART)
        offer = _offer(marts)
        outcome_options = _outcome_options(marts)
        program_options = _program_options(marts)
        about = _about()
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    state = parse_query(query, offer)
    outcome = str(state.outcome)
    return html.Div(
        [
            dcc.Location(id=Id.EFFECTIVENESS_URL, refresh=False),
            *page_header(
                TITLE,
                "How each program and each delivery mode compares with in-person CBT for "
                "patients with a similar case mix, what the programs achieve together, how "
                "much each result can be trusted, and what goes with programs doing better.",
            ),
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
            controls(
                [
                    select(Id.EFFECTIVENESS_OUTCOME, "Outcome", outcome_options, outcome),
                    select(
                        Id.EFFECTIVENESS_TIMEPOINT,
                        "Timepoint",
                        [(t, timepoint_label(t)) for t in offer.timepoints],
                        str(state.timepoint),
                    ),
                    checklist(
                        Id.EFFECTIVENESS_MODES,
                        "Delivery mode",
                        [(m, mode_label(m)) for m in offer.modes],
                        state.modes,
                    ),
                    checklist(
                        Id.EFFECTIVENESS_PROGRAMS,
                        "Program",
                        program_options,
                        state.programs,
                        scroll=True,
                    ),
                ]
            ),
            *[
                chart_section(
                    ids,
                    HEADINGS[module],
                    about[module],
                    f"{NAMES[module]}-{outcome}-{state.timepoint}",
                    table_open=module is comparison_forest,
                )
                for module, ids in CHARTS.items()
            ],
            html.P(runtime.rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _state(
    outcome: str, timepoint: str, modes: list[str] | None, programs: list[str] | None
) -> ViewState:
    return ViewState(
        OutcomeKey.parse(outcome),
        tuple(modes or ()),
        tuple(programs or ()),
        timepoint=timepoint,
    )


def _data(state: ViewState) -> dict[ModuleType, pl.DataFrame]:
    marts = current().marts
    return {
        comparison_forest: comparison_forest.process_data(marts.comparisons(), state),
        pooled_effects: pooled_effects.process_data(
            marts.pooled_effects(), marts.subgroup_tests(), state
        ),
        evidence_certainty: evidence_certainty.process_data(marts.evidence_certainty(), state),
        literature_benchmarks: literature_benchmarks.process_data(
            marts.comparisons(), marts.literature_benchmarks(), state
        ),
        meta_regression: meta_regression.process_data(
            marts.meta_regression(), marts.programs(), state
        ),
    }


def _table(module: ModuleType, frame: pl.DataFrame) -> pl.DataFrame:
    """The numbers on screen; the meta-regression has no counts, hence no suppression."""
    if module is meta_regression:
        return meta_regression.table_frame(frame)
    return module.table_frame(frame, current().rules)


def _csv(module: ModuleType, frame: pl.DataFrame) -> pl.DataFrame:
    if module is meta_regression:
        return meta_regression.csv_frame(frame)
    return module.csv_frame(frame, current().rules)


@callback(
    *[
        Output(component, prop)
        for ids in CHARTS.values()
        for component, prop in (
            (ids.graph, "figure"),
            (ids.graph, "config"),
            (ids.summary, "children"),
            (ids.table, "children"),
        )
    ],
    Output(Id.EFFECTIVENESS_URL, "search"),
    Output(Id.EFFECTIVENESS_OUTCOMES_LINK, "href"),
    Input(Id.EFFECTIVENESS_OUTCOME, "value"),
    Input(Id.EFFECTIVENESS_TIMEPOINT, "value"),
    Input(Id.EFFECTIVENESS_MODES, "value"),
    Input(Id.EFFECTIVENESS_PROGRAMS, "value"),
    State(Id.EFFECTIVENESS_TIMEPOINT, "options"),
    State(Id.EFFECTIVENESS_MODES, "options"),
    State(Id.EFFECTIVENESS_PROGRAMS, "options"),
)
def update_view(
    outcome: str,
    timepoint: str,
    modes: list[str] | None,
    programs: list[str] | None,
    timepoint_options: list[dict[str, str]],
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> tuple[Any, ...]:
    """Redraw the five charts for the controls, and mirror them in the URL and the link."""
    state = _state(outcome, timepoint, modes, programs)
    offer = Offer(
        outcomes=[state.outcome] if state.outcome else [],
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
        timepoints=[o["value"] for o in timepoint_options],
    )
    search = to_query_string(state, offer)
    names = [f"{NAMES[m]}-{outcome}-{timepoint}" for m in CHARTS]
    try:
        data = _data(state)
    except WarehouseUnavailableError:
        return (*unreadable(names), search, OUTCOMES_PATH + search)
    label = comparison_forest.outcome_title(data[comparison_forest])
    outputs: list[Any] = []
    for (module, frame), name in zip(data.items(), names, strict=True):
        outputs += [
            module.create_figure(frame),
            graph_config(name),
            module.summarise(frame),
            data_table(
                _table(module, frame),
                module.TABLE_HEADERS,
                f"{label}: {CAPTIONS[module]}",
                numeric=module.NUMERIC_COLUMNS,
            ),
        ]
    return (*outputs, search, OUTCOMES_PATH + search)


def _register_download(module: ModuleType, ids: ChartIds) -> None:
    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        State(Id.EFFECTIVENESS_OUTCOME, "value"),
        State(Id.EFFECTIVENESS_TIMEPOINT, "value"),
        State(Id.EFFECTIVENESS_MODES, "value"),
        State(Id.EFFECTIVENESS_PROGRAMS, "value"),
        prevent_initial_call=True,
    )
    def download(
        _clicks: int,
        outcome: str,
        timepoint: str,
        modes: list[str] | None,
        programs: list[str] | None,
    ) -> dict[str, Any]:
        """The chart's numbers as CSV, with the same suppression as on screen."""
        frame = _data(_state(outcome, timepoint, modes, programs))[module]
        return csv_download(_csv(module, frame), f"{NAMES[module]}-{outcome}-{timepoint}.csv")


for _module, _ids in CHARTS.items():
    _register_download(_module, _ids)
    register_image_export(_ids)
