"""The outcome, delivery-mode and program filters that Outcomes, Programs and
Effectiveness share: their controls, the view their values select, and the query string
that mirrors them in the URL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from dash import html

from dashboards.charts.protocol import Control
from dashboards.components import checklist
from dashboards.ids import Id
from dashboards.theme import mode_label
from dashboards.view_state import Offer, OutcomeKey, ViewState, to_query_string


def state_of(values: dict[Control, Any]) -> ViewState:
    """The view the outcome, modes, programs (and timepoint, where offered) select."""
    return ViewState(
        OutcomeKey.parse(values[Control.OUTCOME]),
        tuple(values[Control.MODES] or ()),
        tuple(values[Control.PROGRAMS] or ()),
        timepoint=values.get(Control.TIMEPOINT),
    )


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
