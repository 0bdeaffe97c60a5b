"""The reasons-for-stopping chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import stop_reasons
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        stop_reasons.process_data(marts.query("stop_reasons"), ALL_ICBT)


def test_reasons_by_group_as_a_heatmap_of_shown_shares(marts) -> None:
    data = stop_reasons.process_data(marts.stop_reasons(), ALL_ICBT)
    assert set(data["breakdown"]) == set(stop_reasons.BREAKDOWNS)
    assert data["group_label"][0] == "All stopped early"
    figure = stop_reasons.create_figure(data)
    (heatmap,) = figure.data
    shown = data.filter(pl.col("shown"))
    assert list(heatmap.y) == shown["group_label"].unique(maintain_order=True).to_list()
    drawn = {v for row in heatmap.z for v in row if v is not None}
    assert drawn == set(shown["share_of_recorded"].to_list())
    # Not recorded is listed in the table, never drawn as a share of recorded reasons.
    assert "Not recorded" not in list(heatmap.x)
    overall = data.filter(pl.col("breakdown") == "all", pl.col("stop_reason") != "not_recorded")
    assert overall["n_stopped"].sum() == overall["n_recorded_in_group"][0]
    all_row = data.filter(pl.col("breakdown") == "all").row(0, named=True)
    rests_on = (
        f"Rests on {all_row['n_programs']} programs and {all_row['n_v2_episodes']:,} contract v2"
    )
    assert rests_on in note(figure)
    text = stop_reasons.summarise(data)
    assert rests_on in text and "The most common recorded reason is" in text


def test_the_summary_names_where_each_barrier_weighs_most_among_shown_cells(marts) -> None:
    data = stop_reasons.process_data(marts.stop_reasons(), ALL_ICBT)
    text = stop_reasons.summarise(data)
    groups = data.filter(pl.col("shown"), pl.col("breakdown") != "all")
    named = 0
    for reason in stop_reasons.BARRIERS:
        rows = groups.filter(pl.col("stop_reason") == reason)
        if rows.is_empty():
            assert f"{stop_reasons.REASONS[reason]} weigh most in" not in text
            continue
        top = rows.sort("share_of_recorded", descending=True).row(0, named=True)
        assert f"{stop_reasons.REASONS[reason]} weigh most in {top['group_label']} (" in text
        named += 1
    assert named, "the demo shows at least one barrier in some group"
    hidden = data.filter(~pl.col("shown"), pl.col("stop_reason") != "not_recorded").height
    assert f"{hidden} group and reason cells are hidden" in text


def test_a_v1_program_and_a_warehouse_without_v2_show_the_no_data_state(marts) -> None:
    v1_only = stop_reasons.process_data(marts.stop_reasons(), Unit("program", "ICBT02"))
    assert v1_only.is_empty()
    assert is_empty_state(stop_reasons.create_figure(v1_only), "No contract v2 episodes")
    no_v2 = stop_reasons.process_data(marts.stop_reasons().clear(), ALL_ICBT)
    assert is_empty_state(stop_reasons.create_figure(no_v2), "No contract v2 episodes")
    assert stop_reasons.summarise(no_v2).startswith("No contract v2 episodes")
    assert stop_reasons.table_frame(no_v2, RULES).is_empty()


def test_a_small_program_hides_its_cells_in_table_and_csv(marts) -> None:
    data = stop_reasons.process_data(marts.stop_reasons(), Unit("program", "ICBT01"))
    small = data.filter(pl.col("n_stopped_small"))
    assert small.height, "ICBT01 has small reason cells in the demo"
    table = stop_reasons.table_frame(small, RULES)
    assert set(table["n_stopped"]) == {"<5"}
    assert set(table["share_of_recorded"]) <= {"s", "\u2014"}
    csv = stop_reasons.csv_frame(data, RULES)
    assert csv.columns == list(stop_reasons.CSV_COLUMNS)
    assert "<5" in csv["n_stopped"].to_list()


def test_about_names_the_mart_and_the_threshold() -> None:
    text = " ".join(stop_reasons.about(RULES, None))
    assert "mart_stop_reasons" in text and "1 to 4" in text
