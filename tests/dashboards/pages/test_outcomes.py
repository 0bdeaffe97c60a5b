"""The outcomes page in a real browser, against a real server and a published warehouse.

Expected numbers come from the fixture mart (conftest.py): for BPI interference, three
programs are drawn (the Québec pilot has 3 paired episodes, Winnipeg is hidden by
complementary suppression, Alberta has none); for GAD-7 the pilot has 6 and five are
drawn, three of them guided asynchronous.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from dashboards.ids import Id

# One xdist worker runs every test that needs the dashboard's servers and browser.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("dashboard_server")]

POINTS = f"#{Id.PROGRAM_CHANGE_GRAPH} .scatterlayer path.point"
PILOT = "Programme pilote douleur Québec"


def by_id(component: Id) -> str:
    return f"#{component}"


@pytest.fixture
def page(browser_page, live_server) -> Iterator[Page]:
    """The outcomes page's browser tab; fails the test on console errors or CDN requests."""
    yield browser_page.page
    assert browser_page.console_errors == []
    assert browser_page.foreign_requests == []


def open_outcomes(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/outcomes{query}")
    expect(page.locator(f"{by_id(Id.OUTCOMES_TABLE)} table")).to_be_visible()


def table(page: Page) -> list[dict[str, str]]:
    """The numbers table as one dict per row, keyed by column header."""
    return page.eval_on_selector(
        f"{by_id(Id.OUTCOMES_TABLE)} table",
        """table => {
            const headers = [...table.querySelectorAll("thead th")].map(th => th.innerText);
            return [...table.querySelectorAll("tbody tr")].map(tr => Object.fromEntries(
                [...tr.children].map((cell, i) => [headers[i], cell.innerText])));
        }""",
    )


def test_home_redirects_to_the_outcomes_chart_drawn_from_the_data(page: Page, live_server) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/outcomes?outcome=BPI_SF.interference")
    expect(page.locator(POINTS)).to_have_count(3)
    ticks = page.locator(f"#{Id.PROGRAM_CHANGE_GRAPH} .ytick text").all_text_contents()
    assert sorted(ticks) == [
        "Guided Pain Course Ontario",
        "Online Pain Course Saskatchewan",
        "Pain Self-Help Online BC",
    ]
    expect(page.locator(by_id(Id.PROGRAM_CHANGE_SUMMARY))).to_contain_text("for 3 of 6 programs")
    expect(page.get_by_role("link", name="Outcomes by program")).to_be_visible()


def test_changing_the_outcome_redraws_and_updates_the_url(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url)
    expect(page.locator(POINTS)).to_have_count(3)
    page.get_by_label("Outcome").select_option("GAD7.total")
    expect(page.locator(POINTS)).to_have_count(5)
    expect(page.locator(f"#{Id.PROGRAM_CHANGE_GRAPH} .gtitle")).to_contain_text("GAD-7 anxiety")
    expect(page).to_have_url(f"{live_server.url}/outcomes?outcome=GAD7.total")
    page.get_by_role("checkbox", name="Self-guided").uncheck()
    expect(page.locator(POINTS)).to_have_count(4)
    expect(page).to_have_url(
        f"{live_server.url}/outcomes?outcome=GAD7.total"
        "&mode=guided_asynchronous&mode=therapist_realtime&mode=in_person"
    )


def test_small_program_is_suppressed_in_the_table_and_left_out_of_the_chart(
    page: Page, live_server
) -> None:
    open_outcomes(page, live_server.url, "?outcome=PHQ9.total")
    rows = {row["Program"]: row for row in table(page)}
    assert len(rows) == 6
    assert rows[PILOT]["Paired n"] == "<5"
    assert rows[PILOT]["Mean change"] == rows[PILOT]["95% CI"] == "s"
    assert rows["Winnipeg Pain Clinic CBT Group"]["Paired n"] == "s"
    assert rows["Alberta Live Pain Therapy"]["Paired n"] == "0"
    assert rows["Guided Pain Course Ontario"]["Paired n"] == "221"
    ticks = page.locator(f"#{Id.PROGRAM_CHANGE_GRAPH} .ytick text").all_text_contents()
    assert PILOT not in ticks
    expect(page.locator(f"#{Id.PROGRAM_CHANGE_GRAPH} .annotation-text")).to_contain_text(
        "Not shown:"
    )


def test_a_url_with_query_parameters_restores_the_view(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url, "?outcome=GAD7.total&mode=guided_asynchronous")
    expect(page.get_by_label("Outcome")).to_have_value("GAD7.total")
    expect(page.get_by_role("checkbox", name="Guided (asynchronous)")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Self-guided")).not_to_be_checked()
    expect(page.locator(POINTS)).to_have_count(3)
    assert {row["Program"] for row in table(page)} == {
        "Guided Pain Course Ontario",
        "Online Pain Course Saskatchewan",
        PILOT,
    }
    assert page.url.endswith("?outcome=GAD7.total&mode=guided_asynchronous")


def test_csv_download_keeps_suppressed_cells_suppressed(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url, "?outcome=BPI_SF.interference")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download table (CSV)").click()
    assert download.value.suggested_filename == "program-change-BPI_SF.interference.csv"
    with Path(download.value.path()).open(newline="", encoding="utf-8") as handle:
        rows = {row["program_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == {"BCSELF", "ONGUIDE", "SKGUIDE", "MBCLINIC", "QCPILOT", "ABLIVE"}
    pilot = rows["QCPILOT"]
    assert pilot["n_paired"] == "<5"
    hidden = ("score_mean", "mean_change", "change_ci_low", "change_ci_high", "percent_change")
    assert {pilot[c] for c in hidden} == {"s"}
    assert rows["MBCLINIC"]["n_paired"] == "s"
    assert rows["ONGUIDE"]["n_paired"] == "221"


def test_chart_exports_as_an_image_from_the_keyboard(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url)
    expect(page.locator(POINTS)).to_have_count(3)
    camera = page.locator(f"#{Id.PROGRAM_CHANGE_GRAPH} .modebar-btn[data-title*='png']")
    expect(camera).to_have_count(1)
    page.get_by_role("button", name="Download chart (PNG)").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "program-change-BPI_SF.interference.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_controls_are_labelled_and_reachable_with_the_tab_key(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Outcome")).to_have_attribute("id", Id.OUTCOME_SELECT)
    expect(page.get_by_role("group", name="Delivery mode")).to_be_visible()
    expect(page.get_by_role("group", name="Program")).to_be_visible()
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = "(document.activeElement.id || document.activeElement.innerText).slice(0, 40)"
        reached.append(page.evaluate(focused))
    assert Id.OUTCOME_SELECT in reached
    assert "Download chart (PNG)" in reached or Id.OUTCOMES_IMAGE_BUTTON in reached
    assert Id.OUTCOMES_DOWNLOAD_BUTTON in reached or "Download table (CSV)" in reached
    assert reached[0] == "Skip to main content"


def test_no_warehouse_state_until_one_is_published(
    browser_page, empty_server, publish: Callable[..., None], program_outcomes
) -> None:
    page = browser_page.page
    page.goto(f"{empty_server.url}/outcomes")
    status = page.locator(by_id(Id.WAREHOUSE_STATUS))
    expect(status).to_contain_text("No warehouse published yet")
    expect(status).to_contain_text("make run")
    published = empty_server.data_dir / "warehouse" / "observatory.duckdb"
    publish(published, program_outcomes)
    try:
        page.reload()
        expect(page.locator(POINTS)).to_have_count(3)
    finally:
        published.unlink()
    page.reload()
    expect(status).to_contain_text("No warehouse published yet")
    assert browser_page.console_errors == []
