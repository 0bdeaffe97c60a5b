"""The program-change chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import program_change
from dashboards.charts.common import Status
from dashboards.theme import DELIVERY_MODES
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def statuses(data: pl.DataFrame) -> dict[str, str]:
    return dict(data.select("program_id", "status").rows())


def test_process_data_refuses_a_frame_that_was_not_suppressed(marts, view) -> None:
    raw = marts.query("program_outcomes")
    with pytest.raises(ValueError, match="suppress"):
        program_change.process_data(raw, view())


def test_each_program_gets_the_reason_it_is_or_is_not_drawn(marts, view) -> None:
    data = program_change.process_data(marts.program_outcomes(), view("PHQ9.total"))
    assert data.height == marts.programs().height
    assert statuses(data)["ICBT15"] in (Status.SMALL, Status.NO_DATA)
    hidden = data.filter(pl.col("status") != Status.SHOWN)
    assert hidden["mean_change"].is_null().all()
    # A program hidden to protect a small one shares its delivery mode.
    for row in data.filter(pl.col("status") == Status.COMPLEMENTARY).iter_rows(named=True):
        same_mode = data.filter(pl.col("delivery_mode") == row["delivery_mode"])
        assert (same_mode["status"] == Status.SMALL).any()


def test_shown_programs_are_ordered_from_most_to_least_improvement(marts, view) -> None:
    lower_better = program_change.process_data(marts.program_outcomes(), view("PHQ9.total"))
    changes = lower_better.filter(pl.col("status") == Status.SHOWN)["mean_change"].to_list()
    assert changes == sorted(changes)  # most negative first
    higher_better = program_change.process_data(marts.program_outcomes(), view("PSEQ.total"))
    changes = higher_better.filter(pl.col("status") == Status.SHOWN)["mean_change"].to_list()
    assert changes == sorted(changes, reverse=True)
    drawn = [status == Status.SHOWN for status in lower_better["status"]]
    assert drawn == sorted(drawn, reverse=True)  # programs not drawn come last


def test_filters_never_change_which_programs_are_suppressed(marts, view) -> None:
    full = statuses(program_change.process_data(marts.program_outcomes(), view()))
    for program, state in full.items():
        alone = program_change.process_data(marts.program_outcomes(), view(programs=(program,)))
        assert statuses(alone) == {program: state}
    guided = program_change.process_data(
        marts.program_outcomes(), view(modes=("guided_asynchronous",))
    )
    assert set(guided["delivery_mode"]) == {"guided_asynchronous"}


def test_figure_draws_one_point_with_ci_per_shown_program(marts, view) -> None:
    data = program_change.process_data(marts.program_outcomes(), view())
    figure = program_change.create_figure(data)
    shown = data.filter(pl.col("status") == Status.SHOWN)
    assert sum(len(trace.x) for trace in figure.data) == shown.height
    drawn = {y for trace in figure.data for y in trace.y}
    assert drawn == set(shown["program_name"])
    guided = next(t for t in figure.data if t.name == "Guided (asynchronous)")
    assert guided.marker.color == DELIVERY_MODES["guided_asynchronous"].colour
    assert guided.marker.symbol == DELIVERY_MODES["guided_asynchronous"].symbol
    assert all(width > 0 for width in guided.error_x.array)
    low, high = figure.layout.xaxis.range
    assert low < min(shown["change_ci_low"]) and high > 0
    assert "Not shown:" in note(figure)
    assert "negative change is an improvement" in note(figure)


def test_figure_says_so_when_nothing_can_be_drawn(marts, view) -> None:
    pilot = program_change.process_data(marts.program_outcomes(), view(programs=("ICBT15",)))
    assert is_empty_state(program_change.create_figure(pilot), "enough episodes")
    empty = program_change.process_data(marts.program_outcomes(), view(modes=()))
    assert is_empty_state(program_change.create_figure(empty), "No program matches")
    assert program_change.summarise(empty) == (
        "the selected outcome: no program matches the filters."
    )


def test_summary_reads_the_chart_out_without_hidden_numbers(marts, view) -> None:
    data = program_change.process_data(marts.program_outcomes(), view())
    shown = data.filter(pl.col("status") == Status.SHOWN)
    text = program_change.summarise(data)
    assert text.startswith("PHQ-9 depression, mean change from baseline to post-treatment")
    assert f"for {shown.height} of {data.height} programs" in text
    best = shown.row(0, named=True)
    assert f"{best['program_name']} \u2212{abs(best['mean_change']):.1f} points" in text
    pilot = marts.programs().filter(pl.col("program_id") == "ICBT15")["program_name"][0]
    assert pilot not in text.split("Not shown:")[0]  # only named among those left out
    assert f"{pilot} (" in text.split("Not shown:")[1]


def test_table_and_csv_show_labels_for_suppressed_cells(marts, view) -> None:
    data = program_change.process_data(marts.program_outcomes(), view())
    table = program_change.table_frame(data, RULES)
    assert table.columns == list(program_change.TABLE_HEADERS)
    names = dict(marts.programs().select("program_id", "program_name").rows())
    pilot = table.filter(pl.col("program_name") == names["ICBT15"]).row(0, named=True)
    assert pilot["n_baseline"] == "<5"
    assert pilot["change_ci"] in ("s", "\u2014")
    csv = program_change.csv_frame(data, RULES)
    assert csv.columns == list(program_change.CSV_COLUMNS)
    for row in csv.join(data.select("program_id", "status"), on="program_id").iter_rows(named=True):
        if row["status"] in (Status.SMALL, Status.COMPLEMENTARY):
            assert row["n_paired"] in ("<5", "s")
            assert row["mean_change"] == "s"


def test_about_names_the_mart_the_method_and_the_threshold() -> None:
    text = " ".join(program_change.about(RULES, "Intervals by the t distribution.", 0.9))
    assert "mart_program_outcomes" in text
    assert "90% confidence interval" in text  # the snapshot's level, passed in
    assert "1 to 4 episodes" in text
    assert "delivery-mode totals" in text
    assert "Intervals by the t distribution." in text


def test_the_program_filter_lists_programs_by_id(marts) -> None:
    """Names sort as text ("archetype 10" before "archetype 5"); ids sort as every page
    lists programs."""
    offered = marts.query("program_options", timepoint="post_treatment")["program_id"]
    assert offered.to_list() == sorted(offered.to_list())
