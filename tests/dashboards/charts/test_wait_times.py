"""The waiting-time chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import pytest

from dashboards.charts import wait_times
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        wait_times.process_data(marts.query("wait_times"), ALL_ICBT, "all")


def test_standards_as_bars_with_their_targets(marts) -> None:
    data = wait_times.process_data(marts.wait_times(), ALL_ICBT, "all")
    assert data["standard_days"].to_list() == sorted(data["standard_days"].to_list())
    assert data["standard_label"][0] == "Within 6 weeks (42 days)"
    figure = wait_times.create_figure(data)
    bars, targets = figure.data
    assert list(bars.x) == data["share_within_standard"].to_list()
    assert list(targets.x) == data["target_share"].to_list()
    text = wait_times.summarise(data)
    assert "median wait from referral to start" in text
    assert "(target 75%, " in text


def test_labels_of_standards() -> None:
    assert wait_times.standard_label(126) == "Within 18 weeks (126 days)"
    assert wait_times.standard_label(30) == "Within 30 days"


def test_a_small_unit_shows_no_waits(marts) -> None:
    data = wait_times.process_data(marts.wait_times(), Unit("program", "ICBT15"), "all")
    assert not data["shown"].any()
    assert is_empty_state(wait_times.create_figure(data), "Too few started episodes")
    table = wait_times.table_frame(data, RULES)
    assert set(table["n_started"]) == {"<5"}
    assert set(table["wait_days_median"]) == {"s"}
    assert wait_times.csv_frame(data, RULES).columns == list(wait_times.CSV_COLUMNS)
    empty = wait_times.process_data(marts.wait_times(), Unit("program", "ICBT15"), "1999-Q1")
    assert is_empty_state(wait_times.create_figure(empty), "No started episodes")


def test_about_cites_the_standards() -> None:
    text = " ".join(wait_times.about(RULES, None, ["Within 6 weeks: NHS England (2016)"]))
    assert "mart_wait_times" in text and "NHS England (2016)" in text
