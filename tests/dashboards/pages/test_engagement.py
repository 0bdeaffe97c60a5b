"""The Engagement page in a real browser, signed in as an analyst, over the demo warehouse."""

from __future__ import annotations

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import engagement_funnel
from dashboards.ids import Id
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    downloaded_rows,
    stamped_name,
    table_rows,
)

pytestmark = [pytest.mark.browser, needs_demo_build]

FUNNEL_BARS = f"#{Id.ENGAGEMENT_FUNNEL_GRAPH} .barlayer .point"
GRAPHS = (
    Id.ENGAGEMENT_FUNNEL_GRAPH,
    Id.ENGAGEMENT_DROPOUT_GRAPH,
    Id.ENGAGEMENT_THERAPIST_GRAPH,
    Id.ENGAGEMENT_WAITS_GRAPH,
    Id.ENGAGEMENT_DOSE_GRAPH,
)


def open_engagement(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/engagement{query}")
    expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_TABLE} table")).to_be_attached()


def test_renders_every_chart_for_all_icbt_programs(page: Page, live_server, marts) -> None:
    open_engagement(page, live_server.url)
    expect(page.get_by_label("Unit")).to_have_value(str(ALL_ICBT))
    for graph in GRAPHS:
        expect(page.locator(f"#{graph} .main-svg").first).to_be_visible()
    expect(page.locator(FUNNEL_BARS)).to_have_count(len(engagement_funnel.STAGES))
    referred = marts.engagement_funnel().filter(
        pl.col("unit_type") == "all_icbt", pl.col("period") == "all"
    )["n_referred"][0]
    expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_SUMMARY}")).to_contain_text(
        f"referred {referred:,}"
    )
    # The Kaplan-Meier chart draws the chosen unit and in-person CBT, each with a CI band.
    expect(page.locator(f"#{Id.ENGAGEMENT_DROPOUT_GRAPH} .scatterlayer .trace")).to_have_count(4)
    expect(page.locator(f"#{Id.ENGAGEMENT_WAITS_SUMMARY}")).to_contain_text("median wait")


def test_choosing_a_unit_and_period_redraws_and_updates_the_url(page: Page, live_server) -> None:
    open_engagement(page, live_server.url)
    page.get_by_label("Unit").select_option("delivery_mode:guided_asynchronous")
    expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_GRAPH} .gtitle")).to_contain_text(
        "Guided (asynchronous)"
    )
    expect(page).to_have_url(
        f"{live_server.url}/engagement?outcome=BPI_SF.interference&mode=guided_asynchronous"
    )
    quarter = page.get_by_label("Referral period (funnel and waits)")
    options = quarter.locator("option").evaluate_all("els => els.map(e => e.value)")
    period = [p for p in options if p != "all"][-1]
    quarter.select_option(period)
    expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_SUMMARY}")).to_contain_text(
        f"referrals in {period}"
    )
    expect(page).to_have_url(
        f"{live_server.url}/engagement?outcome=BPI_SF.interference"
        f"&mode=guided_asynchronous&period={period}"
    )
    # A program's quarters are not shown: the period control says so and is disabled.
    page.get_by_label("Unit").select_option("program:ICBT05")
    expect(quarter).to_be_disabled()
    expect(page.locator(f"#{Id.ENGAGEMENT_PERIOD_NOTE}")).to_contain_text("programs show all")
    expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_SUMMARY}")).to_contain_text("all referrals")


def test_the_tiny_pilot_is_suppressed_on_screen_and_in_the_csv(
    page: Page, live_server, marts
) -> None:
    open_engagement(page, live_server.url, "?program=ICBT15")
    expect(page.get_by_label("Unit")).to_have_value("program:ICBT15")
    summary = page.locator(f"#{Id.ENGAGEMENT_FUNNEL_SUMMARY}")
    expect(summary).to_contain_text("referred <5")  # four episodes by construction
    (row,) = table_rows(page, f"#{Id.ENGAGEMENT_FUNNEL_TABLE}")
    assert row["Referred"] == "<5"
    expect(page.locator(f"#{Id.ENGAGEMENT_DROPOUT_GRAPH}")).to_contain_text(
        "Too few started episodes"
    )
    with page.expect_download() as download:
        page.locator(f"#{Id.ENGAGEMENT_FUNNEL_CSV}").click()
    assert download.value.suggested_filename == stamped_name(
        "funnel-ICBT15-all-BPI_SF.interference.csv", marts
    )
    (csv,) = downloaded_rows(download.value.path(), marts).iter_rows(named=True)
    assert csv["unit_id"] == "ICBT15"
    assert csv["n_referred"] == "<5"
    funnel = marts.engagement_funnel().filter(pl.col("unit_id") == "ICBT15").row(0, named=True)
    for stage in engagement_funnel.STAGES:
        if funnel[stage + "_suppressed"]:
            assert csv[stage] in ("<5", "s")
            assert row[engagement_funnel.STAGES[stage]] in ("<5", "s")


def test_a_shared_url_restores_unit_period_and_outcome(page: Page, live_server, marts) -> None:
    periods = sorted(set(marts.engagement_funnel()["period"]) - {"all"})
    query = f"?outcome=PHQ9.total&mode=self_guided&period={periods[0]}"
    open_engagement(page, live_server.url, query)
    expect(page.get_by_label("Unit")).to_have_value(str(Unit("delivery_mode", "self_guided")))
    expect(page.get_by_label("Referral period (funnel and waits)")).to_have_value(periods[0])
    expect(page.get_by_label("Outcome (dose and response)")).to_have_value("PHQ9.total")
    expect(page.locator(f"#{Id.ENGAGEMENT_DOSE_GRAPH} .gtitle")).to_contain_text(
        "PHQ-9 depression, Self-guided"
    )
    assert page.url.endswith(query)


def test_the_contract_v2_charts_render_with_what_they_rest_on(page: Page, live_server) -> None:
    open_engagement(page, live_server.url)
    for graph in (Id.ENGAGEMENT_REASONS_GRAPH, Id.ENGAGEMENT_EXPERIENCE_GRAPH):
        expect(page.locator(f"#{graph} .main-svg").first).to_be_visible()
    reasons = page.locator(f"#{Id.ENGAGEMENT_REASONS_SUMMARY}")
    expect(reasons).to_contain_text("contract v2 episodes")
    expect(reasons).to_contain_text("The most common recorded reason is")
    expect(page.locator(f"#{Id.ENGAGEMENT_REASONS_GRAPH} .heatmaplayer")).to_be_attached()
    experience = page.locator(f"#{Id.ENGAGEMENT_EXPERIENCE_SUMMARY}")
    expect(experience).to_contain_text("discharged contract v2 episodes")
    expect(page.locator(f"#{Id.ENGAGEMENT_EXPERIENCE_GRAPH} .barlayer .trace")).to_have_count(5)
    # A program still on contract v1 has nothing to show, and says so.
    page.get_by_label("Unit").select_option("program:ICBT02")
    expect(reasons).to_contain_text("No contract v2 episodes that stopped early")
    expect(experience).to_contain_text("No contract v2 discharged episodes")
