"""The outcome, delivery-mode and program filters that Outcomes, Programs and
Effectiveness share: their controls, the view their values select, and the query string
that mirrors them in the URL; and the programs in view where a page filters by program
and mode (Data quality, Safety) and the reporting units a page offers one at a time
(Engagement, Equity)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from dash import Input, State, html

from dashboards.chart_page import Chart, Options, Resolve, Values
from dashboards.charts.common import UNIT_TYPE_LABELS, unit_name
from dashboards.charts.comparison_common import timepoint_label
from dashboards.charts.protocol import ChartView, Control
from dashboards.components import checklist, controls, select
from dashboards.ids import Id
from dashboards.marts import Marts
from dashboards.theme import mode_label
from dashboards.view_state import Offer, OutcomeKey, Unit, ViewState, to_query_string


def state_of(values: dict[Control, Any]) -> ViewState:
    """The view the outcome, modes, programs (and timepoint, where offered) select."""
    return ViewState(
        OutcomeKey.parse(values[Control.OUTCOME]),
        tuple(values[Control.MODES] or ()),
        tuple(values[Control.PROGRAMS] or ()),
        timepoint=values.get(Control.TIMEPOINT),
    )


@dataclass(frozen=True)
class FilterIds:
    """The components of a page's outcome, timepoint (where offered), mode and program
    filters, in the order the page shows them."""

    outcome: Id
    modes: Id
    programs: Id
    timepoint: Id | None = None

    def chart_controls(self) -> tuple[tuple[Control, Id], ...]:
        """The filters as `ChartPage.controls`."""
        timepoint = () if self.timepoint is None else ((Control.TIMEPOINT, self.timepoint),)
        return (
            (Control.OUTCOME, self.outcome),
            *timepoint,
            (Control.MODES, self.modes),
            (Control.PROGRAMS, self.programs),
        )

    def url_arguments(self) -> list[Input | State]:
        """The filters' values and offered options, as `query_from` takes them."""
        offered = [self.modes, self.programs]
        if self.timepoint is not None:
            offered.append(self.timepoint)
        return [
            *(Input(component, "value") for _, component in self.chart_controls()),
            *(State(component, "options") for component in offered),
        ]


def query_from(ids: FilterIds, *arguments: Any) -> str:
    """The URL's query string for the filters' values and options (`url_arguments`)."""
    if ids.timepoint is None:
        outcome, modes, programs, mode_options, program_options = arguments
        return query_of(outcome, modes, programs, mode_options, program_options)
    outcome, timepoint, modes, programs, mode_options, program_options, timepoints = arguments
    return query_of(outcome, modes, programs, mode_options, program_options, timepoint, timepoints)


def filter_controls(
    ids: FilterIds,
    outcome_label: str,
    outcomes: Sequence[tuple[str, str]],
    offer: Offer,
    program_names: Sequence[tuple[str, str]],
    state: ViewState,
) -> html.Div:
    """The page's filters: outcome, timepoint where offered, delivery modes, programs."""
    timepoint = (
        []
        if ids.timepoint is None
        else [
            select(
                ids.timepoint,
                "Timepoint",
                [(t, timepoint_label(t)) for t in offer.timepoints],
                str(state.timepoint),
            )
        ]
    )
    return controls(
        [
            select(ids.outcome, outcome_label, outcomes, str(state.outcome)),
            *timepoint,
            *mode_and_program_filters(ids.modes, ids.programs, offer, program_names, state),
        ]
    )


def resolve_filters(view: Callable[[Marts, ViewState], ChartView]) -> Resolve:
    """`ChartPage.resolve` for a page whose view follows from its filters' values alone."""

    def resolve(marts: Marts, values: Values, _options: Options) -> ChartView:
        return view(marts, state_of(values))

    return resolve


def outcome_file_stem(chart: Chart, view: ChartView) -> str:
    """`<chart>-<outcome>`: a download's file name on a page with one outcome in view."""
    return f"{chart.name}-{view.state.outcome}"


def mode_and_program_filters(
    modes_id: Id,
    programs_id: Id,
    offer: Offer,
    program_names: Sequence[tuple[str, str]],
    state: ViewState,
) -> list[html.Fieldset]:
    """The delivery-mode and program checklists, checked as the view selects."""
    return [
        checklist(
            modes_id, "Delivery mode", [(m, mode_label(m)) for m in offer.modes], state.modes
        ),
        checklist(programs_id, "Program", program_names, state.programs, scroll=True),
    ]


def query_of(
    outcome: str,
    modes: list[str] | None,
    programs: list[str] | None,
    mode_options: list[dict[str, str]],
    program_options: list[dict[str, str]],
    timepoint: str | None = None,
    timepoint_options: list[dict[str, str]] | None = None,
) -> str:
    """The URL's query string for the controls' values, against what they offer."""
    state = state_of(
        {
            Control.OUTCOME: outcome,
            Control.MODES: modes,
            Control.PROGRAMS: programs,
            Control.TIMEPOINT: timepoint,
        }
    )
    offer = Offer(
        outcomes=[state.outcome] if state.outcome else [],
        modes=[o["value"] for o in mode_options],
        programs=[o["value"] for o in program_options],
        timepoints=[o["value"] for o in timepoint_options or ()],
    )
    return to_query_string(state, offer)


def outcome_options(outcomes: pl.DataFrame) -> list[tuple[str, str]]:
    """(key, label) of each outcome of a frame with instrument, scale and outcome_label."""
    return [
        (str(OutcomeKey(i, s)), label)
        for i, s, label in outcomes.select("instrument", "scale", "outcome_label").rows()
    ]


def programs_in_view(marts: Marts, state: ViewState) -> tuple[str, ...]:
    """Programs chosen whose delivery mode is chosen too, in the registry's order."""
    chosen_modes, chosen = set(state.modes), set(state.programs)
    return tuple(
        p
        for p, mode in marts.programs().select("program_id", "delivery_mode").rows()
        if p in chosen and mode in chosen_modes
    )


def unit_options(units: pl.DataFrame) -> list[tuple[str, str]]:
    """(unit, label) of each reporting unit of a frame with unit_type, unit_id and
    unit_label: "Program: ...", "Delivery mode: ...", and all iCBT programs by name."""
    options = []
    for row in units.iter_rows(named=True):
        name = unit_name(row["unit_type"], row["unit_id"], row["unit_label"])
        kind = UNIT_TYPE_LABELS[row["unit_type"]]
        label = name if row["unit_type"] == "all_icbt" else f"{kind}: {name}"
        options.append((str(Unit(row["unit_type"], row["unit_id"])), label))
    return options
