"""The Safety page in a real browser, over the demo warehouse.

Expected numbers come from the chart modules applied to the same suppressed marts the
server reads (`marts`). The pilots ICBT15 and ICBT16 judge 1 to 4 units on most
indicators, so their funnel points and ratios are suppressed; programs with 1 to 4
adverse events in a category show that category as `<5`, with a complement hidden.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from dashboards.charts import (
    adverse_events,
    item9_follow_up,
    safety_cusum,
    safety_funnel,
    safety_rates,
    safety_register,
)
from dashboards.charts.common import ordered_modes
from dashboards.ids import Id
from dashboards.marts import Marts
from dashboards.marts.safety import ADVERSE_EVENT_PROFILE, AE_TOTAL, SAFETY_FUNNEL, funnel_windows
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import mode_label
from dashboards.view_state import ALL_ICBT, Unit
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
from tests.dashboards.test_sign_in import dash_output, post

pytestmark = [pytest.mark.browser, needs_demo_build]

PILOTS = ("ICBT15", "ICBT16")
INDICATOR = "Indicator (funnel plot, rates and CUSUM)"
SECTIONS: dict[ModuleType, tuple[str, str, str]] = {
    safety_register: (
        Id.SAFETY_REGISTER_GRAPH,
        Id.SAFETY_REGISTER_SUMMARY,
        Id.SAFETY_REGISTER_TABLE,
    ),
    safety_funnel: (Id.SAFETY_FUNNEL_GRAPH, Id.SAFETY_FUNNEL_SUMMARY, Id.SAFETY_FUNNEL_TABLE),
    safety_rates: (Id.SAFETY_RATES_GRAPH, Id.SAFETY_RATES_SUMMARY, Id.SAFETY_RATES_TABLE),
    safety_cusum: (Id.SAFETY_CUSUM_GRAPH, Id.SAFETY_CUSUM_SUMMARY, Id.SAFETY_CUSUM_TABLE),
    adverse_events: (Id.SAFETY_EVENTS_GRAPH, Id.SAFETY_EVENTS_SUMMARY, Id.SAFETY_EVENTS_TABLE),
    item9_follow_up: (
        Id.SAFETY_FOLLOW_UP_GRAPH,
        Id.SAFETY_FOLLOW_UP_SUMMARY,
        Id.SAFETY_FOLLOW_UP_TABLE,
    ),
}


def all_programs(marts: Marts) -> tuple[str, ...]:
    return tuple(marts.programs()["program_id"])


def first_indicator(marts: Marts) -> str:
    return marts.safety_indicators()["indicator"][0]


def indicator_label(marts: Marts, indicator: str) -> str:
    labels = dict(marts.safety_indicators().select("indicator", "label").rows())
    return labels[indicator]


def charts(
    marts: Marts,
    indicator: str | None = None,
    programs: tuple[str, ...] | None = None,
    unit: Unit = ALL_ICBT,
) -> dict[ModuleType, tuple[pl.DataFrame, str]]:
    """Each chart's data and text summary for a view, from the chart modules."""
    indicator = indicator or first_indicator(marts)
    programs = all_programs(marts) if programs is None else programs
    label = indicator_label(marts, indicator)
    window = funnel_windows(marts.safety_funnel())[0]
    register = safety_register.process_data(marts.signal_register(), programs)
    funnel = safety_funnel.process_data(
        marts.safety_funnel(), indicator, window, programs, safety_funnel.FunnelLevels.of(marts)
    )
    rates = safety_rates.process_data(marts.safety_funnel(), indicator, window, programs)
    cusum = safety_cusum.process_data(marts.safety_cusum(), indicator, programs)
    events = adverse_events.process_data(marts.adverse_event_profile(), unit)
    follow_up = item9_follow_up.process_data(marts.item9_follow_up(), programs)
    reference = safety_rates.reference_text(marts.safety_reference(), indicator)
    return {
        safety_register: (register, safety_register.summarise(register)),
        safety_funnel: (funnel, safety_funnel.summarise(funnel, label)),
        safety_rates: (rates, safety_rates.summarise(rates, label, reference)),
        safety_cusum: (cusum, safety_cusum.summarise(cusum, label)),
        adverse_events: (events, adverse_events.summarise(events, marts.rules)),
        item9_follow_up: (follow_up, item9_follow_up.summarise(follow_up)),
    }


def open_safety(page: Page, base_url: str, query: str = "") -> None:
    """Open the page and wait until every chart has its summary (a chart with no rows for
    the view, such as a program without signals, has a summary but no table)."""
    page.goto(f"{base_url}/safety{query}")
    for _, summary_id, _ in SECTIONS.values():
        expect(page.locator(f"#{summary_id}")).not_to_be_empty()


def expect_sections(page: Page, expected: dict, rules: SuppressionRules) -> None:
    for module, (data, summary) in expected.items():
        _, summary_id, table_id = SECTIONS[module]
        expect(page.locator(f"#{summary_id}")).to_have_text(summary)
        # The funnel's limit columns are named by the snapshot's levels.
        headers = (
            safety_funnel.FunnelLevels.of_frame(data).headers()
            if module is safety_funnel and data.height
            else None
        )
        rows = shown_rows(module, data, rules, headers)
        expect(page.locator(f"#{table_id} tbody tr")).to_have_count(len(rows))
        if rows:
            assert table_rows(page, f"#{table_id}") == rows, module.__name__


def test_every_chart_is_drawn_from_the_marts(page: Page, live_server, marts) -> None:
    open_safety(page, live_server.url)
    expect(page).to_have_url(f"{live_server.url}/safety")
    expect(page.get_by_label(INDICATOR)).to_have_value(first_indicator(marts))
    for graph, _, _ in SECTIONS.values():
        expect(page.locator(f"#{graph} .main-svg").first).to_be_visible()
    expected = charts(marts)
    expect_sections(page, expected, marts.rules)
    register = expected[safety_register][0]
    assert register.height, "the demo opens safety signals"
    # Each signal is a line from the month it opened to its resolution or the latest month.
    expect(page.locator(f"#{Id.SAFETY_REGISTER_GRAPH} .scatterlayer path.point")).to_have_count(
        2 * register.height
    )
    funnel = expected[safety_funnel][0]
    shown = funnel.filter(pl.col("status") == safety_funnel.SHOWN)
    outside = shown.filter(pl.col("position") != "within")
    expect(page.locator(f"#{Id.SAFETY_FUNNEL_GRAPH} .scatterlayer path.point")).to_have_count(
        shown.height + outside.height
    )
    label = indicator_label(marts, first_indicator(marts))
    expect(page.locator(f"#{Id.SAFETY_CUSUM_GRAPH} .gtitle")).to_contain_text(label)
    expect(page.locator(f"#{Id.SAFETY_UNIT_NOTE}")).to_contain_text(
        "Adverse events of All iCBT programs beside in-person CBT"
    )
    # The register's callback, posted the way the renderer does, answers an analyst.
    status, text = post(page.context, live_server.url, register_callback_body(marts))
    assert status == 200 and "safety signals for the programs in view" in text


def test_indicator_and_mode_redraw_and_a_shared_url_restores_them(
    page: Page, live_server, marts
) -> None:
    open_safety(page, live_server.url)
    window = funnel_windows(marts.safety_funnel())[0]
    indicator = next(
        i
        for i in marts.safety_indicators()["indicator"][1:]
        if safety_funnel.rows_in_view(marts.safety_funnel(), i, window, all_programs(marts))[
            "alarm"
        ].any()
    )
    label = indicator_label(marts, indicator)
    page.get_by_label(INDICATOR).select_option(indicator)
    expect(page.locator(f"#{Id.SAFETY_FUNNEL_GRAPH} .gtitle")).to_contain_text(label)
    expect(page).to_have_url(f"{live_server.url}/safety?indicator={indicator}")
    expect_sections(page, charts(marts, indicator), marts.rules)

    self_guided = page.get_by_role("checkbox", name=mode_label("self_guided"), exact=True)
    self_guided.click()
    expect(self_guided).not_to_be_checked()
    registry = marts.programs()
    modes = [m for m in ordered_modes(registry["delivery_mode"].to_list()) if m != "self_guided"]
    query = "?" + "&".join(f"mode={m}" for m in modes) + f"&indicator={indicator}"
    expect(page).to_have_url(f"{live_server.url}/safety{query}")
    programs = tuple(registry.filter(pl.col("delivery_mode").is_in(modes))["program_id"])
    expected = charts(marts, indicator, programs)
    expect_sections(page, expected, marts.rules)

    page.goto(page.url)
    expect(page.get_by_label(INDICATOR)).to_have_value(indicator)
    expect(self_guided).not_to_be_checked()
    expect(page.get_by_role("checkbox", name=mode_label(modes[0]), exact=True)).to_be_checked()
    expect_sections(page, expected, marts.rules)
    assert page.url.endswith(query)


def test_small_pilots_are_suppressed_in_the_funnel_table_and_csv(
    page: Page, live_server, marts
) -> None:
    open_safety(page, live_server.url)
    indicator = first_indicator(marts)
    funnel = charts(marts)[safety_funnel][0]
    small = funnel.filter(pl.col("status") == "small_units")
    assert set(small["program_id"]) & set(PILOTS)
    expect(page.locator(f"#{Id.SAFETY_FUNNEL_TABLE} tbody tr")).to_have_count(funnel.height)
    rows = {row["Program"]: row for row in table_rows(page, f"#{Id.SAFETY_FUNNEL_TABLE}")}
    for name in small["program_name"]:
        cells = rows[name]
        assert cells["Units judged"] == marts.rules.small_label
        assert cells["Observed / expected"] == marts.rules.suppressed_label
        assert cells["Position"] == safety_funnel.REASONS["small_units"]
    with page.expect_download() as download:
        page.locator(f"#{Id.SAFETY_FUNNEL_CSV}").click()
    window = funnel_windows(marts.safety_funnel())[0]
    assert download.value.suggested_filename == stamped_name(
        f"funnel-{indicator}-{window:%Y-%m}.csv", marts
    )
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text == stamped_csv(safety_funnel.csv_frame(funnel, marts.rules), marts)
    csv = downloaded_rows(download.value.path(), marts)
    written = dict(csv.select("program_id", "n").rows())
    assert {written[p] for p in small["program_id"]} == {marts.rules.small_label}
    assert small_counts(csv, SAFETY_FUNNEL.counts, marts.rules) == []


def test_small_adverse_event_categories_are_suppressed_on_screen_and_in_the_csv(
    page: Page, live_server, marts
) -> None:
    profile = marts.adverse_event_profile()
    small = profile.filter(
        pl.col("unit_type") == "program",
        pl.col("delivery_mode") != "in_person",
        pl.col("events" + SMALL_SUFFIX),
        pl.col("dimension") == "category",
    )
    program = small["unit_id"].sort()[0]
    unit = Unit("program", program)
    open_safety(page, live_server.url, f"?program={program}")
    data, summary = charts(marts, programs=(program,), unit=unit)[adverse_events]
    name = data.filter(pl.col("series") == "unit")["unit_name"][0]
    expect(page.locator(f"#{Id.SAFETY_UNIT_NOTE}")).to_contain_text(f"Adverse events of {name}")
    expect(page.locator(f"#{Id.SAFETY_EVENTS_SUMMARY}")).to_have_text(summary)
    expect(page.locator(f"#{Id.SAFETY_EVENTS_SUMMARY}")).to_contain_text("values are not shown")
    mine = data.filter(pl.col("series") == "unit", pl.col("dimension") != AE_TOTAL)
    hidden_small = mine.filter(pl.col("events" + SMALL_SUFFIX))
    complement = mine.filter(pl.col("events" + SUPPRESSED_SUFFIX), ~pl.col("events" + SMALL_SUFFIX))
    assert hidden_small.height and complement.height
    expect(page.locator(f"#{Id.SAFETY_EVENTS_TABLE} tbody tr")).to_have_count(data.height)
    rows = {
        (r["Unit"], r["Dimension"], r["Value"]): r
        for r in table_rows(page, f"#{Id.SAFETY_EVENTS_TABLE}")
    }
    for frame, label in (
        (hidden_small, marts.rules.small_label),
        (complement, marts.rules.suppressed_label),
    ):
        for dimension, value in frame.select("dimension", "value_label").rows():
            cells = rows[(name, adverse_events.DIMENSION_LABELS[dimension], value)]
            assert cells["Events"] == label
            assert cells["Per 100 started"] == marts.rules.suppressed_label
    with page.expect_download() as download:
        page.locator(f"#{Id.SAFETY_EVENTS_CSV}").click()
    assert download.value.suggested_filename == stamped_name(f"adverse-events-{program}.csv", marts)
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text == stamped_csv(adverse_events.csv_frame(data, marts.rules), marts)
    csv = downloaded_rows(download.value.path(), marts).filter(pl.col("unit_id") == program)
    events = dict(
        ((d, v), e) for d, v, e in csv.select("dimension", "group_value", "events").rows()
    )
    assert {events[k] for k in hidden_small.select("dimension", "group_value").rows()} == {
        marts.rules.small_label
    }
    assert {events[k] for k in complement.select("dimension", "group_value").rows()} == {
        marts.rules.suppressed_label
    }
    everything = downloaded_rows(download.value.path(), marts)
    assert small_counts(everything, ADVERSE_EVENT_PROFILE.counts, marts.rules) == []


def register_callback_body(marts: Marts) -> dict:
    """The register chart's callback, as the Dash renderer posts it (all programs)."""
    registry = marts.programs()
    modes = ordered_modes(registry["delivery_mode"].to_list())
    programs = registry["program_id"].to_list()
    outputs = [
        {"id": Id.SAFETY_REGISTER_GRAPH, "property": "figure"},
        {"id": Id.SAFETY_REGISTER_GRAPH, "property": "config"},
        {"id": Id.SAFETY_REGISTER_SUMMARY, "property": "children"},
        {"id": Id.SAFETY_REGISTER_TABLE, "property": "children"},
    ]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [
            {"id": Id.SAFETY_MODES, "property": "value", "value": modes},
            {"id": Id.SAFETY_PROGRAMS, "property": "value", "value": programs},
        ],
        "changedPropIds": [f"{Id.SAFETY_MODES}.value"],
        "state": [
            {"id": Id.SAFETY_INDICATOR, "property": "value", "value": first_indicator(marts)},
            {"id": Id.SAFETY_WINDOW, "property": "value", "value": "all"},
            {
                "id": Id.SAFETY_MODES,
                "property": "options",
                "value": [{"label": mode_label(m), "value": m} for m in modes],
            },
            {
                "id": Id.SAFETY_PROGRAMS,
                "property": "options",
                "value": [
                    {"label": n, "value": p}
                    for p, n in registry.select("program_id", "program_name").rows()
                ],
            },
        ],
    }


def test_analysts_only(anonymous_page, live_server, marts) -> None:
    page = anonymous_page.page
    page.goto(f"{live_server.url}/safety?program=ICBT02")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/safety%3Fprogram%3DICBT02"))
    status, text = post(page.context, live_server.url, register_callback_body(marts))
    assert status == 401 and "ICBT" not in text
    sign_in(page, live_server.url, VIEWER)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("navigation").get_by_role("link", name="Safety")).to_have_count(0)
    expect_refused(anonymous_page, f"{live_server.url}/safety")
    status, text = post(page.context, live_server.url, register_callback_body(marts))
    assert status == 403 and "ICBT" not in text
