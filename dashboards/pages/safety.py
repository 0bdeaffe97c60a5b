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

The review queue comes first (dashboards/review_queue.py): open review items by
priority and the form that moves one through the review's states. Its save callback is
the dashboard's only write, to the application database, as the signed-in analyst; a
stale edit is refused with the name of whoever changed the item first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import dash
import polars as pl
from dash import Input, Output, State, callback, html

from appdb.reviews import StaleEditError, UnknownItemError
from dashboards import auth, review_queue
from dashboards.chart_page import Chart, ChartPage, Options, PageBody, Values
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
from dashboards.components import checklist, controls, empty_mart, select
from dashboards.filters import programs_in_view
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
from pipelines.safety.review import State as ReviewState
from pipelines.safety.review import TransitionError, decision_evidence, load_review_rules

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
    windows = _windows(marts)
    window = next((end for end in windows if f"{end:%Y-%m}" == state.period), windows[0])
    labels = dict(marts.safety_indicators().select("indicator", "label").rows())
    indicator = str(state.indicator)
    return ChartView(
        state,
        marts.rules,
        programs=programs_in_view(marts, state),
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


def _queue(marts: Marts) -> Any:
    """The open review items of the application database, with this snapshot's evidence."""
    names = dict(marts.programs().select("program_id", "program_name").rows())
    return review_queue.queue_frame(
        review_queue.current_store().items(),
        marts.query("safety_signal_register"),
        names,
        load_review_rules(),
        marts.rules,
        datetime.now(UTC),
    )


def _assignees() -> list[str]:
    """Analysts who can take an item (the signed-in one first)."""
    gate = auth.current_gate()
    user = gate.current_user()
    names = sorted(u.name for u in gate.store.users().values() if u.role == auth.ANALYST)
    first = [user.name] if user is not None else []
    return [*first, *(n for n in names if n not in first)]


LEAD = (
    "Whether any program harms more patients than in-person CBT would for the same people: "
    "open signals, the funnel plot and CUSUM charts of one harm indicator, adverse events, "
    "and follow-up after thoughts of self-harm."
)


def _body(marts: Marts, query: Mapping[str, Any]) -> PageBody | html.Div:
    queue = review_queue.queue_section(_queue(marts), _assignees())
    indicators = marts.safety_indicators()
    registry = marts.programs()
    periods = _period_options(_windows(marts), marts)
    if indicators.is_empty() or not periods:
        return empty_mart(TITLE, safety_funnel.MART)
    offer = _offer(marts)
    state = parse_query(query, offer)
    unit_note = html.P(id=Id.SAFETY_UNIT_NOTE, className="mt-4 mb-0")
    return PageBody(
        _view(marts, state, offer),
        before=[
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
            queue,
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
        ],
        # The note naming the adverse-event chart's unit stands just before that chart.
        place=lambda sections: [
            part
            for chart, section in zip(CHARTS, sections, strict=True)
            for part in ((unit_note, section) if chart is EVENTS else (section,))
        ],
    )


layout = PAGE.page_layout(TITLE, LEAD, _body)


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


@callback(
    Output(Id.SAFETY_REVIEW_STATE, "options"),
    Output(Id.SAFETY_REVIEW_STATE, "value"),
    Input(Id.SAFETY_REVIEW_ITEM, "value"),
    Input(Id.SAFETY_REVIEW_VERSIONS, "data"),
    prevent_initial_call=True,
)
def review_targets(item_id: str | None, _versions: Any) -> tuple[list[dict[str, str]], None]:
    """The states the chosen item may move to (GVP Module IX's order), again after a save."""
    if not item_id:
        return [], None
    try:
        item = review_queue.current_store().item(int(item_id))
    except UnknownItemError:
        return [], None
    return review_queue.target_options(item.state), None


def _snapshot_id(marts: Marts) -> str | None:
    frame = marts.query("snapshot_id")
    return frame["snapshot_id"][0] if frame.height else None


@callback(
    Output(Id.SAFETY_REVIEW_MESSAGE, "children"),
    Output(Id.SAFETY_REVIEW_QUEUE, "children"),
    Output(Id.SAFETY_REVIEW_VERSIONS, "data"),
    Output(Id.SAFETY_REVIEW_ITEM, "options"),
    Input(Id.SAFETY_REVIEW_SAVE, "n_clicks"),
    State(Id.SAFETY_REVIEW_ITEM, "value"),
    State(Id.SAFETY_REVIEW_STATE, "value"),
    State(Id.SAFETY_REVIEW_ASSIGNEE, "value"),
    State(Id.SAFETY_REVIEW_RATIONALE, "value"),
    State(Id.SAFETY_REVIEW_ACTION, "value"),
    State(Id.SAFETY_REVIEW_VERSIONS, "data"),
    prevent_initial_call=True,
)
def save_review(
    _clicks: int | None,
    item_id: str | None,
    target: str | None,
    assignee: str | None,
    rationale: str | None,
    action: str | None,
    versions: dict[str, int] | None,
) -> tuple[Any, Any, dict[str, int], list[dict[str, str]]]:
    """Move the chosen item to the chosen state as the signed-in analyst, if nobody
    changed it since this page showed it; the queue is redrawn either way."""
    user = auth.current_user()
    if user is None or user.role != auth.ANALYST:
        raise dash.exceptions.PreventUpdate  # the gate already refuses; never write
    marts = current().snapshot()
    store = review_queue.current_store()
    message: Any
    seen = (versions or {}).get(item_id or "")
    if not item_id or target not in {s.value for s in ReviewState}:
        message = _status("Choose a review item and its new state.", "warning")
    elif seen is None:
        message = _status("This item was not in the queue you were shown; reload it.", "warning")
    else:
        try:
            item = store.item(int(item_id))
            register = marts.query("safety_signal_register")
            signal_ids = [s.signal_id for s in item.signals]
            rows = register.filter(pl.col("signal_id").is_in(signal_ids)).iter_rows(named=True)
            saved = store.transition(
                item.item_id,
                seen_version=int(seen),
                target=ReviewState(target),
                actor=user.name,
                rationale=rationale or "",
                assignee=assignee,
                action=action,
                snapshot_id=_snapshot_id(marts),
                evidence=decision_evidence(rows),
            )
            message = _status(
                f"Saved: item #{saved.item_id} is now "
                f"{review_queue.STATE_LABELS[saved.state].lower()}.",
                "success",
            )
        except StaleEditError as exc:
            message = _status(str(exc), "danger")
        except (TransitionError, UnknownItemError) as exc:
            message = _status(str(exc), "warning")
    frame = _queue(marts)
    return (
        message,
        review_queue.queue_table(frame),
        review_queue.versions(frame),
        review_queue.item_options(frame),
    )


def _status(text: str, colour: str) -> Any:
    """The save's outcome, announced to screen readers (role=alert)."""
    return html.Div(text, className=f"alert alert-{colour} mb-0", role="alert")


PAGE.register()
