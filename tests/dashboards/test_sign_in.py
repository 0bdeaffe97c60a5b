"""Sign-in against a live server: nobody sees data without it, viewers see published pages.

Direct requests (Playwright's request context shares the browser's cookies) prove the
gate is on the server: a callback POST or a layout request without a session gets 401,
and a viewer's POST to an analyst-only page's callback gets 403, whatever the browser
would have shown.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from dashboards.ids import Id
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import ANALYST, VIEWER, Account, sign_in

pytestmark = [pytest.mark.browser, needs_demo_build]


def dash_output(outputs: list[dict]) -> str:
    """Dash's key for a multi-output callback: `..a.prop...b.prop..`."""
    return ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + ".."


def equity_callback_body() -> dict:
    """The Equity page's update callback, as the Dash renderer posts it."""
    outputs = [
        {"id": Id.EQUITY_GROUPS_GRAPH, "property": "figure"},
        {"id": Id.EQUITY_GROUPS_GRAPH, "property": "config"},
        {"id": Id.EQUITY_GROUPS_SUMMARY, "property": "children"},
        {"id": Id.EQUITY_GROUPS_TABLE, "property": "children"},
        {"id": Id.EQUITY_URL, "property": "search"},
    ]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [
            {"id": Id.EQUITY_UNIT, "property": "value", "value": "program:ICBT01"},
            {"id": Id.EQUITY_DIMENSION, "property": "value", "value": "sex"},
        ],
        "changedPropIds": [f"{Id.EQUITY_UNIT}.value"],
        "state": [],
    }


def router_body(path: str) -> dict:
    """Dash Pages' router callback, which renders a page's layout."""
    outputs = [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ]
    return {
        "output": dash_output(outputs),
        "outputs": outputs,
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": ""},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }


def equity_download_body(outputs: list[dict]) -> dict:
    """The Equity CSV button's callback (analysts only), with the `outputs` list given."""
    return {
        "output": f"{Id.EQUITY_GROUPS_DOWNLOAD}.data",
        "outputs": outputs,
        "inputs": [{"id": Id.EQUITY_GROUPS_CSV, "property": "n_clicks", "value": 1}],
        "changedPropIds": [f"{Id.EQUITY_GROUPS_CSV}.n_clicks"],
        "state": [
            {"id": Id.EQUITY_UNIT, "property": "value", "value": "program:ICBT01"},
            {"id": Id.EQUITY_DIMENSION, "property": "value", "value": "sex"},
        ],
    }


ANALYST_ONLY_PREFIXES = ("equity-", "safety-", "effectiveness-", "data_quality-")


def post(context: BrowserContext, url: str, body: dict) -> tuple[int, str]:
    response = context.request.post(
        f"{url}/_dash-update-component",
        data=json.dumps(body),
        headers={"Content-Type": "application/json"},
    )
    return response.status, response.text()


def signed_in(page: Page, url: str, account: Account) -> None:
    sign_in(page, url, account)
    expect(page).to_have_url(f"{url}/")


def test_anonymous_visitors_get_the_sign_in_page_and_no_data(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    page.goto(f"{live_server.url}/equity?dimension=sex")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/equity%3Fdimension%3Dsex")
    expect(page.get_by_role("heading", level=1)).to_contain_text("observatory")
    context = page.context
    for body in (equity_callback_body(), router_body("/outcomes")):
        status, text = post(context, live_server.url, body)
        assert status == 401
        assert "ICBT" not in text and "archetype" not in text
    for path in ("/_dash-layout", "/_dash-dependencies"):
        assert context.request.get(f"{live_server.url}{path}").status == 401
    health = context.request.get(f"{live_server.url}/health")
    assert health.status == 200
    assert health.json() == {"status": "ok"}  # no build time, no table names


def test_a_wrong_password_is_refused(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    sign_in(page, live_server.url, Account(ANALYST.name, ANALYST.role, "not the password"))
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    sign_in(page, live_server.url, Account("nobody", "analyst", ANALYST.password))
    expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    assert post(page.context, live_server.url, equity_callback_body())[0] == 401


def test_a_viewer_sees_published_pages_only(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    signed_in(page, live_server.url, VIEWER)
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Programs")).to_be_visible()
    expect(nav.get_by_role("link", name="Equity")).to_have_count(0)
    expect(nav).to_contain_text("vic (viewer)")
    page.goto(f"{live_server.url}/equity")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page is not available to your role"
    )
    status, text = post(page.context, live_server.url, equity_callback_body())
    assert status == 403 and "archetype" not in text
    assert post(page.context, live_server.url, router_body("/equity"))[0] == 403
    assert post(page.context, live_server.url, router_body("/programs"))[0] == 200
    assert anonymous_page.foreign_requests == []


def test_a_viewer_cannot_reach_analyst_callbacks_by_any_other_name(
    anonymous_page, live_server
) -> None:
    """The gate judges the callback Dash runs: the router's first input by position, the
    path as Dash normalises it, and the callback named by `output`, not `outputs`."""
    page = anonymous_page.page
    signed_in(page, live_server.url, VIEWER)
    context, url = page.context, live_server.url
    for path in ("//equity", "/equity/", "//equity//", "/safety"):
        status, text = post(context, url, router_body(path))
        assert status == 403, path
        assert "archetype" not in text
    decoy = router_body("/programs")
    decoy["inputs"] = [
        {"id": "_pages_location", "property": "search", "value": "/equity"},
        {"id": "_pages_location", "property": "pathname", "value": "/programs"},
    ]
    assert post(context, url, decoy)[0] == 403  # Dash would render its first input, /equity
    assert post(context, url, router_body("programs"))[0] == 403  # Dash cannot route it
    assert post(context, url, router_body("/no-such-page"))[0] == 200  # Dash's 404 layout
    download = {"id": Id.EQUITY_GROUPS_DOWNLOAD, "property": "data"}
    for outputs in ([], [{"id": Id.PROGRAMS_URL, "property": "search"}], [download]):
        status, text = post(context, url, equity_download_body(outputs))
        assert status == 403, outputs
        assert "archetype" not in text
    not_a_callback = equity_callback_body() | {"output": "programs-url.search"}
    assert post(context, url, not_a_callback)[0] == 403
    page.goto(f"{url}//equity")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page is not available to your role"
    )

    listed = context.request.get(f"{url}/_dash-dependencies").json()
    outputs = [d["output"] for d in listed if not d.get("no_output")]
    clicks = [i["id"] for d in listed if d.get("no_output") for i in d["inputs"]]
    assert any(o.startswith("..programs-") for o in outputs)
    assert any(c.startswith("programs-") for c in clicks)
    for prefix in ANALYST_ONLY_PREFIXES:
        assert not [o for o in outputs if o.removeprefix("..").startswith(prefix)], prefix
        assert not [c for c in clicks if c.startswith(prefix)], prefix


def test_an_analyst_may_download_and_lists_every_callback(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    signed_in(page, live_server.url, ANALYST)
    download = {"id": Id.EQUITY_GROUPS_DOWNLOAD, "property": "data"}
    status, text = post(page.context, live_server.url, equity_download_body([download]))
    assert status == 200 and "archetype" in text
    listed = page.context.request.get(f"{live_server.url}/_dash-dependencies").json()
    assert any(d["output"].removeprefix("..").startswith("equity-") for d in listed)


def test_an_analyst_sees_every_page_and_signs_out(anonymous_page, live_server) -> None:
    page = anonymous_page.page
    signed_in(page, live_server.url, ANALYST)
    expect(page.get_by_role("navigation").get_by_role("link", name="Equity")).to_be_visible()
    page.goto(f"{live_server.url}/equity")
    expect(page.locator(f"#{Id.EQUITY_GROUPS_TABLE} table")).to_be_attached()
    status, text = post(page.context, live_server.url, equity_callback_body())
    assert status == 200 and "archetype 1" in text
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in")
    assert post(page.context, live_server.url, equity_callback_body())[0] == 401
    assert anonymous_page.console_errors == []


def test_demo_mode_needs_no_sign_in_and_says_so(anonymous_page, demo_server) -> None:
    page = anonymous_page.page
    page.goto(f"{demo_server.url}/equity")
    expect(page.locator(f"#{Id.DEMO_BANNER}")).to_contain_text("Demo mode")
    expect(page.locator(f"#{Id.WAREHOUSE_STATUS}")).to_contain_text("No warehouse published yet")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    assert anonymous_page.console_errors == []
