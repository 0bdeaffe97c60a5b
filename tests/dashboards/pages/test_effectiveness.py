"""The Effectiveness page in a real browser, over the demo warehouse.

Expected numbers come from the chart modules applied to the same suppressed marts the
server reads (`marts`); the pilots ICBT15 and ICBT16 have 1 to 4 analysed episodes on
some outcomes, so their comparisons are suppressed, with a complementary program of the
same delivery mode.
"""

from __future__ import annotations

import re

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import comparison_forest
from dashboards.charts.common import Status
from dashboards.ids import Id
from dashboards.marts import Marts
from dashboards.view_state import OutcomeKey, ViewState
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    VIEWER,
    downloaded_rows,
    expect_refused,
    sign_in,
    stamped_name,
    table_rows,
)
from tests.dashboards.test_sign_in import post

pytestmark = [pytest.mark.browser, needs_demo_build]

FOREST = f"#{Id.EFFECTIVENESS_FOREST_GRAPH}"
POINTS = f"{FOREST} .scatterlayer path.point"
TABLE = f"#{Id.EFFECTIVENESS_FOREST_TABLE}"
ICBT_MODES = ("self_guided", "guided_asynchronous", "therapist_realtime")


def expected(
    marts: Marts,
    outcome: str = "BPI_SF.interference",
    timepoint: str = "post_treatment",
    modes: tuple[str, ...] = ICBT_MODES,
) -> pl.DataFrame:
    programs = tuple(marts.programs()["program_id"])
    state = ViewState(OutcomeKey.parse(outcome), modes, programs, timepoint=timepoint)
    return comparison_forest.process_data(marts.comparisons(), state)


def drawn(data: pl.DataFrame) -> int:
    """Markers the forest plot draws: shown primary rows and their shown sensitivity rows."""
    shown = data.filter(pl.col("status") == Status.SHOWN)
    names = shown.filter(pl.col("is_primary"))["name"]
    return shown.filter(pl.col("is_primary") | pl.col("name").is_in(names.implode())).height


def open_effectiveness(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/effectiveness{query}")
    expect(page.locator(f"{TABLE} table")).to_be_attached()


def test_every_section_is_drawn_from_the_marts(page: Page, live_server, marts) -> None:
    open_effectiveness(page, live_server.url)
    expect(page).to_have_url(f"{live_server.url}/effectiveness?outcome=BPI_SF.interference")
    data = expected(marts)
    primary = data.filter(pl.col("is_primary"))
    shown = primary.filter(pl.col("status") == Status.SHOWN).height
    expect(page.locator(POINTS)).to_have_count(drawn(data))
    expect(page.locator(f"#{Id.EFFECTIVENESS_FOREST_SUMMARY}")).to_contain_text(
        f"for {shown} of {primary.height} comparisons"
    )
    for summary, words in (
        (Id.EFFECTIVENESS_POOLED_SUMMARY, "pooled difference from in-person CBT"),
        (Id.EFFECTIVENESS_CERTAINTY_SUMMARY, "certainty of evidence"),
        (Id.EFFECTIVENESS_BENCHMARKS_SUMMARY, "own standardised pre-post change"),
        (Id.EFFECTIVENESS_MODERATORS_SUMMARY, "one attribute at a time"),
    ):
        expect(page.locator(f"#{summary}")).to_contain_text(words)
    expect(page.locator(f"#{Id.EFFECTIVENESS_OUTCOMES_LINK}")).to_have_attribute(
        "href", "/outcomes?outcome=BPI_SF.interference"
    )


def test_timepoint_and_mode_filters_redraw_and_update_the_url(
    page: Page, live_server, marts
) -> None:
    open_effectiveness(page, live_server.url, "?outcome=PHQ9.total")
    page.get_by_label("Timepoint").select_option("follow_up")
    expect(page.locator(f"{FOREST} .gtitle")).to_contain_text("follow-up")
    expect(page.locator(POINTS)).to_have_count(drawn(expected(marts, "PHQ9.total", "follow_up")))
    expect(page).to_have_url(
        f"{live_server.url}/effectiveness?outcome=PHQ9.total&timepoint=follow_up"
    )
    page.get_by_role("checkbox", name="Self-guided", exact=True).uncheck()
    remaining = ICBT_MODES[1:]
    expect(page.locator(POINTS)).to_have_count(
        drawn(expected(marts, "PHQ9.total", "follow_up", remaining))
    )
    expect(page).to_have_url(re.compile(r"mode=guided_asynchronous&mode=therapist_realtime"))


def test_small_pilots_are_suppressed_in_table_chart_and_csv(page: Page, live_server, marts) -> None:
    open_effectiveness(page, live_server.url, "?outcome=PHQ9.total")
    data = expected(marts, "PHQ9.total")
    small = data.filter(pl.col("status") == Status.SMALL)
    assert set(small["subject_id"]) & {"ICBT15", "ICBT16"}
    rows = table_rows(page, TABLE)
    by_name = {(r["Program or mode"], r["Comparator"]): r for r in rows}
    for row in small.iter_rows(named=True):
        cells = by_name[(row["name"], row["comparator"])]
        assert (cells["Program n"], cells["Difference"], cells["Verdict"]) == ("<5", "s", "s")
    ticks = page.locator(f"{FOREST} .ytick text").all_text_contents()
    assert not set(small["name"]) & set(ticks)
    expect(page.locator(f"{FOREST} .annotation-text").last).to_contain_text("Not shown:")
    with page.expect_download() as download:
        page.locator(f"#{Id.EFFECTIVENESS_FOREST_CSV}").click()
    assert download.value.suggested_filename == stamped_name(
        "comparisons-PHQ9.total-post_treatment.csv", marts
    )
    csv = downloaded_rows(download.value.path(), marts)
    labels = dict(csv.select("comparison_id", "n_program_analysed").rows())
    assert {labels[c] for c in small["comparison_id"]} == {"<5"}
    hidden = data.filter(pl.col("status") == Status.COMPLEMENTARY)["comparison_id"]
    assert hidden.len() and {labels[c] for c in hidden} == {"s"}
    verdicts = dict(csv.select("comparison_id", "verdict").rows())
    assert {verdicts[c] for c in (*small["comparison_id"], *hidden)} == {"s"}


def test_a_shared_url_restores_the_view(page: Page, live_server, marts) -> None:
    query = "?outcome=GAD7.total&mode=guided_asynchronous&timepoint=follow_up"
    open_effectiveness(page, live_server.url, query)
    expect(page.get_by_label("Outcome")).to_have_value("GAD7.total")
    expect(page.get_by_label("Timepoint")).to_have_value("follow_up")
    expect(page.get_by_role("checkbox", name="Guided (asynchronous)")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Self-guided", exact=True)).not_to_be_checked()
    data = expected(marts, "GAD7.total", "follow_up", ("guided_asynchronous",))
    expect(page.locator(f"{TABLE} tbody tr")).to_have_count(data.height)
    names = {row["Program or mode"] for row in table_rows(page, TABLE)}
    assert names == set(data["name"])
    assert page.url.endswith(query)


def test_outcomes_and_effectiveness_link_to_each_other_with_the_view(
    page: Page, live_server
) -> None:
    page.goto(f"{live_server.url}/outcomes?outcome=PHQ9.total&mode=guided_asynchronous")
    link = page.get_by_role("link", name=re.compile("Effectiveness page"))
    expect(link).to_have_attribute(
        "href", "/effectiveness?outcome=PHQ9.total&mode=guided_asynchronous"
    )
    link.click()
    expect(page.locator(f"{TABLE} table")).to_be_attached()
    expect(page.get_by_role("checkbox", name="Self-guided", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Outcome")).to_have_value("PHQ9.total")


def effectiveness_callback_body() -> dict:
    outputs = [
        {"id": Id.EFFECTIVENESS_FOREST_GRAPH, "property": "figure"},
        {"id": Id.EFFECTIVENESS_URL, "property": "search"},
    ]
    return {
        "output": ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + "..",
        "outputs": outputs,
        "inputs": [{"id": Id.EFFECTIVENESS_OUTCOME, "property": "value", "value": "PHQ9.total"}],
        "changedPropIds": [f"{Id.EFFECTIVENESS_OUTCOME}.value"],
        "state": [],
    }


def test_analysts_only(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    page.goto(f"{live_server.url}/effectiveness?outcome=PHQ9.total")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/effectiveness"))
    assert post(page.context, live_server.url, effectiveness_callback_body())[0] == 401
    sign_in(page, live_server.url, VIEWER)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation").get_by_role("link", name="Effectiveness")).to_have_count(
        0
    )
    page.goto(f"{live_server.url}/outcomes")
    expect(page.locator(f"#{Id.OUTCOMES_CHANGE_TABLE} table")).to_be_attached()
    expect(page.locator(f"#{Id.OUTCOMES_EFFECTIVENESS_LINK}")).to_be_empty()
    expect_refused(anonymous_page, f"{live_server.url}/effectiveness")
    assert post(page.context, live_server.url, effectiveness_callback_body())[0] == 403


def test_the_care_modification_chart_renders_with_its_test_and_caveat(
    page: Page, live_server
) -> None:
    open_effectiveness(page, live_server.url, "?outcome=PHQ9.total")
    expect(page.locator(f"#{Id.EFFECTIVENESS_CARE_GRAPH} .main-svg").first).to_be_visible()
    summary = page.locator(f"#{Id.EFFECTIVENESS_CARE_SUMMARY}")
    expect(summary).to_contain_text("with concurrent pain care, iCBT minus in-person CBT")
    expect(summary).to_contain_text(re.compile(r"Test between the strata .*p = \d\.\d{3}"))
    expect(summary).to_contain_text("Observational")
    expect(page.locator(f"#{Id.EFFECTIVENESS_CARE_GRAPH} .scatterlayer .trace")).to_have_count(2)
