"""The Outcomes page in a real browser, signed in as an analyst, over the demo warehouse.

Expected numbers come from the same suppressed marts the server reads (`marts`), so the
tests check that the page shows exactly what suppression allows; the pilots ICBT15 (4
episodes) and ICBT16 (9) are small by construction of the demo generator.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import program_change
from dashboards.ids import Id
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.view_state import ALL_PERIODS, OutcomeKey, ViewState
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    downloaded_rows,
    stamped_name,
    table_rows,
)

pytestmark = [pytest.mark.browser, needs_demo_build]

POINTS = f"#{Id.OUTCOMES_CHANGE_GRAPH} .scatterlayer path.point"
PILOT = "ICBT15"
RULES = SuppressionRules()


def expected(marts: Marts, outcome: str, modes=None) -> pl.DataFrame:
    """What the change chart should hold for a view: the chart module on the real mart."""
    programs = marts.programs()
    state = ViewState(
        OutcomeKey.parse(outcome),
        tuple(modes or programs["delivery_mode"].unique().to_list()),
        tuple(programs["program_id"].to_list()),
        ALL_PERIODS,
    )
    return program_change.process_data(marts.program_outcomes(), state)


def shown(data: pl.DataFrame) -> int:
    return data.filter(pl.col("status") == "shown").height


def open_outcomes(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/outcomes{query}")
    expect(page.locator(f"#{Id.OUTCOMES_CHANGE_TABLE} table")).to_be_attached()


def test_outcomes_opens_on_pain_interference_drawn_from_the_warehouse(
    page: Page, live_server, marts
) -> None:
    page.goto(f"{live_server.url}/outcomes")
    expect(page).to_have_url(f"{live_server.url}/outcomes?outcome=BPI_SF.interference")
    data = expected(marts, "BPI_SF.interference")
    expect(page.locator(POINTS)).to_have_count(shown(data))
    expect(page.locator(f"#{Id.OUTCOMES_CHANGE_SUMMARY}")).to_contain_text(
        f"for {shown(data)} of {data.height} programs"
    )
    for chart in (Id.OUTCOMES_RESPONDERS_GRAPH, Id.OUTCOMES_TRAJECTORIES_GRAPH):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible()
    expect(page.locator(f"#{Id.OUTCOMES_TRAJECTORIES_SUMMARY}")).to_contain_text(
        "mean score over the weeks of treatment"
    )


def test_changing_the_outcome_and_modes_redraws_and_updates_the_url(
    page: Page, live_server, marts
) -> None:
    open_outcomes(page, live_server.url)
    page.get_by_label("Outcome").select_option("PHQ9.total")
    expect(page.locator(f"#{Id.OUTCOMES_CHANGE_GRAPH} .gtitle")).to_contain_text("PHQ-9")
    expect(page.locator(POINTS)).to_have_count(shown(expected(marts, "PHQ9.total")))
    expect(page).to_have_url(f"{live_server.url}/outcomes?outcome=PHQ9.total")
    page.get_by_role("checkbox", name="Self-guided", exact=True).uncheck()
    remaining = ["guided_asynchronous", "therapist_realtime", "in_person"]
    expect(page.locator(POINTS)).to_have_count(shown(expected(marts, "PHQ9.total", remaining)))
    expect(page).to_have_url(
        f"{live_server.url}/outcomes?outcome=PHQ9.total&" + "&".join(f"mode={m}" for m in remaining)
    )


def test_small_pilot_is_suppressed_in_table_chart_and_csv(page: Page, live_server, marts) -> None:
    open_outcomes(page, live_server.url, "?outcome=PHQ9.total")
    data = expected(marts, "PHQ9.total")
    pilot = data.filter(pl.col("program_id") == PILOT).row(0, named=True)
    rows = {row["Program"]: row for row in table_rows(page, f"#{Id.OUTCOMES_CHANGE_TABLE}")}
    assert len(rows) == data.height
    on_screen = rows[pilot["program_name"]]
    assert on_screen["Baseline n"] == "<5"  # the pilot has four episodes in all
    assert on_screen["Mean change"] in ("s", "\u2014")
    ticks = page.locator(f"#{Id.OUTCOMES_CHANGE_GRAPH} .ytick text").all_text_contents()
    assert pilot["program_name"] not in ticks
    expect(page.locator(f"#{Id.OUTCOMES_CHANGE_GRAPH} .annotation-text")).to_contain_text(
        "Not shown:"
    )
    with page.expect_download() as download:
        page.locator(f"#{Id.OUTCOMES_CHANGE_CSV}").click()
    assert download.value.suggested_filename == stamped_name("program-change-PHQ9.total.csv", marts)
    csv = downloaded_rows(download.value.path(), marts)
    row = csv.filter(pl.col("program_id") == PILOT).row(0, named=True)
    assert row["n_baseline"] == "<5"
    assert row["mean_change"] in ("s", None)
    # Every program the page hides is hidden in the CSV too.
    hidden = data.filter(pl.col("n_paired_suppressed"))["program_id"].to_list()
    labels = dict(csv.select("program_id", "n_paired").rows())
    assert {labels[p] for p in hidden} <= {"<5", "s"}


def test_a_shared_url_restores_the_view(page: Page, live_server, marts) -> None:
    open_outcomes(page, live_server.url, "?outcome=GAD7.total&mode=guided_asynchronous")
    expect(page.get_by_label("Outcome")).to_have_value("GAD7.total")
    expect(page.get_by_role("checkbox", name="Guided (asynchronous)")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Self-guided", exact=True)).not_to_be_checked()
    data = expected(marts, "GAD7.total", ["guided_asynchronous"])
    expect(page.locator(POINTS)).to_have_count(shown(data))
    names = {row["Program"] for row in table_rows(page, f"#{Id.OUTCOMES_CHANGE_TABLE}")}
    assert names == set(data["program_name"])
    assert page.url.endswith("?outcome=GAD7.total&mode=guided_asynchronous")


def test_chart_exports_as_an_image_from_the_keyboard(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url)
    camera = page.locator(f"#{Id.OUTCOMES_CHANGE_GRAPH} .modebar-btn[data-title*='png']")
    expect(camera).to_have_count(1)
    page.locator(f"#{Id.OUTCOMES_CHANGE_IMAGE}").focus()
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "program-change-BPI_SF.interference.png"
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_controls_are_labelled_and_reachable_with_the_tab_key(page: Page, live_server) -> None:
    open_outcomes(page, live_server.url)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_label("Outcome")).to_have_attribute("id", Id.OUTCOMES_OUTCOME)
    expect(page.get_by_role("group", name="Delivery mode")).to_be_visible()
    expect(page.get_by_role("group", name="Program")).to_be_visible()
    reached: list[str] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = "(document.activeElement.id || document.activeElement.innerText).slice(0, 40)"
        reached.append(page.evaluate(focused))
    assert reached[0] == "Skip to main content"
    assert Id.OUTCOMES_OUTCOME in reached
    # Focus moves through the filters before the charts' buttons (reading order).
    assert reached.index(Id.OUTCOMES_OUTCOME) < reached.index(Id.OUTCOMES_CHANGE_IMAGE)
    assert Id.OUTCOMES_CHANGE_CSV in reached
