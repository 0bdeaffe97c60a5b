"""The Programs page in a real browser, signed in as an analyst, over the demo warehouse."""

from __future__ import annotations

import re

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.ids import Id
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    downloaded_rows,
    stamped_name,
    table_rows,
)

pytestmark = [pytest.mark.browser, needs_demo_build]

POINTS = f"#{Id.PROGRAMS_REGISTRY_GRAPH} .scatterlayer path.point"
TABLE = f"#{Id.PROGRAMS_REGISTRY_TABLE}"


def open_programs(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/programs{query}")
    expect(page.locator(f"{TABLE} table")).to_be_attached()


def test_registry_side_by_side_with_outcome_and_completion(page: Page, live_server, marts) -> None:
    open_programs(page, live_server.url)
    registry = marts.programs()
    rows = {row["Program"]: row for row in table_rows(page, TABLE)}
    assert set(rows) == set(registry["program_name"])
    first = registry.row(0, named=True)
    on_screen = rows[first["program_name"]]
    assert on_screen["Weeks"] == str(first["length_weeks"])
    assert on_screen["Modules"] == str(first["module_count"])
    assert on_screen["Province"] == first["province"]
    for column in (
        "Therapist involvement",
        "Therapists trained in chronic pain",
        "Funding",
        "Reimbursement",
        "Status",
        "Topics",
        "Mean change",
        "Completion",
    ):
        assert column in on_screen
    expect(page.locator(POINTS).first).to_be_visible()
    expect(page.locator(f"#{Id.PROGRAMS_REGISTRY_SUMMARY}")).to_contain_text("by completion rate")


def test_pilots_are_listed_with_their_numbers_suppressed(page: Page, live_server, marts) -> None:
    open_programs(page, live_server.url, "?outcome=PHQ9.total")
    names = dict(marts.programs().select("program_id", "program_name").rows())
    rows = {row["Program"]: row for row in table_rows(page, TABLE)}
    pilot = rows[names["ICBT15"]]
    assert pilot["Status"] == "In development"
    assert pilot["Paired n"] in ("<5", "0")
    assert pilot["Mean change"] in ("s", "\u2014")
    assert pilot["Completion"] in ("s", "<5", "\u2014")
    with page.expect_download() as download:
        page.locator(f"#{Id.PROGRAMS_REGISTRY_CSV}").click()
    assert download.value.suggested_filename == stamped_name("programs-PHQ9.total.csv", marts)
    csv = downloaded_rows(download.value.path(), marts)
    row = csv.filter(pl.col("program_id") == "ICBT15").row(0, named=True)
    assert row["n_paired"] in ("<5", "0")
    assert row["mean_change"] in ("s", None)
    hidden = marts.program_outcomes().filter(
        pl.col("instrument") == "PHQ9",
        pl.col("timepoint") == "post_treatment",
        pl.col("n_paired_suppressed"),
    )["program_id"]
    labels = dict(csv.select("program_id", "n_paired").rows())
    assert {labels[p] for p in hidden} <= {"<5", "s"}


def test_filters_redraw_and_a_shared_url_restores_them(page: Page, live_server, marts) -> None:
    open_programs(page, live_server.url)
    page.get_by_label("Headline outcome", exact=True).select_option("PHQ9.total")
    expect(page.locator(f"#{Id.PROGRAMS_REGISTRY_GRAPH} .gtitle")).to_contain_text("PHQ-9")
    page.get_by_role("checkbox", name="In-person CBT", exact=True).uncheck()
    registry = marts.programs()
    in_person = set(registry.filter(pl.col("delivery_mode") == "in_person")["program_name"])
    expect(page.locator(f"{TABLE} tbody tr")).to_have_count(registry.height - len(in_person))
    names = {row["Program"] for row in table_rows(page, TABLE)}
    assert not names & in_person
    expect(page).to_have_url(re.compile(r"outcome=PHQ9\.total&mode=self_guided"))
    url = page.url
    assert "mode=in_person" not in url
    page.goto(url)
    expect(page.get_by_label("Headline outcome", exact=True)).to_have_value("PHQ9.total")
    expect(page.get_by_role("checkbox", name="In-person CBT", exact=True)).not_to_be_checked()
    expect(page.locator(f"{TABLE} tbody tr")).to_have_count(len(names))
