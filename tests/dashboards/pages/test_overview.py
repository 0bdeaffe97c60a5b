"""The Overview (home) page in a real browser, over the demo warehouse.

The numbers on screen and in downloads are compared with the chart modules applied to
the same suppressed marts the server reads. The demo's delivery modes are all large, so
no headline cell is small here; the rule itself is exercised on the headline mart in
tests/dashboards/charts/test_overview_headlines.py and tests/dashboards/test_marts.py.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import overview_headlines, overview_signals
from dashboards.ids import Id
from dashboards.suppression import SuppressionRules
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    VIEWER,
    downloaded_rows,
    sign_in,
    stamped_name,
)
from tests.dashboards.test_sign_in import dash_output, post

pytestmark = [pytest.mark.browser, needs_demo_build]

RULES = SuppressionRules()
VERDICTS = f"#{Id.OVERVIEW_VERDICTS_GRAPH}"


def open_overview(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/{query}")
    expect(page.locator(f"#{Id.OVERVIEW_VERDICTS_TABLE} table")).to_be_attached()


def test_first_chart_is_drawn_without_a_callback(page: Page, live_server) -> None:
    """The headline chart comes drawn with the page; the browser asks for the other
    charts only, and never fetches a plotly.js of its own."""
    asked: list[str] = []
    page.on(
        "request",
        lambda request: (
            asked.append(request.post_data or "")
            if "_dash-update-component" in request.url
            else None
        ),
    )
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    open_overview(page, live_server.url)
    expect(page.locator(f"#{Id.OVERVIEW_HEADLINES_GRAPH} g.trace").first).to_be_attached()
    expect(page.locator(f"#{Id.OVERVIEW_HEADLINES_TABLE} table")).to_be_attached()
    assert any(Id.OVERVIEW_VERDICTS_GRAPH in body for body in asked)
    assert not any(Id.OVERVIEW_HEADLINES_GRAPH in body for body in asked)
    assert not any("package_data/plotly" in url for url in fetched)


def test_home_is_the_overview_drawn_from_the_marts(page: Page, live_server, marts) -> None:
    open_overview(page, live_server.url)
    expect(page).to_have_url(f"{live_server.url}/")
    headlines = overview_headlines.process_data(marts.overview_headlines())
    cards = page.locator(f"#{Id.OVERVIEW_HEADLINE_CARDS}")
    for label, value in overview_headlines.headline_items(headlines, RULES):
        expect(cards).to_contain_text(f"{label}{value}")
    expect(page.locator(f"{VERDICTS} .gtitle")).to_contain_text("post-treatment")
    signals = overview_signals.process_data(marts.overview_safety_signals())
    expect(page.locator(f"#{Id.OVERVIEW_SIGNALS_SUMMARY}")).to_contain_text(
        overview_signals.summarise(signals)
    )
    expect(page.locator(f"#{Id.OVERVIEW_FRESHNESS_SUMMARY}")).to_contain_text("Warehouse built")
    program_id, name, count = overview_signals.by_program(signals)[0]
    expect(
        page.locator(f"#{Id.OVERVIEW_SIGNAL_LINKS} a[href='/safety?program={program_id}']")
    ).to_contain_text(f"{name}: {count} open signal")
    effectiveness = page.get_by_role("link", name=re.compile("Effectiveness page"))
    expect(effectiveness).to_have_attribute("href", "/effectiveness")


def test_timepoint_redraws_the_verdicts_and_a_shared_url_restores_it(
    page: Page, live_server
) -> None:
    open_overview(page, live_server.url)
    page.get_by_label("Timepoint of the verdicts").select_option("follow_up")
    expect(page.locator(f"{VERDICTS} .gtitle")).to_contain_text("follow-up")
    expect(page).to_have_url(f"{live_server.url}/?timepoint=follow_up")
    expect(page.get_by_role("link", name=re.compile("Effectiveness page"))).to_have_attribute(
        "href", "/effectiveness?timepoint=follow_up"
    )
    page.goto(page.url)
    expect(page.get_by_label("Timepoint of the verdicts")).to_have_value("follow_up")
    expect(page.locator(f"{VERDICTS} .gtitle")).to_contain_text("follow-up")
    expect(page.locator(f"#{Id.OVERVIEW_VERDICTS_SUMMARY}")).to_contain_text("at follow-up")


def test_downloads_hold_the_suppressed_marts_numbers(page: Page, live_server, marts) -> None:
    open_overview(page, live_server.url)
    with page.expect_download() as download:
        page.locator(f"#{Id.OVERVIEW_HEADLINES_CSV}").click()
    assert download.value.suggested_filename == stamped_name("overview-headlines.csv", marts)
    expected = overview_headlines.csv_frame(
        overview_headlines.process_data(marts.overview_headlines()), RULES
    )
    assert downloaded_rows(download.value.path(), marts).equals(expected.cast(pl.String))
    with page.expect_download() as download:
        page.locator(f"#{Id.OVERVIEW_VERDICTS_CSV}").click()
    assert download.value.suggested_filename == stamped_name(
        "overview-verdicts-post_treatment.csv", marts
    )
    verdicts = downloaded_rows(download.value.path(), marts)
    assert {"verdict_text", "certainty"} <= set(verdicts.columns)
    # In-development pilots are named only by their freshness, never with a count.
    freshness = page.locator(f"#{Id.OVERVIEW_FRESHNESS_TABLE}")
    pilot = marts.programs().filter(pl.col("program_id") == "ICBT15")["program_name"][0]
    expect(freshness).to_contain_text(pilot)
    expect(page.locator(f"#{Id.OVERVIEW_HEADLINES_TABLE}")).not_to_contain_text(pilot)


def overview_callback_body() -> dict:
    """The Overview page's URL callback (the search and the link to Effectiveness), as
    the Dash renderer posts it."""
    outputs = [
        {"id": Id.OVERVIEW_URL, "property": "search"},
        {"id": Id.OVERVIEW_EFFECTIVENESS_LINK, "property": "children"},
    ]
    timepoints = [{"label": t, "value": t} for t in ("post_treatment", "follow_up")]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [{"id": Id.OVERVIEW_TIMEPOINT, "property": "value", "value": "post_treatment"}],
        "changedPropIds": [f"{Id.OVERVIEW_TIMEPOINT}.value"],
        "state": [{"id": Id.OVERVIEW_TIMEPOINT, "property": "options", "value": timepoints}],
    }


def test_viewers_see_the_overview_without_analyst_links(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    page.goto(f"{live_server.url}/?timepoint=follow_up")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/%3Ftimepoint%3Dfollow_up"))
    assert post(page.context, live_server.url, overview_callback_body())[0] == 401
    sign_in(page, live_server.url, VIEWER)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(f"#{Id.OVERVIEW_VERDICTS_TABLE} table")).to_be_attached()
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Overview")).to_be_visible()
    for analysts_only in ("Effectiveness", "Safety", "Equity"):
        expect(nav.get_by_role("link", name=analysts_only)).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("Effectiveness page"))).to_have_count(0)
    expect(page.locator(f"#{Id.OVERVIEW_SIGNAL_LINKS} a")).to_have_count(0)
    expect(page.locator(f"#{Id.OVERVIEW_SIGNALS_SUMMARY}")).to_contain_text("open safety signals")
    status, text = post(page.context, live_server.url, overview_callback_body())
    assert status == 200 and "Effectiveness page" not in text
    assert anonymous_page.console_errors == []
