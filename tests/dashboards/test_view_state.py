"""The URL query string round-trips every page's view, and old or odd links still open."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from dashboards.view_state import (
    ALL_ICBT,
    Offer,
    OutcomeKey,
    Unit,
    ViewState,
    focal_unit,
    parse_query,
    to_query_string,
    with_unit,
)

OUTCOMES = [OutcomeKey("GAD7", "total"), OutcomeKey("PHQ9", "total")]
MODES = ["self_guided", "guided_asynchronous", "in_person"]
PROGRAMS = ["A", "B", "C"]
PERIODS = ["all", "2026-Q1", "2026-Q2"]
DIMENSIONS = ["age_band", "sex"]
OFFER = Offer(OUTCOMES, MODES, PROGRAMS, PERIODS, DIMENSIONS)


def parse(query: dict, offer: Offer = OFFER) -> ViewState:
    return parse_query(query, offer)


def as_query(search: str) -> dict:
    """What Dash Pages passes a layout: one value per parameter, a list when repeated."""
    return {k: v if len(v) > 1 else v[0] for k, v in parse_qs(search[1:], True).items()}


def test_outcome_key_and_unit_parse_and_print() -> None:
    assert OutcomeKey.parse("BPI_SF.interference") == OutcomeKey("BPI_SF", "interference")
    assert str(OutcomeKey("PHQ9", "total")) == "PHQ9.total"
    assert Unit.parse("program:ICBT05") == Unit("program", "ICBT05")
    assert str(ALL_ICBT) == "all_icbt:all_icbt"
    for bad in ("PHQ9", "."):
        with pytest.raises(ValueError):
            OutcomeKey.parse(bad)
    for bad in ("ICBT05", "clinic:X", "program:"):
        with pytest.raises(ValueError):
            Unit.parse(bad)


def test_query_selects_every_filter() -> None:
    state = parse(
        {
            "outcome": "GAD7.total",
            "mode": "guided_asynchronous",
            "program": ["A", "C"],
            "period": "2026-Q2",
            "dimension": "sex",
        }
    )
    assert state == ViewState(
        OutcomeKey("GAD7", "total"), ("guided_asynchronous",), ("A", "C"), "2026-Q2", "sex"
    )


def test_missing_or_unknown_values_fall_back_to_defaults() -> None:
    state = parse({"outcome": "NOPE.total", "mode": "retired_mode", "period": "1999-Q1"})
    assert state.outcome == OutcomeKey("PHQ9", "total")  # preferred default when present
    assert state.modes == tuple(MODES)
    assert state.programs == tuple(PROGRAMS)
    assert state.period == "all"
    assert state.dimension == "age_band"


def test_a_page_without_outcomes_parses_without_one() -> None:
    state = parse({"outcome": "PHQ9.total"}, Offer(modes=MODES))
    assert state.outcome is None
    assert to_query_string(state, Offer(modes=MODES)) == ""


def test_first_outcome_is_the_default_without_a_preferred_one() -> None:
    state = parse({}, Offer(outcomes=[OutcomeKey("PCS", "total")]))
    assert state.outcome == OutcomeKey("PCS", "total")


def test_comma_joined_values_and_blank_selections() -> None:
    assert parse({"mode": "self_guided,in_person"}).modes == ("self_guided", "in_person")
    assert parse({"program": ""}).programs == ()


def test_round_trip_through_the_query_string() -> None:
    for state in (
        ViewState(OutcomeKey("GAD7", "total"), ("in_person",), ("B",), "2026-Q1", "sex"),
        ViewState(OutcomeKey("PHQ9", "total"), tuple(MODES), tuple(PROGRAMS), "all", "age_band"),
        ViewState(OutcomeKey("PHQ9", "total"), (), ("A",), "all", "age_band"),
    ):
        assert parse(as_query(to_query_string(state, OFFER))) == state


def test_defaults_are_left_out_of_the_url() -> None:
    state = ViewState(OutcomeKey("PHQ9", "total"), tuple(MODES), tuple(PROGRAMS), "all", "age_band")
    assert to_query_string(state, OFFER) == "?outcome=PHQ9.total"


def test_one_program_else_one_mode_else_all_icbt_is_the_focal_unit() -> None:
    assert focal_unit(parse({"program": "B"}), OFFER) == Unit("program", "B")
    assert focal_unit(parse({"mode": "in_person"}), OFFER) == Unit("delivery_mode", "in_person")
    assert focal_unit(parse({"program": "A,B"}), OFFER) == ALL_ICBT
    assert focal_unit(parse({}), OFFER) == ALL_ICBT


def test_unit_links_round_trip_and_carry_over_from_other_pages() -> None:
    for unit in (Unit("program", "C"), Unit("delivery_mode", "self_guided"), ALL_ICBT):
        state = with_unit(ViewState(period="2026-Q1"), unit, OFFER)
        search = to_query_string(state, OFFER)
        assert focal_unit(parse(as_query(search)), OFFER) == unit
    # A link from the Outcomes page filtered to one program opens that program.
    outcomes_link = to_query_string(
        ViewState(OutcomeKey("PHQ9", "total"), tuple(MODES), ("B",)), OFFER
    )
    assert focal_unit(parse(as_query(outcomes_link)), OFFER) == Unit("program", "B")
