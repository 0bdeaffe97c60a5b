"""The program-change chart's pure functions, on the fixture mart (see conftest.py)."""

from __future__ import annotations

import re

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards.charts import program_change
from dashboards.charts.program_change import Status
from dashboards.suppression import SuppressionRules, suppress
from dashboards.theme import DELIVERY_MODES
from dashboards.view_state import OutcomeKey, ViewState

RULES = SuppressionRules()
ALL_MODES = tuple(DELIVERY_MODES)
ALL_PROGRAMS = ("BCSELF", "ONGUIDE", "SKGUIDE", "MBCLINIC", "QCPILOT", "ABLIVE")


def view(
    outcome: str = "BPI_SF.interference",
    modes: tuple[str, ...] = ALL_MODES,
    programs: tuple[str, ...] = ALL_PROGRAMS,
) -> ViewState:
    return ViewState(OutcomeKey.parse(outcome), modes, programs)


@pytest.fixture(scope="module")
def suppressed(program_outcomes: pl.DataFrame) -> pl.DataFrame:
    return suppress(program_outcomes, program_change.SUPPRESSION, RULES)


def statuses(data: pl.DataFrame) -> dict[str, str]:
    return dict(data.select("program_id", "status").rows())


def test_process_data_refuses_a_frame_that_was_not_suppressed(
    program_outcomes: pl.DataFrame,
) -> None:
    with pytest.raises(ValueError, match="suppress"):
        program_change.process_data(program_outcomes, view())


def test_each_program_gets_the_reason_it_is_or_is_not_drawn(suppressed: pl.DataFrame) -> None:
    data = program_change.process_data(suppressed, view())
    assert statuses(data) == {
        "ONGUIDE": Status.SHOWN,
        "SKGUIDE": Status.SHOWN,
        "BCSELF": Status.SHOWN,
        "QCPILOT": Status.SMALL,  # 3 paired episodes
        "MBCLINIC": Status.COMPLEMENTARY,  # next smallest, protects QCPILOT from the total
        "ABLIVE": Status.NO_PAIRED,  # 0 paired episodes: shown as 0, nothing to draw
    }
    assert data.filter(pl.col("status") != Status.SHOWN)["mean_change"].is_null().all()


def test_no_complementary_suppression_when_no_program_is_small(
    suppressed: pl.DataFrame,
) -> None:
    data = program_change.process_data(suppressed, view("GAD7.total"))
    shown = [p for p, s in statuses(data).items() if s == Status.SHOWN]
    assert sorted(shown) == ["BCSELF", "MBCLINIC", "ONGUIDE", "QCPILOT", "SKGUIDE"]


def test_shown_programs_are_ordered_from_most_to_least_improvement(
    suppressed: pl.DataFrame,
) -> None:
    lower_better = program_change.process_data(suppressed, view("PHQ9.total"))
    changes = lower_better.filter(pl.col("status") == Status.SHOWN)["mean_change"].to_list()
    assert changes == sorted(changes)  # most negative first
    higher_better = program_change.process_data(suppressed, view("PSEQ.total"))
    changes = higher_better.filter(pl.col("status") == Status.SHOWN)["mean_change"].to_list()
    assert changes == sorted(changes, reverse=True)
    drawn = [status == Status.SHOWN for status in lower_better["status"]]
    assert drawn == sorted(drawn, reverse=True)  # programs not drawn come last


def test_filters_select_modes_and_programs(suppressed: pl.DataFrame) -> None:
    by_mode = program_change.process_data(
        suppressed, view("GAD7.total", modes=("guided_asynchronous",))
    )
    assert set(by_mode["program_id"]) == {"ONGUIDE", "SKGUIDE", "QCPILOT"}
    by_program = program_change.process_data(suppressed, view(programs=("BCSELF", "QCPILOT")))
    assert set(by_program["program_id"]) == {"BCSELF", "QCPILOT"}


def test_filtering_never_changes_which_programs_are_suppressed(
    suppressed: pl.DataFrame,
) -> None:
    # MBCLINIC stays hidden even when QCPILOT, the reason for hiding it, is filtered out.
    data = program_change.process_data(suppressed, view(programs=("MBCLINIC",)))
    assert statuses(data) == {"MBCLINIC": Status.COMPLEMENTARY}


def points(figure: go.Figure) -> int:
    return sum(len(trace.x) for trace in figure.data)


def test_figure_draws_one_point_with_ci_per_shown_program(suppressed: pl.DataFrame) -> None:
    data = program_change.process_data(suppressed, view())
    figure = program_change.create_figure(data)
    assert points(figure) == 3
    names = {trace.name for trace in figure.data}
    assert names == {"Self-guided", "Guided (asynchronous)"}
    drawn = {y for trace in figure.data for y in trace.y}
    assert "Programme pilote douleur Québec" not in drawn
    guided = next(t for t in figure.data if t.name == "Guided (asynchronous)")
    assert guided.marker.color == DELIVERY_MODES["guided_asynchronous"].colour
    assert guided.marker.symbol == DELIVERY_MODES["guided_asynchronous"].symbol
    assert all(width > 0 for width in guided.error_x.array)
    low, high = figure.layout.xaxis.range
    assert low < min(data["change_ci_low"].drop_nulls()) and high > 0


def test_figure_note_lists_programs_left_out_and_why(suppressed: pl.DataFrame) -> None:
    figure = program_change.create_figure(program_change.process_data(suppressed, view()))
    note = " ".join(a.text for a in figure.layout.annotations).replace("<br>", " ")
    assert "Not shown:" in note
    assert "Programme pilote douleur Québec (too few episodes" in note
    assert "Winnipeg Pain Clinic CBT Group (hidden so that a small program" in note
    assert "Alberta Live Pain Therapy (no episodes with both measurements)" in note
    assert "negative change is an improvement" in note


def test_figure_says_so_when_nothing_can_be_drawn(suppressed: pl.DataFrame) -> None:
    nothing = program_change.process_data(suppressed, view(programs=("QCPILOT", "ABLIVE")))
    figure = program_change.create_figure(nothing)
    assert points(figure) == 0
    assert "enough episodes" in figure.layout.annotations[0].text
    empty = program_change.process_data(suppressed, view(modes=()))
    assert "No program matches" in program_change.create_figure(empty).layout.annotations[0].text


def test_summary_reads_the_chart_out(suppressed: pl.DataFrame) -> None:
    data = program_change.process_data(suppressed, view())
    ontario = data.filter(pl.col("program_id") == "ONGUIDE").row(0, named=True)
    text = program_change.summarise(data)
    assert text.startswith("BPI pain interference, mean change from baseline to post-treatment")
    assert "for 3 of 6 programs, from most to least improvement" in text
    expected = f"Guided Pain Course Ontario \u2212{abs(ontario['mean_change']):.1f} points"
    assert expected in text
    assert f"{ontario['n_paired']} episodes" in text
    assert "Not shown: " in text
    # A suppressed count never appears, even in words.
    assert re.search(r"\b3 episodes", text) is None


def test_summary_of_an_empty_selection(suppressed: pl.DataFrame) -> None:
    empty = program_change.process_data(suppressed, view(modes=()))
    assert (
        program_change.summarise(empty) == "the selected outcome: no program matches the filters."
    )


def test_table_shows_labels_for_suppressed_cells(suppressed: pl.DataFrame) -> None:
    data = program_change.process_data(suppressed, view())
    table = program_change.table_frame(data, RULES)
    assert table.columns == list(program_change.TABLE_HEADERS)
    rows = {row["program_name"]: row for row in table.iter_rows(named=True)}
    pilot = rows["Programme pilote douleur Québec"]
    assert pilot["n_paired"] == "<5"
    assert pilot["mean_change"] == pilot["change_ci"] == pilot["percent_change"] == "s"
    assert pilot["n_baseline"] == "11"  # baseline is not small: still shown
    assert rows["Winnipeg Pain Clinic CBT Group"]["n_paired"] == "s"
    alberta = rows["Alberta Live Pain Therapy"]
    assert (alberta["n_paired"], alberta["mean_change"]) == ("0", "\u2014")
    assert rows["Guided Pain Course Ontario"]["change_ci"].count(" to ") == 1
    assert rows["Guided Pain Course Ontario"]["delivery_mode"] == "Guided (asynchronous)"


def test_csv_keeps_mart_columns_and_suppression(suppressed: pl.DataFrame) -> None:
    data = program_change.process_data(suppressed, view())
    csv = program_change.csv_frame(data, RULES)
    assert csv.columns == list(program_change.CSV_COLUMNS)
    pilot = csv.filter(pl.col("program_id") == "QCPILOT").row(0, named=True)
    assert pilot["n_paired"] == "<5"
    assert {pilot[c] for c in ("score_mean", "mean_change", "change_ci_low")} == {"s"}


def test_about_names_the_mart_the_method_and_the_threshold() -> None:
    text = " ".join(program_change.about(RULES, "95% CI by the t distribution."))
    assert "mart_program_outcomes" in text
    assert "95% confidence interval" in text
    assert "1 to 4 episodes" in text
    assert "95% CI by the t distribution." in text
    assert "does not recompute" in text
