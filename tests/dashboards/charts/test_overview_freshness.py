"""The freshness chart's pure functions on the demo warehouse's dq_freshness."""

from __future__ import annotations

import polars as pl

from dashboards.charts import overview_freshness
from dashboards.suppression import load_rules
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import is_empty_state, note

pytestmark = needs_demo_build


def test_every_delivering_program_with_build_time(marts) -> None:
    data = overview_freshness.process_data(marts.overview_freshness())
    assert set(data["program_id"]) == set(marts.programs()["program_id"])
    assert "Warehouse built" in overview_freshness.built_line(data)
    figure = overview_freshness.create_figure(data)
    assert "Every program has delivered" in note(figure)
    assert "delivered within their expected cadence" in overview_freshness.summarise(data)


def test_overdue_programs_come_first_and_are_flagged_without_colour_alone(marts) -> None:
    frame = marts.overview_freshness().with_columns(
        pl.when(pl.col("program_id") == "ICBT03")
        .then(pl.lit("overdue"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(pl.col("program_id") == "ICBT03")
        .then(90)
        .otherwise(pl.col("days_since_delivery"))
        .alias("days_since_delivery"),
    )
    data = overview_freshness.process_data(frame)
    assert data["program_id"][0] == "ICBT03"
    figure = overview_freshness.create_figure(data)
    overdue = next(t for t in figure.data if t.name == "Overdue")
    assert overdue.marker.symbol == "diamond" and list(overdue.x) == [90]
    assert "Overdue:" in note(figure)
    assert overview_freshness.summarise(data).startswith("1 of ")
    table = overview_freshness.table_frame(data, load_rules())
    assert table.columns == list(overview_freshness.TABLE_HEADERS)
    assert table["status"][0] == "overdue"
    assert overview_freshness.csv_frame(data, load_rules()).columns == list(
        overview_freshness.CSV_COLUMNS
    )


def test_empty_state(marts) -> None:
    empty = overview_freshness.process_data(marts.overview_freshness().clear())
    assert is_empty_state(overview_freshness.create_figure(empty), "No program has delivered")


def test_programs_delivered_today_are_drawn_and_labelled(marts) -> None:
    """Zero days since delivery is a visible, labelled mark, not a bar of no length."""
    frame = marts.overview_freshness().with_columns(pl.lit(0).alias("days_since_delivery"))
    data = overview_freshness.process_data(frame)
    figure = overview_freshness.create_figure(data)
    (current,) = [t for t in figure.data if t.name == "Within cadence and grace"]
    assert current.type == "scatter" and "markers" in current.mode and "text" in current.mode
    assert list(current.x) == [0] * data.height
    assert list(current.text) == ["0 days"] * data.height
