"""The equity chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import pytest

from dashboards.charts import equity_groups as equity
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        equity.process_data(marts.query("equity"), ALL_ICBT, "sex")


def test_four_panels_share_the_groups(marts) -> None:
    data = equity.process_data(marts.equity(), ALL_ICBT, "age_band")
    figure = equity.create_figure(data, RULES)
    assert len(figure.data) == len(equity.MEASURES)
    for trace in figure.data:
        assert list(trace.y) == data["group"].to_list()
    assert "Unadjusted" in figure.layout.title.subtitle.text
    text = equity.summarise(data, RULES)
    assert text.startswith("All iCBT programs by age band, unadjusted: 18-24: share of referrals")


def test_group_and_dimension_labels() -> None:
    assert equity.group_label("not_stated") == "Not stated"
    assert equity.group_label("fr") == "French"
    assert equity.dimension_label("rurality") == "Rurality"


def test_a_small_unit_shows_labels_not_numbers(marts) -> None:
    data = equity.process_data(marts.equity(), Unit("program", "ICBT15"), "sex")
    figure = equity.create_figure(data, RULES)
    share = figure.data[0]
    assert set(share.x) == {0} and set(share.text) <= {"<5", "s"}
    table = equity.table_frame(data, RULES)
    assert set(table["n_referred"]) == {"<5"}
    assert "share of referrals not shown" in equity.summarise(data, RULES)
    assert equity.csv_frame(data, RULES).columns == list(equity.CSV_COLUMNS)
    empty = equity.process_data(marts.equity(), Unit("program", "NONE"), "sex")
    assert is_empty_state(equity.create_figure(empty, RULES), "No referrals")


def test_about_says_unadjusted() -> None:
    text = " ".join(equity.about(RULES, None, 0.95))
    assert "Unadjusted" in text and "mart_equity" in text and "recovery" in text
