"""The Equity page in a real browser, signed in as an analyst, over the demo warehouse."""

from __future__ import annotations

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import equity_groups
from dashboards.ids import Id
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    downloaded_rows,
    stamped_name,
    table_rows,
)

pytestmark = [pytest.mark.browser, needs_demo_build]

TABLE = f"#{Id.EQUITY_GROUPS_TABLE}"


def open_equity(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/equity{query}")
    expect(page.locator(f"{TABLE} table")).to_be_attached()


def test_groups_of_all_icbt_with_the_unadjusted_caveat(page: Page, live_server, marts) -> None:
    open_equity(page, live_server.url)
    expect(page.get_by_role("note")).to_contain_text("Unadjusted")
    expect(page.get_by_label("Unit")).to_have_value(str(ALL_ICBT))
    expect(page.get_by_label("Group by")).to_have_value("age_band")
    expected = equity_groups.process_data(marts.equity(), ALL_ICBT, "age_band")
    rows = table_rows(page, TABLE)
    assert [r["Group"] for r in rows] == expected["group"].to_list()
    expect(page.locator(f"#{Id.EQUITY_GROUPS_GRAPH} .gtitle")).to_contain_text("By age band")
    expect(page.locator(f"#{Id.EQUITY_GROUPS_GRAPH}")).to_contain_text("Recovery rate")


def test_dimension_change_redraws_and_the_url_restores_it(page: Page, live_server) -> None:
    open_equity(page, live_server.url)
    page.get_by_label("Group by").select_option("rurality")
    expect(page.locator(f"#{Id.EQUITY_GROUPS_GRAPH} .gtitle")).to_contain_text("By rurality")
    expect(page).to_have_url(f"{live_server.url}/equity?dimension=rurality")
    page.get_by_label("Unit").select_option("delivery_mode:self_guided")
    expect(page).to_have_url(f"{live_server.url}/equity?mode=self_guided&dimension=rurality")
    page.goto(page.url)
    expect(page.get_by_label("Unit")).to_have_value(str(Unit("delivery_mode", "self_guided")))
    expect(page.get_by_label("Group by")).to_have_value("rurality")
    expect(page.locator(f"#{Id.EQUITY_GROUPS_SUMMARY}")).to_contain_text(
        "Self-guided by rurality, unadjusted"
    )


def test_the_pilot_shows_small_groups_suppressed(page: Page, live_server, marts) -> None:
    open_equity(page, live_server.url, "?program=ICBT15&dimension=sex")
    rows = table_rows(page, TABLE)
    assert rows and all(row["Referred"] == "<5" for row in rows)  # four referrals in all
    assert all(row["Share of referrals"] in ("s", "<5") for row in rows)
    with page.expect_download() as download:
        page.locator(f"#{Id.EQUITY_GROUPS_CSV}").click()
    assert download.value.suggested_filename == stamped_name("equity-ICBT15-sex.csv", marts)
    csv = downloaded_rows(download.value.path(), marts)
    assert set(csv["n_referred"]) == {"<5"}
    assert csv["share_of_referrals"].to_list() == ["s"] * csv.height
    raw = marts.equity().filter(pl.col("unit_id") == "ICBT15", pl.col("dimension") == "sex")
    assert raw["n_referred"].is_null().all()


def test_barriers_follow_the_chosen_dimension(page: Page, live_server) -> None:
    open_equity(page, live_server.url, "?dimension=rurality")
    summary = page.locator(f"#{Id.EQUITY_BARRIERS_SUMMARY}")
    expect(summary).to_contain_text("contract v2 episodes")
    expect(summary).to_contain_text("The most common recorded reason is")
    expect(page.locator(f"#{Id.EQUITY_BARRIERS_GRAPH} .heatmaplayer")).to_be_attached()
    page.get_by_label("Group by").select_option("sex")
    expect(summary).to_contain_text("not broken down by sex")
