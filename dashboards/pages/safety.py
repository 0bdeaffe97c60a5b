"""Safety: the signal register, funnel plots, CUSUM charts, adverse events and follow-up.

CADTH found no study reporting the comparative safety of iCBT and in-person CBT for
chronic pain; the pipeline watches every program month by month against what in-person
CBT patients with the same case mix experience (docs/safety.md). This page shows what it
found: signals (the register, kept across runs), the funnel plot and the observed and
expected rates of one indicator over a window, each program's CUSUM chart, adverse events
by category, severity, seriousness and relatedness, and follow-up after an item-9 answer
or a serious event against the standard.

Filters live in the URL: `indicator`, `mode`, `program`, and `period` for an earlier
funnel window (absent: the latest). Adverse events are shown for one unit, chosen as on
the Engagement page (`view_state.focal_unit`). Analysts only (`publish=False`): a signal
is a prompt to investigate, not a finding, and the page needs the methods beside it.
Each chart has its own callback, so a filter redraws only the charts it affects.
"""

from __future__ import annotations

from datetime import date
from types import ModuleType
from typing import Any, NamedTuple

import dash
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.charts import (
    adverse_events,
    item9_follow_up,
    safety_cusum,
    safety_funnel,
    safety_rates,
    safety_register,
)
from dashboards.charts.common import graph_config, ordered_modes, unit_name
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
from dashboards.marts import SuppressedMarts, funnel_windows
from dashboards.runtime import current
from dashboards.theme import mode_label
from dashboards.view_state import (
    ALL_PERIODS,
    Offer,
    Unit,
    ViewState,
    focal_unit,
    parse_query,
    to_query_string,
)

PATH = "/safety"
TITLE = "Safety"

dash.register_page(
    __name__,
    path=PATH,
    name="Safety",
    title=f"{TITLE} | iCBT chronic pain outcomes observatory",
    description="Safety signals, funnel plots, CUSUM charts, adverse events and follow-up.",
    order=4,
    publish=False,
)

REGISTER = ChartIds.of("safety-register")
FUNNEL = ChartIds.of("safety-funnel")
RATES = ChartIds.of("safety-rates")
CUSUM = ChartIds.of("safety-cusum")
EVENTS = ChartIds.of("safety-events")
FOLLOW_UP = ChartIds.of("safety-follow-up")
CHARTS: dict[ModuleType, ChartIds] = {
    safety_register: REGISTER,
    safety_funnel: FUNNEL,
    safety_rates: RATES,
    safety_cusum: CUSUM,
    adverse_events: EVENTS,
    item9_follow_up: FOLLOW_UP,
}
NAMES = {
    safety_register: "signals",
    safety_funnel: "funnel",
    safety_rates: "observed-expected",
    safety_cusum: "cusum",
    adverse_events: "adverse-events",
    item9_follow_up: "follow-up",
}
HEADINGS = {
    safety_register: "Signal register",
    safety_funnel: "Funnel plot",
    safety_rates: "Observed and expected rates",
    safety_cusum: "CUSUM charts",
    adverse_events: "Adverse events",
    item9_follow_up: "Follow-up after an item-9 answer or a serious event",
}
# What each chart depends on, beyond the programs in view.
USES_INDICATOR = {safety_funnel, safety_rates, safety_cusum}
USES_WINDOW = {safety_funnel, safety_rates}
# The chart modules' `MART` is the table "About this chart" quotes.
COMMENTED = {m: m.MART for m in CHARTS}


class View(NamedTuple):
    """What the filters select, resolved against the warehouse (a NamedTuple: Dash imports
    page modules outside sys.modules, where a dataclass cannot resolve its annotations)."""

    indicator: str
    indicator_label: str
    window: date
    programs: tuple[str, ...]
    unit: Unit


def _windows(marts: SuppressedMarts) -> list[date]:
    return funnel_windows(marts.safety_funnel())


def _period_options(windows: list[date], marts: SuppressedMarts) -> list[tuple[str, str]]:
    """The latest window is `all` (the default); earlier ones by their last month."""
    starts = dict(
        marts.safety_funnel().group_by("month").agg(pl.col("window_start").min()).iter_rows()
    )
    options = []
    for index, end in enumerate(windows):
        label = safety_funnel.window_label(starts[end], end)
        value = ALL_PERIODS if index == 0 else f"{end:%Y-%m}"
        options.append((value, f"{label} (latest)" if index == 0 else label))
    return options


def _offer(marts: SuppressedMarts) -> Offer:
    registry = marts.programs()
    windows = _windows(marts)
    return Offer(
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
        periods=[ALL_PERIODS, *[f"{end:%Y-%m}" for end in windows[1:]]],
        indicators=marts.safety_indicators()["indicator"].to_list(),
    )


def _comment(table: str) -> str | None:
    frame = current().warehouse.query("table_comment", table_name=table)
    return frame["comment"][0] if frame.height else None


def layout(**query: Any) -> html.Div:
    runtime = current()
    marts = runtime.marts
    try:
        indicators = marts.safety_indicators()
        registry = marts.programs()
        offer = _offer(marts)
        periods = _period_options(_windows(marts), marts)
        comments = {module: _comment(table) for module, table in COMMENTED.items()}
        built_at = runtime.warehouse.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    if indicators.is_empty() or not periods:
        return empty_mart(TITLE, safety_funnel.MART)
    state = parse_query(query, offer)
    rules = runtime.rules
    return html.Div(
        [
            dcc.Location(id=Id.SAFETY_URL, refresh=False),
            *page_header(
                TITLE,
                "Whether any program harms more patients than in-person CBT would for the "
                "same people: open signals, the funnel plot and CUSUM charts of one harm "
                "indicator, adverse events, and follow-up after thoughts of self-harm.",
            ),
            html.Div(
                [
                    html.Strong("A signal is a prompt to look closer. "),
                    "It says a program's harm rose above what in-person CBT patients with the "
                    "same case mix experience by more than chance explains; it does not say "
                    "why. Methods and their limits: docs/safety.md.",
                ],
                className="alert alert-info",
                role="note",
            ),
            controls(
                [
                    html.Div(
                        [
                            select(
                                Id.SAFETY_INDICATOR,
                                "Indicator (funnel plot, rates and CUSUM)",
                                [
                                    (i, f"{label} (severe)" if severe else label)
                                    for i, label, severe in indicators.select(
                                        "indicator", "label", "severe"
                                    ).rows()
                                ],
                                str(state.indicator),
                            ),
                            select(
                                Id.SAFETY_WINDOW,
                                "Funnel window",
                                periods,
                                state.period,
                            ),
                        ]
                    ),
                    checklist(
                        Id.SAFETY_MODES,
                        "Delivery mode",
                        [(m, mode_label(m)) for m in offer.modes],
                        state.modes,
                    ),
                    checklist(
                        Id.SAFETY_PROGRAMS,
                        "Program",
                        registry.select("program_id", "program_name").rows(),
                        state.programs,
                        scroll=True,
                    ),
                ]
            ),
            *[
                section
                for module in CHARTS
                for section in (
                    *(
                        [html.P(id=Id.SAFETY_UNIT_NOTE, className="mt-4 mb-0")]
                        if module is adverse_events
                        else []
                    ),
                    chart_section(
                        CHARTS[module],
                        HEADINGS[module],
                        module.about(rules, comments[module]),
                        NAMES[module],
                        table_open=module is safety_register,
                    ),
                )
            ],
            html.P(rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


def _view(
    indicator: str,
    period: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
) -> View:
    """The view the controls select; programs in view are those chosen in a chosen mode."""
    marts = current().marts
    registry = marts.programs()
    chosen_modes = set(modes or ())
    in_view = tuple(
        p
        for p, mode in registry.select("program_id", "delivery_mode").rows()
        if p in set(programs or ()) and mode in chosen_modes
    )
    windows = _windows(marts)
    window = next((end for end in windows if f"{end:%Y-%m}" == period), windows[0])
    labels = dict(marts.safety_indicators().select("indicator", "label").rows())
    offer = Offer(
        modes=[o["value"] for o in mode_options], programs=[o["value"] for o in program_options]
    )
    state = ViewState(modes=tuple(modes or ()), programs=tuple(programs or ()))
    unit = focal_unit(state, offer)
    return View(indicator, labels.get(indicator, indicator), window, in_view, unit)


def _data(module: ModuleType, view: View) -> pl.DataFrame:
    marts = current().marts
    if module is safety_register:
        return safety_register.process_data(marts.signal_register(), view.programs)
    if module is safety_funnel:
        return safety_funnel.process_data(
            marts.safety_funnel(), view.indicator, view.window, view.programs
        )
    if module is safety_rates:
        return safety_rates.process_data(
            marts.safety_funnel(), view.indicator, view.window, view.programs
        )
    if module is safety_cusum:
        return safety_cusum.process_data(marts.safety_cusum(), view.indicator, view.programs)
    if module is adverse_events:
        return adverse_events.process_data(marts.adverse_event_profile(), view.unit)
    return item9_follow_up.process_data(marts.item9_follow_up(), view.programs)


def _figure_and_summary(
    module: ModuleType, data: pl.DataFrame, view: View
) -> tuple[go.Figure, str]:
    label = view.indicator_label
    if module is safety_rates:
        reference = safety_rates.reference_text(current().marts.safety_reference(), view.indicator)
        return (
            safety_rates.create_figure(data, label),
            safety_rates.summarise(data, label, reference),
        )
    if module in USES_INDICATOR:
        return module.create_figure(data, label), module.summarise(data, label)
    if module is adverse_events:
        return adverse_events.create_figure(data), adverse_events.summarise(data, current().rules)
    return module.create_figure(data), module.summarise(data)


def _file_name(module: ModuleType, view: View) -> str:
    parts = [NAMES[module]]
    if module in USES_INDICATOR:
        parts.append(view.indicator)
    if module in USES_WINDOW:
        parts.append(f"{view.window:%Y-%m}")
    if module is adverse_events:
        parts.append(view.unit.unit_id)
    return "-".join(parts)


def _render(module: ModuleType, view_args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Figure, config, summary and table of one chart for the controls' values."""
    try:
        view = _view(*view_args)
        data = _data(module, view)
        name = _file_name(module, view)
    except WarehouseUnavailableError:
        return tuple(unreadable([NAMES[module]]))
    figure, summary = _figure_and_summary(module, data, view)
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
    return figure, graph_config(name), summary, table


CONTROLS = (
    Input(Id.SAFETY_INDICATOR, "value"),
    Input(Id.SAFETY_WINDOW, "value"),
    Input(Id.SAFETY_MODES, "value"),
    Input(Id.SAFETY_PROGRAMS, "value"),
)
OPTIONS = (State(Id.SAFETY_MODES, "options"), State(Id.SAFETY_PROGRAMS, "options"))


def _trigger(module: ModuleType, control: Input) -> Input | State:
    """A control the chart does not use is read as State: changing it does not redraw."""
    unused = (control.component_id == Id.SAFETY_INDICATOR and module not in USES_INDICATOR) or (
        control.component_id == Id.SAFETY_WINDOW and module not in USES_WINDOW
    )
    return State(control.component_id, control.component_property) if unused else control


def _register_chart(module: ModuleType) -> None:
    ids = CHARTS[module]

    @callback(
        Output(ids.graph, "figure"),
        Output(ids.graph, "config"),
        Output(ids.summary, "children"),
        Output(ids.table, "children"),
        *[_trigger(module, control) for control in CONTROLS],
        *OPTIONS,
    )
    def update_chart(*view_args: Any) -> tuple[Any, ...]:
        """Redraw this chart for the filters it depends on."""
        return _render(module, view_args)

    @callback(
        Output(ids.download, "data"),
        Input(ids.csv, "n_clicks"),
        *[State(c.component_id, c.component_property) for c in CONTROLS],
        *OPTIONS,
        prevent_initial_call=True,
    )
    def download(_clicks: int, *view_args: Any) -> dict[str, Any]:
        """The chart's numbers as CSV, with the same suppression as on screen."""
        view = _view(*view_args)
        frame = module.csv_frame(_data(module, view), current().rules)
        return csv_download(frame, f"{_file_name(module, view)}.csv")

    register_image_export(ids)


@callback(
    Output(Id.SAFETY_URL, "search"),
    Output(Id.SAFETY_UNIT_NOTE, "children"),
    *CONTROLS,
    *OPTIONS,
    State(Id.SAFETY_INDICATOR, "options"),
    State(Id.SAFETY_WINDOW, "options"),
)
def update_url(
    indicator: str,
    period: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
    indicator_options: list[dict[str, str]],
    period_options: list[dict[str, str]],
) -> tuple[str, str]:
    """Mirror the filters in the URL; say which unit the adverse-event chart shows."""
    offer = Offer(
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
        periods=[o["value"] for o in period_options],
        indicators=[o["value"] for o in indicator_options],
    )
    state = ViewState(
        modes=tuple(modes or ()),
        programs=tuple(programs or ()),
        period=period,
        indicator=indicator,
    )
    unit = focal_unit(state, offer)
    names = {o["value"]: o["label"] for o in program_options}
    name = unit_name(unit.unit_type, unit.unit_id, names.get(unit.unit_id))
    note = (
        f"Adverse events of {name} beside in-person CBT. Choose one program, or one delivery "
        "mode, to see it alone."
    )
    return to_query_string(state, offer), note


for _module in CHARTS:
    _register_chart(_module)
