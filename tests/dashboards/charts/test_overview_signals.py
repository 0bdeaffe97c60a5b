"""The open-signal grid's pure functions on the demo warehouse's register."""

from __future__ import annotations

from dashboards.charts import overview_signals
from dashboards.suppression import load_rules
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import is_empty_state

pytestmark = needs_demo_build


def test_open_signals_are_counted_per_program_and_indicator(marts) -> None:
    data = overview_signals.process_data(marts.overview_safety_signals())
    register = marts.query("overview_safety_signals")
    assert data["open_signals"].sum() == register["open_signals"].sum()
    severe = data["severe"].to_list()
    assert severe == sorted(severe, reverse=True)
    programs = overview_signals.by_program(data)
    assert [n for _, _, n in programs] == sorted((n for _, _, n in programs), reverse=True)


def test_grid_summary_table_and_csv(marts) -> None:
    data = overview_signals.process_data(marts.overview_safety_signals())
    figure = overview_signals.create_figure(data)
    heatmap = figure.data[0]
    assert set(heatmap.x) == set(data["program_id"])
    cells = [int(t) for row in heatmap.text for t in row if t]
    assert sum(cells) == data["open_signals"].sum()
    text = overview_signals.summarise(data)
    assert text.startswith(f"{data['open_signals'].sum()} open safety signals")
    assert overview_signals.table_frame(data, load_rules()).columns == list(
        overview_signals.TABLE_HEADERS
    )
    assert overview_signals.csv_frame(data, load_rules()).columns == list(
        overview_signals.CSV_COLUMNS
    )


def test_no_open_signal_is_said_in_words(marts) -> None:
    empty = overview_signals.process_data(marts.overview_safety_signals().clear())
    assert is_empty_state(overview_signals.create_figure(empty), "No open safety signals")
    assert overview_signals.summarise(empty) == "No open safety signals."
    assert overview_signals.by_program(empty) == []
    assert overview_signals.table_frame(empty, load_rules()).is_empty()
