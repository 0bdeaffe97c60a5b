"""The shared outcome, mode and program filters: values to view, view to URL."""

from __future__ import annotations

import polars as pl

from dashboards.charts.protocol import Control
from dashboards.filters import mode_and_program_filters, outcome_options, query_of, state_of
from dashboards.ids import Id
from dashboards.view_state import Offer, OutcomeKey, ViewState

MODES = [{"label": "Guided", "value": "guided"}, {"label": "Self", "value": "self_guided"}]
PROGRAMS = [{"label": "A", "value": "P1"}, {"label": "B", "value": "P2"}]


def test_values_select_a_view_and_an_absent_timepoint_is_none():
    values = {Control.OUTCOME: "PHQ9.total", Control.MODES: ["guided"], Control.PROGRAMS: None}
    assert state_of(values) == ViewState(OutcomeKey("PHQ9", "total"), ("guided",), ())
    assert state_of({**values, Control.TIMEPOINT: "follow_up"}).timepoint == "follow_up"


def test_the_query_names_only_filters_that_do_not_select_everything():
    everything = query_of("PHQ9.total", ["guided", "self_guided"], ["P1", "P2"], MODES, PROGRAMS)
    assert everything == "?outcome=PHQ9.total"
    some = query_of("PHQ9.total", ["self_guided"], [], MODES, PROGRAMS)
    assert some == "?outcome=PHQ9.total&mode=self_guided&program="


def test_a_timepoint_other_than_the_first_offered_is_kept():
    timepoints = [{"label": "Post", "value": "post_treatment"}, {"label": "FU", "value": "fu"}]
    args = ("PHQ9.total", ["guided", "self_guided"], ["P1", "P2"], MODES, PROGRAMS)
    assert query_of(*args, "post_treatment", timepoints) == "?outcome=PHQ9.total"
    assert query_of(*args, "fu", timepoints) == "?outcome=PHQ9.total&timepoint=fu"


def test_outcome_options_pair_each_key_with_its_label():
    frame = pl.DataFrame(
        {"instrument": ["PHQ9"], "scale": ["total"], "outcome_label": ["Depression (PHQ-9)"]}
    )
    assert outcome_options(frame) == [("PHQ9.total", "Depression (PHQ-9)")]


def test_the_checklists_are_checked_as_the_view_selects():
    offer = Offer(modes=["guided", "self_guided"], programs=["P1", "P2"])
    state = ViewState(modes=("guided",), programs=("P2",))
    modes, programs = mode_and_program_filters(
        Id.OUTCOMES_MODES, Id.OUTCOMES_PROGRAMS, offer, [("P1", "A"), ("P2", "B")], state
    )
    [mode_values] = [c.value for c in _walk(modes) if getattr(c, "id", None) == Id.OUTCOMES_MODES]
    [program_values] = [
        c.value for c in _walk(programs) if getattr(c, "id", None) == Id.OUTCOMES_PROGRAMS
    ]
    assert list(mode_values) == ["guided"] and list(program_values) == ["P2"]


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if hasattr(child, "to_plotly_json"):  # a component, not text
            yield from _walk(child)
