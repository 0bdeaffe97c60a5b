"""The benchmark chart's pure functions on the demo warehouse's marts."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from dashboards.charts import literature_benchmarks
from dashboards.charts.common import Status
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def benchmarks(marts, view, outcome: str = "PHQ9.total", **changes) -> pl.DataFrame:
    state = replace(view(outcome), timepoint="post_treatment", **changes)
    return literature_benchmarks.process_data(
        marts.comparisons(), marts.literature_benchmarks(), state
    )


def test_short_citation() -> None:
    assert literature_benchmarks.short_citation("Dear BF et al. Pain Med 2023;24(12)") == (
        "Dear 2023"
    )
    assert literature_benchmarks.short_citation(None) == ""


def test_each_row_carries_the_outcomes_benchmarks_from_the_reference(marts, view) -> None:
    data = benchmarks(marts, view)
    assert data["is_primary"].all()
    reference = marts.literature_benchmarks()
    routine = data["benchmark_routine_care_id"][0]
    expected = reference.filter(pl.col("benchmark_id") == routine)["improvement"][0]
    assert (data["routine_care_improvement"] == expected).all()
    rows = literature_benchmarks.benchmark_rows(data)
    assert [r["role"] for r in rows] == ["routine_care", "internet", "in_person"]
    assert all(r["effect"] > 0 for r in rows)  # turned to the improvement direction


def test_figure_draws_programs_and_benchmarks_on_one_axis(marts, view) -> None:
    data = benchmarks(marts, view)
    figure = literature_benchmarks.create_figure(data)
    shown = data.filter(pl.col("status") == Status.SHOWN)
    programs = [t for t in figure.data if not t.name.startswith("Published")]
    assert sum(len(t.x) for t in programs) == shown.height
    stars = [t for t in figure.data if t.name.startswith("Published")]
    assert {t.marker.symbol for t in stars} == {"star", "star-open"}
    routine = data["routine_care_improvement"][0]
    assert routine in [s.x0 for s in figure.layout.shapes]


def test_outcome_without_benchmark_and_empty_state(marts, view) -> None:
    peg = benchmarks(marts, view, "PEG.total")
    assert literature_benchmarks.benchmark_rows(peg) == []
    assert "no published benchmark" in literature_benchmarks.summarise(peg)
    none = benchmarks(marts, view, modes=())
    assert is_empty_state(literature_benchmarks.create_figure(none), "No comparison matches")


def test_table_lists_benchmarks_after_programs_and_hides_small_ones(marts, view) -> None:
    data = benchmarks(marts, view)
    table = literature_benchmarks.table_frame(data, RULES)
    assert table.columns == list(literature_benchmarks.TABLE_HEADERS)
    assert table.height == data.height + len(literature_benchmarks.benchmark_rows(data))
    assert table["kind"][-1].startswith("published")
    small = data.filter(pl.col("status") == Status.SMALL)["name"]
    hidden = table.filter(pl.col("name").is_in(small.implode()))
    assert set(hidden["n_program_analysed"]) == {"<5"} and set(hidden["effect"]) == {"s"}
    csv = literature_benchmarks.csv_frame(data, RULES)
    assert "routine_care_citation" in csv.columns


def test_about_separates_like_for_like_from_context() -> None:
    text = " ".join(literature_benchmarks.about(RULES, None, None))
    assert "ref_literature_benchmarks" in text and "context" in text
