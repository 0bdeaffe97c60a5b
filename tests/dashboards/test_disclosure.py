"""The disclosure module's own parts: bulk certification agrees with exact intervals, and
secondary suppression hides until the audit passes. (The audit on hand-worked cases and
on random tables through the real `suppress` is in test_suppression_audit.py.)"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.disclosure import (
    Equation,
    Published,
    _Problem,
    _sensitive,
    audit,
    protect,
    protects,
)
from dashboards.suppression import SuppressionSpec, load_rules, suppress
from tests.dashboards.interval_audit import published_table

THRESHOLD = 5


def exhaustive_findings(published: Published, threshold: int) -> list[tuple]:
    """Every sensitive quantity's exact interval, two LPs each: the audit's answer
    without its bulk certification."""
    problem = _Problem(published)
    found = []
    for quantity in _sensitive(published, problem, threshold):
        low, high = problem.extreme(quantity, 1), problem.extreme(quantity, -1)
        if not protects(low, high, quantity.true, threshold, labelled=published.labelled):
            found.append((quantity.cells, quantity.true, low, high))
    return found


SPEC = SuppressionSpec(
    dependents={"referred": (), "started": (), "completed": ()},
    total_groups=(("mode",),),
    nested=(("referred", "started", "completed"),),
)


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    """Programs within modes, each mode with its total row, counts nested and small
    values common."""
    rows = []
    for mode in range(draw(st.integers(1, 3))):
        programs = []
        for _ in range(draw(st.integers(2, 5))):
            referred = draw(st.integers(0, 30))
            started = draw(st.integers(0, referred))
            completed = draw(st.integers(0, started))
            programs.append((referred, started, completed))
        for referred, started, completed in programs:
            rows.append((f"m{mode}", 0, referred, started, completed))
        totals = [sum(p[i] for p in programs) for i in range(3)]
        rows.append((f"m{mode}", 1, *totals))
    return pl.DataFrame(
        rows, schema=["mode", "level", "referred", "started", "completed"], orient="row"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
def test_bulk_certification_finds_what_exact_intervals_find(
    frame: pl.DataFrame, labelled: bool
) -> None:
    rules = load_rules()
    published = published_table(
        frame, suppress(frame, SPEC, rules), SPEC, rules, level="level", labelled=labelled
    )
    expected = exhaustive_findings(published, rules.threshold)
    found = [(f.quantity, f.true, f.low, f.high) for f in audit(published, rules.threshold)]
    assert found == expected


def _two_cells_and_a_total(extra: frozenset) -> Published:
    """a (3) and b (9) add up to a shown 12, with a hidden by the rules; `extra` hidden
    too."""
    published = Published()
    published.add_cell("a", 3, None)
    published.add_cell("b", 9, None if "b" in extra else 9)
    published.add_cell("total", 12, 12)
    published.equations.append(Equation({"a": 1, "b": 1, "total": -1}))
    return published


def test_secondary_suppression_hides_the_neighbour_that_gives_a_small_cell_away() -> None:
    assert audit(_two_cells_and_a_total(frozenset()), THRESHOLD)
    extra = protect(_two_cells_and_a_total, THRESHOLD, hideable=lambda cell: True)
    assert extra == {"b"}
    assert audit(_two_cells_and_a_total(extra), THRESHOLD) == []


def test_secondary_suppression_never_hides_what_it_may_not() -> None:
    # The total belongs to another page's decision: only b may be hidden here, and it is.
    extra = protect(_two_cells_and_a_total, THRESHOLD, hideable=lambda cell: cell != "total")
    assert "total" not in extra
    assert audit(_two_cells_and_a_total(extra), THRESHOLD) == []


def test_nothing_pinned_needs_nothing_hidden() -> None:
    def already_protected(_extra: frozenset) -> Published:
        return _two_cells_and_a_total(frozenset({"b"}))

    assert protect(already_protected, THRESHOLD, hideable=lambda cell: True) == frozenset()


def test_a_last_resort_cell_is_hidden_only_where_nothing_else_is_left() -> None:
    # Only b can protect a, and only as a last resort: it is hidden, not refused.
    extra = protect(
        _two_cells_and_a_total,
        THRESHOLD,
        hideable=lambda cell: False,
        last_resort=lambda cell: cell == "b",
    )
    assert extra == {"b"}
