"""The therapist-time chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import therapist_time
from dashboards.charts.common import Status
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        therapist_time.process_data(marts.query("therapist_time"), ALL_ICBT)


def test_modes_are_compared_with_all_icbt_and_the_chosen_unit_is_marked(marts) -> None:
    data = therapist_time.process_data(marts.therapist_time(), ALL_ICBT)
    assert set(data["unit_type"]) == {"delivery_mode", "all_icbt"}
    assert data.filter(pl.col("focal"))["unit_id"].to_list() == ["all_icbt"]
    medians = data.filter(pl.col("status") == Status.SHOWN)["therapist_minutes_median"]
    assert medians.to_list() == sorted(medians.to_list(), reverse=True)
    figure = therapist_time.create_figure(data)
    chosen = next(t for t in figure.data if t.name == "Chosen unit")
    assert list(chosen.y) == ["All iCBT programs"]
    assert "All iCBT programs: median" in therapist_time.summarise(data)


def test_programs_are_compared_with_programs_and_small_ones_left_out(marts) -> None:
    data = therapist_time.process_data(marts.therapist_time(), Unit("program", "ICBT05"))
    assert set(data["unit_type"]) == {"program"}
    pilot = data.filter(pl.col("unit_id") == "ICBT15").row(0, named=True)
    assert pilot["status"] == Status.SMALL
    assert pilot["therapist_minutes_median"] is None
    text = therapist_time.summarise(data)
    assert "Not shown:" in text and pilot["unit_name"] in text.split("Not shown:")[1]
    table = therapist_time.table_frame(data, RULES)
    assert table.filter(pl.col("unit_name") == pilot["unit_name"])["n_started"][0] == "<5"
    assert therapist_time.csv_frame(data, RULES).columns == list(therapist_time.CSV_COLUMNS)


def test_nothing_to_draw_and_about(marts) -> None:
    nothing = therapist_time.process_data(marts.therapist_time(), ALL_ICBT).filter(
        pl.col("status") != Status.SHOWN
    )
    assert is_empty_state(therapist_time.create_figure(nothing), "No unit has enough")
    text = " ".join(therapist_time.about(RULES, None))
    assert "mart_therapist_time" in text and "25th to 75th percentile" in text
