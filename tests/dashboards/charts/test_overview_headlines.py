"""The headline figures' pure functions, and the rule applied to the headline mart."""

from __future__ import annotations

import polars as pl

from dashboards.charts import overview_headlines
from dashboards.marts.base import with_unit_hierarchy
from dashboards.marts.overview import OVERVIEW_HEADLINES
from dashboards.suppression import suppress
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def test_all_icbt_first_then_modes_with_in_person_last(marts) -> None:
    data = overview_headlines.process_data(marts.overview_headlines())
    assert data["unit_id"].to_list()[0] == "all_icbt"
    assert data["unit_id"].to_list()[-1] == "in_person"
    assert data["name"][0] == "All iCBT programs"


def test_headline_items_are_the_marts_all_icbt_row(marts) -> None:
    data = overview_headlines.process_data(marts.overview_headlines())
    row = data.row(0, named=True)
    items = dict(overview_headlines.headline_items(data, RULES))
    assert items["iCBT programs reporting"] == (
        f"{row['programs_reporting']} of {row['programs_registered']}"
    )
    assert items["Referred"] == f"{row['n_referred']:,}"
    funnel = marts.engagement_funnel().filter(
        pl.col("unit_type") == "all_icbt", pl.col("period") == "all"
    )
    assert row["n_started"] == funnel["n_started"][0]


def test_small_mode_shows_as_small_and_protects_itself_within_all_icbt(marts) -> None:
    """A delivery mode with 3 paired episodes: hidden, and another mode hidden with it."""
    raw = with_unit_hierarchy(marts.query("overview_headlines")).with_columns(
        pl.when(pl.col("unit_id") == "therapist_realtime")
        .then(3)
        .otherwise(pl.col("n_paired_post_treatment"))
        .alias("n_paired_post_treatment")
    )
    data = overview_headlines.process_data(suppress(raw, OVERVIEW_HEADLINES, RULES))
    hidden = data.filter(pl.col("n_paired_post_treatment_suppressed"))["unit_id"].to_list()
    assert "therapist_realtime" in hidden and len(hidden) == 2
    assert "all_icbt" not in hidden and "in_person" not in hidden
    table = overview_headlines.table_frame(data, RULES)
    cells = dict(zip(data["unit_id"], table["n_paired_post_treatment"], strict=True))
    assert cells["therapist_realtime"] == "<5"
    assert sorted(cells[u] for u in hidden) == ["<5", "s"]
    figure = overview_headlines.create_figure(data)
    assert "Not shown" in note(figure)
    assert "<5 with a post-treatment outcome" in overview_headlines.summarise(data, RULES)


def test_figure_summary_table_csv_and_empty_state(marts) -> None:
    data = overview_headlines.process_data(marts.overview_headlines())
    figure = overview_headlines.create_figure(data)
    assert [t.name for t in figure.data] == [v[0] for v in overview_headlines.STAGES.values()]
    assert {t.marker.pattern.shape for t in figure.data} == {"", ".", "/", "x"}
    assert overview_headlines.summarise(data, RULES).startswith("Episodes so far: All iCBT")
    assert overview_headlines.table_frame(data, RULES).columns == list(
        overview_headlines.TABLE_HEADERS
    )
    assert overview_headlines.csv_frame(data, RULES).columns == list(overview_headlines.CSV_COLUMNS)
    assert is_empty_state(overview_headlines.create_figure(data.clear()), "No episodes")
