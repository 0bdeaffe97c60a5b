"""The Equity page's barriers chart: reasons for stopping across one equity dimension."""

from __future__ import annotations

import polars as pl

from dashboards.charts import barriers_by_group
from dashboards.view_state import ALL_ICBT
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import is_empty_state

pytestmark = needs_demo_build


def test_one_dimension_beside_all_who_stopped(marts) -> None:
    data = barriers_by_group.process_data(marts.stop_reasons(), ALL_ICBT, "rurality")
    assert set(data["breakdown"]) == {"all", "rurality"}
    figure = barriers_by_group.create_figure(data, "rurality")
    (heatmap,) = figure.data
    assert "Rurality: urban" in list(heatmap.y)
    assert not any(label.startswith("Age") for label in heatmap.y)
    assert barriers_by_group.summarise(data, "rurality").startswith("All iCBT programs: Rests on")


def test_sex_is_not_a_breakdown_and_says_so(marts) -> None:
    data = barriers_by_group.process_data(marts.stop_reasons(), ALL_ICBT, "sex")
    assert data.is_empty()
    figure = barriers_by_group.create_figure(data, "sex")
    assert is_empty_state(figure, "not broken down by sex")
    assert barriers_by_group.summarise(data, "sex").endswith("not broken down by sex.")


def test_a_warehouse_without_v2_shows_the_no_data_state(marts) -> None:
    empty = barriers_by_group.process_data(marts.stop_reasons().clear(), ALL_ICBT, "age_band")
    assert is_empty_state(
        barriers_by_group.create_figure(empty, "age_band"), "No contract v2 episodes"
    )
    assert empty.filter(pl.col("shown")).is_empty()
