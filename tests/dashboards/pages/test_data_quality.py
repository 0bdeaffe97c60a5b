"""The Data quality page in a real browser, over the demo warehouse.

Expected numbers come from the chart modules applied to the same suppressed marts the
server reads (`marts`). The page counts rows and files, not people, but its docs say why
those are suppressed all the same: an episodes file's rows are the people a program
referred in a month. The pilot ICBT15 delivers 1 to 4 episodes a month, so its episodes
files show `<5` rows. Evidently's own HTML reports are never served: a drift report's
link opens a summary without counts (dashboards/reports.py), to analysts only.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import dq_checks, dq_deliveries, dq_drift, dq_freshness, dq_quarantine
from dashboards.charts.common import MISSING, ordered_modes
from dashboards.ids import Id
from dashboards.marts import Marts
from dashboards.marts.quality import DQ_CHECKS, LOAD_LEDGER
from dashboards.reports import min_report_episodes, report_url
from dashboards.suppression import SMALL_SUFFIX, SuppressionRules
from dashboards.theme import mode_label
from dashboards.view_state import ALL_PERIODS
from pipelines.quality.drift import FEATURES as DRIFT_FEATURES
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    VIEWER,
    downloaded_rows,
    expect_refused,
    shown_rows,
    sign_in,
    small_counts,
    stamped_csv,
    stamped_name,
    table_rows,
)
from tests.dashboards.test_reports import assert_no_counts_or_extremes
from tests.dashboards.test_sign_in import dash_output, post

pytestmark = [pytest.mark.browser, needs_demo_build]

PILOT = "ICBT15"
BATCH = "Deliveries table"
REPORTS = f"#{Id.DATA_QUALITY_REPORTS}"
SECTIONS: dict[ModuleType, tuple[str, str, str]] = {
    dq_deliveries: (
        Id.DATA_QUALITY_DELIVERIES_GRAPH,
        Id.DATA_QUALITY_DELIVERIES_SUMMARY,
        Id.DATA_QUALITY_DELIVERIES_TABLE,
    ),
    dq_quarantine: (
        Id.DATA_QUALITY_QUARANTINE_GRAPH,
        Id.DATA_QUALITY_QUARANTINE_SUMMARY,
        Id.DATA_QUALITY_QUARANTINE_TABLE,
    ),
    dq_checks: (
        Id.DATA_QUALITY_CHECKS_GRAPH,
        Id.DATA_QUALITY_CHECKS_SUMMARY,
        Id.DATA_QUALITY_CHECKS_TABLE,
    ),
    dq_freshness: (
        Id.DATA_QUALITY_FRESHNESS_GRAPH,
        Id.DATA_QUALITY_FRESHNESS_SUMMARY,
        Id.DATA_QUALITY_FRESHNESS_TABLE,
    ),
    dq_drift: (
        Id.DATA_QUALITY_DRIFT_GRAPH,
        Id.DATA_QUALITY_DRIFT_SUMMARY,
        Id.DATA_QUALITY_DRIFT_TABLE,
    ),
}


def charts(
    marts: Marts, programs: tuple[str, ...] | None = None, batch: str = ALL_PERIODS
) -> dict[ModuleType, tuple[pl.DataFrame, str]]:
    """Each chart's data and text summary for a view, from the chart modules."""
    programs = tuple(marts.programs()["program_id"]) if programs is None else programs
    deliveries = dq_deliveries.process_data(marts.load_ledger(), programs, batch)
    quarantine = dq_quarantine.process_data(marts.quarantine_reasons(), programs)
    checks = dq_checks.process_data(marts.dq_checks())
    freshness = dq_freshness.process_data(marts.overview_freshness(), programs)
    drift = dq_drift.process_data(marts.drift_results(), programs)
    return {
        dq_deliveries: (deliveries, dq_deliveries.summarise(deliveries, batch)),
        dq_quarantine: (quarantine, dq_quarantine.summarise(quarantine, marts.rules)),
        dq_checks: (checks, dq_checks.summarise(checks)),
        dq_freshness: (freshness, dq_freshness.summarise(freshness)),
        dq_drift: (drift, dq_drift.summarise(drift)),
    }


def reports(marts: Marts, programs: tuple[str, ...] | None = None) -> pl.DataFrame:
    programs = tuple(marts.programs()["program_id"]) if programs is None else programs
    return dq_drift.report_rows(marts.drift_reports(), programs, min_report_episodes())


def report_table(rows: pl.DataFrame) -> list[dict[str, str]]:
    """The kept reports table as the page renders it."""
    return [
        {
            "Program": row["program_id"],
            "Batch": row["batch_id"],
            "Compared with": row["reference_label"],
            "Verdict": row["verdict_label"] or MISSING,
            "Open": dq_drift.REPORT_LINK_TEXT if row["served"] else "Not served: too few episodes",
        }
        for row in rows.iter_rows(named=True)
    ]


def open_data_quality(page: Page, base_url: str, query: str = "") -> None:
    page.goto(f"{base_url}/data-quality{query}")
    expect(page.locator(f"#{Id.DATA_QUALITY_CHECKS_TABLE} table")).to_be_attached()


def expect_sections(page: Page, expected: dict, rules: SuppressionRules) -> None:
    for module, (data, summary) in expected.items():
        _, summary_id, table_id = SECTIONS[module]
        expect(page.locator(f"#{summary_id}")).to_have_text(summary)
        rows = shown_rows(module, data, rules)
        expect(page.locator(f"#{table_id} tbody tr")).to_have_count(len(rows))
        if rows:
            assert table_rows(page, f"#{table_id}") == rows, module.__name__
        else:
            expect(page.locator(f"#{table_id}")).to_have_text("Nothing to list for this view.")


def test_every_chart_is_drawn_from_the_marts(page: Page, live_server, marts) -> None:
    open_data_quality(page, live_server.url)
    expect(page).to_have_url(f"{live_server.url}/data-quality")
    expect(page.get_by_label(BATCH)).to_have_value(ALL_PERIODS)
    for graph, _, _ in SECTIONS.values():
        expect(page.locator(f"#{graph} .main-svg").first).to_be_visible()
    expected = charts(marts)
    expect_sections(page, expected, marts.rules)
    checks = expected[dq_checks][0]
    expect(page.locator(f"#{Id.DATA_QUALITY_CHECKS_GRAPH} .gtitle")).to_contain_text(
        "Data-quality checks"
    )
    # One threshold mark per check, one status marker per check with a percentage.
    drawn = checks.filter(pl.col("pct_violated_rows").is_not_null())
    expect(page.locator(f"#{Id.DATA_QUALITY_CHECKS_GRAPH} .scatterlayer path.point")).to_have_count(
        checks.height + drawn.height
    )
    kept = reports(marts)
    expect(page.locator(f"{REPORTS} tbody tr")).to_have_count(kept.height)
    assert table_rows(page, REPORTS) == report_table(kept)
    expect(page.locator(f"{REPORTS} a")).to_have_count(kept.filter("served").height)
    # The checks' callback, posted the way the renderer does, answers an analyst.
    status, text = post(page.context, live_server.url, checks_callback_body(marts))
    assert status == 200 and expected[dq_checks][1] in text


def test_batch_and_mode_redraw_and_a_shared_url_restores_them(
    page: Page, live_server, marts
) -> None:
    open_data_quality(page, live_server.url)
    batch = max(marts.load_ledger()["batch_id"])
    page.get_by_label(BATCH).select_option(batch)
    expect(page.locator(f"#{Id.DATA_QUALITY_DELIVERIES_SUMMARY}")).to_contain_text(
        f"files of batch {batch}"
    )
    expect(page).to_have_url(f"{live_server.url}/data-quality?period={batch}")
    expect_sections(page, charts(marts, batch=batch), marts.rules)

    in_person = page.get_by_role("checkbox", name=mode_label("in_person"), exact=True)
    in_person.click()
    expect(in_person).not_to_be_checked()
    registry = marts.programs()
    modes = [m for m in ordered_modes(registry["delivery_mode"].to_list()) if m != "in_person"]
    query = "?" + "&".join(f"mode={m}" for m in modes) + f"&period={batch}"
    expect(page).to_have_url(f"{live_server.url}/data-quality{query}")
    programs = tuple(registry.filter(pl.col("delivery_mode").is_in(modes))["program_id"])
    expected = charts(marts, programs, batch)
    expect_sections(page, expected, marts.rules)
    kept = reports(marts, programs)
    expect(page.locator(f"{REPORTS} tbody tr")).to_have_count(kept.height)

    page.goto(page.url)
    expect(page.get_by_label(BATCH)).to_have_value(batch)
    expect(in_person).not_to_be_checked()
    expect(page.get_by_role("checkbox", name=mode_label(modes[0]), exact=True)).to_be_checked()
    expect_sections(page, expected, marts.rules)
    assert table_rows(page, REPORTS) == report_table(kept)
    assert page.url.endswith(query)


def test_small_row_counts_are_suppressed_on_screen_and_in_the_csv(
    page: Page, live_server, marts
) -> None:
    ledger = marts.load_ledger().filter(pl.col("program_id") == PILOT)
    small = ledger.filter(pl.col("table_name") == "episodes", pl.col("rows_loaded" + SMALL_SUFFIX))
    batch = max(small["batch_id"])
    open_data_quality(page, live_server.url, f"?program={PILOT}&period={batch}")
    expect(page.get_by_role("checkbox", name=mode_label("self_guided"), exact=True)).to_be_checked()
    expected = charts(marts, (PILOT,), batch)
    expect_sections(page, expected, marts.rules)
    rows = {r["Table"]: r for r in table_rows(page, f"#{Id.DATA_QUALITY_DELIVERIES_TABLE}")}
    assert rows["episodes"]["Rows loaded"] == marts.rules.small_label
    with page.expect_download() as download:
        page.locator(f"#{Id.DATA_QUALITY_DELIVERIES_CSV}").click()
    assert download.value.suggested_filename == stamped_name(
        f"data-quality-deliveries-{batch}.csv", marts
    )
    text = Path(download.value.path()).read_text(encoding="utf-8")
    deliveries = expected[dq_deliveries][0]
    assert text == stamped_csv(dq_deliveries.csv_frame(deliveries, marts.rules), marts)
    csv = downloaded_rows(download.value.path(), marts)
    in_batch = csv.filter(pl.col("batch_id") == batch)
    assert dict(in_batch.select("table_name", "rows_loaded").rows())["episodes"] == "<5"
    assert set(csv["batch_id"]) == set(deliveries["batch_id"])
    assert small_counts(csv, LOAD_LEDGER.counts, marts.rules) == []

    # The pilot's latest drift comparison counts its few episodes as small too.
    drift = expected[dq_drift][0].filter("latest", pl.col("current_rows" + SMALL_SUFFIX))
    assert drift.height
    drift_rows = table_rows(page, f"#{Id.DATA_QUALITY_DRIFT_TABLE}")
    assert {r["Episodes compared"] for r in drift_rows} == {marts.rules.small_label}

    # Checks are warehouse-wide: a check with 1 to 4 violating rows shows them as small.
    checks = expected[dq_checks][0]
    small_checks = checks.filter(pl.col("num_violated_rows" + SMALL_SUFFIX))["check_id"]
    assert small_checks.len()
    check_rows = {r["Check"]: r for r in table_rows(page, f"#{Id.DATA_QUALITY_CHECKS_TABLE}")}
    for check in small_checks:
        assert check_rows[check]["Violating rows"] == marts.rules.small_label
        assert check_rows[check]["% violating"] == marts.rules.suppressed_label
    with page.expect_download() as download:
        page.locator(f"#{Id.DATA_QUALITY_CHECKS_CSV}").click()
    assert download.value.suggested_filename == stamped_name("data-quality-checks.csv", marts)
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text == stamped_csv(dq_checks.csv_frame(checks, marts.rules), marts)
    assert (
        small_counts(downloaded_rows(download.value.path(), marts), DQ_CHECKS.counts, marts.rules)
        == []
    )


def test_drift_report_links_open_summaries_without_counts(
    page: Page, live_server, marts, demo_build
) -> None:
    served = reports(marts).filter("served")
    assert served.height
    open_data_quality(page, live_server.url)
    first = served.row(0, named=True)
    href = report_url(first["path"])
    link = page.locator(f"{REPORTS} a").first
    expect(link).to_have_attribute("href", href)
    expect(link).to_have_attribute("target", "_blank")
    with (
        page.context.expect_event(
            "response", lambda response: response.url == f"{live_server.url}{href}"
        ) as response,
        page.expect_popup() as popup,
    ):
        link.click()
    assert response.value.status == 200
    headers = response.value.headers
    assert headers["content-type"].startswith("text/html")
    assert headers["content-security-policy"].startswith("sandbox;")
    summary = popup.value
    expect(summary.get_by_role("heading", level=1)).to_contain_text(first["program_id"])
    expect(summary.locator("tbody tr")).to_have_count(len(DRIFT_FEATURES))
    popup.value.close()
    # Every served summary: no script, no count of 1 to 4, no minimum or maximum, and
    # not the Evidently file it summarises (which has them).
    for path in served["path"]:
        body = page.context.request.get(f"{live_server.url}{report_url(path)}").text()
        assert_no_counts_or_extremes(body, marts.rules)
        raw = (demo_build.settings.reports_dir / path).read_text()
        assert "<script" in raw and body not in raw
    # Evidently's batch summaries (DataSummaryPreset: counts, minima, maxima) are neither
    # linked nor served if asked for (reports of too few episodes: tests/dashboards/
    # test_reports.py).
    summaries = marts.drift_reports().filter(pl.col("report_type") == "data_summary")
    assert summaries.height
    for path in summaries["path"]:
        expect(page.locator(f"{REPORTS} a[href='{report_url(path)}']")).to_have_count(0)
        assert page.context.request.get(f"{live_server.url}{report_url(path)}").status == 404


def checks_callback_body(marts: Marts) -> dict:
    """The checks chart's callback, as the Dash renderer posts it (all programs)."""
    registry = marts.programs()
    outputs = [
        {"id": Id.DATA_QUALITY_CHECKS_GRAPH, "property": "figure"},
        {"id": Id.DATA_QUALITY_CHECKS_GRAPH, "property": "config"},
        {"id": Id.DATA_QUALITY_CHECKS_SUMMARY, "property": "children"},
        {"id": Id.DATA_QUALITY_CHECKS_TABLE, "property": "children"},
    ]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [{"id": Id.DATA_QUALITY_URL, "property": "pathname", "value": "/data-quality"}],
        "changedPropIds": [f"{Id.DATA_QUALITY_URL}.pathname"],
        "state": [
            {
                "id": Id.DATA_QUALITY_MODES,
                "property": "value",
                "value": ordered_modes(registry["delivery_mode"].to_list()),
            },
            {
                "id": Id.DATA_QUALITY_PROGRAMS,
                "property": "value",
                "value": registry["program_id"].to_list(),
            },
            {"id": Id.DATA_QUALITY_BATCH, "property": "value", "value": ALL_PERIODS},
        ],
    }


def test_analysts_only(anonymous_page, live_server, marts) -> None:
    page = anonymous_page.page
    report = f"{live_server.url}{report_url(reports(marts).filter('served')['path'][0])}"
    page.goto(f"{live_server.url}/data-quality?program=ICBT01")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/data-quality%3Fprogram%3DICBT01"))
    status, text = post(page.context, live_server.url, checks_callback_body(marts))
    assert status == 401 and "check" not in text
    refused = page.context.request.get(report, max_redirects=0)
    assert refused.status == 302
    assert "/sign-in?next=" in refused.headers["location"]
    sign_in(page, live_server.url, VIEWER)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation").get_by_role("link", name="Data quality")).to_have_count(0)
    expect_refused(anonymous_page, f"{live_server.url}/data-quality")
    status, text = post(page.context, live_server.url, checks_callback_body(marts))
    assert status == 403 and "check" not in text
    refused = page.context.request.get(report)
    assert refused.status == 403 and "<html" not in refused.text()
