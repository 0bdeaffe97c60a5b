"""The URL query string round-trips the outcomes view, and old or odd links still open."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from dashboards.view_state import OutcomeKey, ViewState, parse_query, to_query_string

OUTCOMES = [OutcomeKey("GAD7", "total"), OutcomeKey("PHQ9", "total")]
MODES = ["self_guided", "guided_asynchronous", "in_person"]
PROGRAMS = ["A", "B", "C"]


def parse(query: dict) -> ViewState:
    return parse_query(query, outcomes=OUTCOMES, modes=MODES, programs=PROGRAMS)


def test_outcome_key_parses_and_prints() -> None:
    assert OutcomeKey.parse("BPI_SF.interference") == OutcomeKey("BPI_SF", "interference")
    assert str(OutcomeKey("PHQ9", "total")) == "PHQ9.total"
    with pytest.raises(ValueError):
        OutcomeKey.parse("PHQ9")


def test_query_selects_outcome_and_filters() -> None:
    state = parse({"outcome": "GAD7.total", "mode": "guided_asynchronous", "program": ["A", "C"]})
    assert state == ViewState(OutcomeKey("GAD7", "total"), ("guided_asynchronous",), ("A", "C"))


def test_missing_or_unknown_values_fall_back_to_everything() -> None:
    state = parse({"outcome": "NOPE.total", "mode": "retired_mode"})
    assert state.outcome == OutcomeKey("PHQ9", "total")  # preferred default when present
    assert state.modes == tuple(MODES)
    assert state.programs == tuple(PROGRAMS)


def test_first_outcome_is_the_default_without_a_preferred_one() -> None:
    state = parse_query({}, outcomes=[OutcomeKey("PCS", "total")], modes=MODES, programs=[])
    assert state.outcome == OutcomeKey("PCS", "total")


def test_comma_joined_values_are_accepted() -> None:
    assert parse({"mode": "self_guided,in_person"}).modes == ("self_guided", "in_person")


def test_round_trip_through_the_query_string() -> None:
    for state in (
        ViewState(OutcomeKey("GAD7", "total"), ("in_person",), ("B",)),
        ViewState(OutcomeKey("PHQ9", "total"), tuple(MODES), tuple(PROGRAMS)),
        ViewState(OutcomeKey("PHQ9", "total"), (), ("A",)),
    ):
        search = to_query_string(state, modes=MODES, programs=PROGRAMS)
        query = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(search[1:], True).items()}
        assert parse(query) == state


def test_filters_selecting_everything_are_left_out_of_the_url() -> None:
    state = ViewState(OutcomeKey("PHQ9", "total"), tuple(MODES), tuple(PROGRAMS))
    assert to_query_string(state, modes=MODES, programs=PROGRAMS) == "?outcome=PHQ9.total"
