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
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, dcc, html

from dashboards.chart_page import Chart, ChartPage, Options, Values
from dashboards.charts import (
    adverse_events,
    item9_follow_up,
    safety_cusum,
    safety_funnel,
    safety_rates,
    safety_register,
)
from dashboards.charts.common import ordered_modes, unit_name
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import (
    checklist,
    controls,
    empty_mart,
    page_header,
    published_line,
    select,
    unavailable_page,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.marts.safety import funnel_windows
from dashboards.runtime import current
from dashboards.theme import mode_label
from dashboards.view_state import (
    ALL_PERIODS,
    Offer,
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


def _chart(module: Any, part: str, name: str, heading: str, **props: Any) -> Chart:
    return Chart(
        module,
        ChartIds.of(f"safety-{part}"),
        name,
        heading,
        f"Numbers behind the chart: {heading.lower()}",
        **props,
    )


REGISTER = _chart(safety_register, "register", "signals", "Signal register", table_open=True)
EVENTS = _chart(adverse_events, "events", "adverse-events", "Adverse events")
CHARTS = (
    REGISTER,
    _chart(safety_funnel, "funnel", "funnel", "Funnel plot"),
    _chart(safety_rates, "rates", "observed-expected", "Observed and expected rates"),
    _chart(safety_cusum, "cusum", "cusum", "CUSUM charts"),
    EVENTS,
    _chart(
        item9_follow_up,
        "follow-up",
        "follow-up",
        "Follow-up after an item-9 answer or a serious event",
    ),
)


def _windows(marts: Marts) -> list[date]:
    return funnel_windows(marts.safety_funnel())


def _period_options(windows: list[date], marts: Marts) -> list[tuple[str, str]]:
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


def _offer(marts: Marts) -> Offer:
    registry = marts.programs()
    windows = _windows(marts)
    return Offer(
        modes=ordered_modes(registry["delivery_mode"].to_list()),
        programs=registry["program_id"].to_list(),
        periods=[ALL_PERIODS, *[f"{end:%Y-%m}" for end in windows[1:]]],
        indicators=marts.safety_indicators()["indicator"].to_list(),
    )


def _view(marts: Marts, state: ViewState, offer: Offer) -> ChartView:
    """The view the controls select; programs in view are those chosen in a chosen mode."""
    chosen_modes, chosen = set(state.modes), set(state.programs)
    in_view = tuple(
        p
        for p, mode in marts.programs().select("program_id", "delivery_mode").rows()
        if p in chosen and mode in chosen_modes
    )
    windows = _windows(marts)
    window = next((end for end in windows if f"{end:%Y-%m}" == state.period), windows[0])
    labels = dict(marts.safety_indicators().select("indicator", "label").rows())
    indicator = str(state.indicator)
    return ChartView(
        state,
        marts.rules,
        programs=in_view,
        unit=focal_unit(state, offer),
        indicator_label=labels.get(indicator, indicator),
        window=window,
    )


def _resolve(marts: Marts, values: Values, options: Options) -> ChartView:
    state = ViewState(
        modes=tuple(values[Control.MODES] or ()),
        programs=tuple(values[Control.PROGRAMS] or ()),
        period=values[Control.WINDOW],
        indicator=values[Control.INDICATOR],
    )
    offer = Offer(modes=options[Id.SAFETY_MODES], programs=options[Id.SAFETY_PROGRAMS])
    return _view(marts, state, offer)


def _file_stem(chart: Chart, view: ChartView) -> str:
    uses = chart.module.CONTROLS
    parts = [chart.name]
    if Control.INDICATOR in uses:
        parts.append(str(view.state.indicator))
    if Control.WINDOW in uses and view.window is not None:
        parts.append(f"{view.window:%Y-%m}")
    if Control.UNIT in uses:
        parts.append(view.unit.unit_id)
    return "-".join(parts)


PAGE = ChartPage(
    url=Id.SAFETY_URL,
    controls=(
        (Control.INDICATOR, Id.SAFETY_INDICATOR),
        (Control.WINDOW, Id.SAFETY_WINDOW),
        (Control.MODES, Id.SAFETY_MODES),
        (Control.PROGRAMS, Id.SAFETY_PROGRAMS),
    ),
    options=(Id.SAFETY_MODES, Id.SAFETY_PROGRAMS),
    resolve=_resolve,
    file_stem=_file_stem,
    charts=CHARTS,
)


def layout(**query: Any) -> html.Div:
    runtime = current()
    try:
        marts = runtime.snapshot()
        indicators = marts.safety_indicators()
        registry = marts.programs()
        periods = _period_options(_windows(marts), marts)
        if indicators.is_empty() or not periods:
            return empty_mart(TITLE, safety_funnel.MART)
        offer = _offer(marts)
        state = parse_query(query, offer)
        sections = PAGE.sections(marts, _view(marts, state, offer))
        built_at = marts.built_at()
    except WarehouseUnavailableError as exc:
        return unavailable_page(TITLE, exc)
    unit_note = html.P(id=Id.SAFETY_UNIT_NOTE, className="mt-4 mb-0")
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
                part
                for chart, section in zip(CHARTS, sections, strict=True)
                for part in ((unit_note, section) if chart is EVENTS else (section,))
            ],
            html.P(runtime.rules.legend(), className="small text-body-secondary"),
            published_line(built_at),
        ]
    )


@callback(
    Output(Id.SAFETY_URL, "search"),
    Output(Id.SAFETY_UNIT_NOTE, "children"),
    Input(Id.SAFETY_INDICATOR, "value"),
    Input(Id.SAFETY_WINDOW, "value"),
    Input(Id.SAFETY_MODES, "value"),
    Input(Id.SAFETY_PROGRAMS, "value"),
    State(Id.SAFETY_MODES, "options"),
    State(Id.SAFETY_PROGRAMS, "options"),
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


PAGE.register()
