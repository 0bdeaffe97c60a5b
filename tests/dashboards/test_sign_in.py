"""Sign-in against a live server: nobody sees data without it, viewers see published pages.

Direct requests (Playwright's request context shares the browser's cookies) prove the
gate is on the server: a callback POST or a layout request without a session gets 401,
and a viewer's POST to an analyst-only page's callback gets 403, whatever the browser
would have shown.

Sessions, throttling and CSRF are tried on a server of their own (`own_server`, started
with `icbt serve` as an operator would, over an empty data directory), so the failed
sign-ins they make cannot throttle the shared server's other tests.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from playwright.sync_api import Browser, BrowserContext, Page, expect

from appdb.database import AppDatabase
from appdb.schema import sessions
from dashboards.auth import UserStore
from dashboards.ids import Id
from pipelines.cli import main
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import (
    ANALYST,
    VIEWER,
    Account,
    _free_port,
    _wait_until_serving,
    sign_in,
)

pytestmark = [pytest.mark.browser, needs_demo_build]
PASSWORD = "correct horse battery staple"
SIGN_OUT = Account("sol", "analyst", PASSWORD)
REMOVED = Account("rex", "viewer", PASSWORD)
THROTTLED = Account("tim", "viewer", PASSWORD)
TIMED = Account("kim", "viewer", PASSWORD)
FORM = Account("cat", "viewer", PASSWORD)
ICBT = Path(sys.executable).with_name("icbt")


@dataclass(frozen=True)
class OwnServer:
    url: str
    data_dir: Path
    users: Path


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnServer]:
    """`icbt serve` with sign-in on, its own users and application database."""
    base = tmp_path_factory.mktemp("own-server")
    users = base / "users.yaml"
    store = UserStore(users)
    for account in (SIGN_OUT, REMOVED, THROTTLED, TIMED, FORM):
        store.add(account.name, account.role, account.password)
    port = _free_port()
    env = {
        **os.environ,
        "ICBT_DATA_DIR": str(base / "data"),
        "ICBT_DASHBOARD_USERS": str(users),
        "ICBT_DASHBOARD_AUTH": "on",
        "ICBT_DUCKDB_THREADS": "1",
    }
    env.pop("ICBT_APP_DATABASE_URL", None)
    log = base / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(ICBT), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process, log, timeout=60)
        yield OwnServer(url, base / "data", users)
    finally:
        process.terminate()
        process.wait(timeout=10)


def form_token(context: BrowserContext, url: str) -> str:
    """The sign-in form's CSRF token, as served to this context's pre-session."""
    body = context.request.get(f"{url}/sign-in").text()
    match = re.search(r'name="csrf" value="([^"]*)"', body)
    assert match is not None
    return match.group(1)


def post_sign_in(context: BrowserContext, url: str, csrf: str, name: str, password: str) -> int:
    response = context.request.post(
        f"{url}/sign-in",
        form={"csrf": csrf, "username": name, "password": password, "next": "/"},
        max_redirects=0,
    )
    return response.status


def dash_output(outputs: list[dict]) -> str:
    """Dash's key for a multi-output callback: `..a.prop...b.prop..`."""
    return ".." + "...".join(f"{o['id']}.{o['property']}" for o in outputs) + ".."


def equity_callback_body() -> dict:
    """The Equity chart's drawing callback, as the Dash renderer posts it."""
    outputs = [
        {"id": Id.EQUITY_GROUPS_GRAPH, "property": "figure"},
        {"id": Id.EQUITY_GROUPS_GRAPH, "property": "config"},
        {"id": Id.EQUITY_GROUPS_SUMMARY, "property": "children"},
        {"id": Id.EQUITY_GROUPS_TABLE, "property": "children"},
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


def equity_download_body(outputs: dict | list[dict]) -> dict:
    """The Equity CSV button's callback (analysts only), with the `outputs` given (Dash's
    renderer sends one output as a dict)."""
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
    for outputs in ([], {}, {"id": Id.PROGRAMS_URL, "property": "search"}, download):
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
    status, text = post(page.context, live_server.url, equity_download_body(download))
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


def test_sign_out_ends_the_session_for_every_copy_of_the_cookie(
    browser: Browser, own_server: OwnServer
) -> None:
    context = browser.new_context()
    page = context.new_page()
    signed_in(page, own_server.url, SIGN_OUT)
    copy = context.storage_state()
    assert context.request.get(f"{own_server.url}/_dash-layout").status == 200
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{own_server.url}/sign-in")
    context.close()
    replay = browser.new_context(storage_state=copy)
    assert replay.request.get(f"{own_server.url}/_dash-layout").status == 401
    again = replay.new_page()
    again.goto(f"{own_server.url}/")
    expect(again).to_have_url(f"{own_server.url}/sign-in?next=/")
    replay.close()


def test_removing_a_user_ends_their_session_at_once(
    browser: Browser, own_server: OwnServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = browser.new_context()
    page = context.new_page()
    signed_in(page, own_server.url, REMOVED)
    assert context.request.get(f"{own_server.url}/_dash-layout").status == 200
    # No request of the open page may reach the server between the two steps of the
    # removal (the gate would end the session itself and the count would be 0).
    page.goto("about:blank")
    monkeypatch.setenv("ICBT_DATA_DIR", str(own_server.data_dir))
    monkeypatch.setenv("ICBT_DASHBOARD_USERS", str(own_server.users))
    monkeypatch.delenv("ICBT_APP_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["user", "remove", REMOVED.name])
    assert result.exit_code == 0 and "ended 1 open session" in result.output, result.output
    database = AppDatabase.from_data_dir(own_server.data_dir)
    with database.begin() as connection:
        left = connection.execute(
            sa.select(sa.func.count()).where(sessions.c.user_name == REMOVED.name)
        ).scalar_one()
    database.dispose()
    assert left == 0  # ended in the database, before the server saw another request
    assert context.request.get(f"{own_server.url}/_dash-layout").status == 401
    page.goto(f"{own_server.url}/")
    expect(page).to_have_url(re.compile(r"/sign-in"))
    context.close()


def test_wrong_passwords_are_throttled_with_back_off(anonymous_page, own_server: OwnServer) -> None:
    page = anonymous_page.page
    wrong = Account(THROTTLED.name, THROTTLED.role, "not the password at all")
    for _ in range(4):
        sign_in(page, own_server.url, wrong)
        expect(page.get_by_role("alert")).to_have_text("Unknown user name or wrong password.")
    # The fifth failure and the right password straight after it, well within the 1 s
    # back-off however slowly the page itself would be driven.
    token = form_token(page.context, own_server.url)
    assert post_sign_in(page.context, own_server.url, token, wrong.name, wrong.password) == 401
    token = form_token(page.context, own_server.url)
    assert (
        post_sign_in(page.context, own_server.url, token, THROTTLED.name, THROTTLED.password) == 429
    )
    time.sleep(1.2)
    signed_in(page, own_server.url, THROTTLED)
    refusal = "Failed to load resource: the server responded with a status of 401 (UNAUTHORIZED)"
    assert set(anonymous_page.console_errors) == {refusal}  # the browser's reports, nothing else


def test_the_form_token_is_bound_to_its_pre_session(
    browser: Browser, own_server: OwnServer
) -> None:
    url = own_server.url
    stranger = browser.new_context()
    assert post_sign_in(stranger, url, "", FORM.name, FORM.password) == 400  # no session
    first, second = browser.new_context(), browser.new_context()
    first_token, second_token = form_token(first, url), form_token(second, url)
    assert first_token != second_token
    assert post_sign_in(first, url, "", FORM.name, FORM.password) == 400
    assert post_sign_in(first, url, second_token, FORM.name, FORM.password) == 400
    assert post_sign_in(stranger, url, first_token, FORM.name, FORM.password) == 400
    assert post_sign_in(first, url, first_token, FORM.name, FORM.password) == 302
    assert first.request.get(f"{url}/_dash-layout").status == 200
    # Signing in gave a new session: the pre-session's cookie (and token) are spent.
    cookies = {c["name"]: c["value"] for c in first.cookies()}
    assert post_sign_in(second, url, second_token, FORM.name, FORM.password) == 302
    assert (
        cookies["icbt_session"] != {c["name"]: c["value"] for c in second.cookies()}["icbt_session"]
    )
    for context in (stranger, first, second):
        context.close()


def test_unknown_and_known_names_cost_the_same(browser: Browser, own_server: OwnServer) -> None:
    """The issue measured 3 ms for an unknown name and 80 ms for a known one."""
    context = browser.new_context()
    token = form_token(context, own_server.url)

    def seconds(name: str) -> float:
        start = time.perf_counter()
        assert post_sign_in(context, own_server.url, token, name, "wrong password") == 401
        return time.perf_counter() - start

    # Alternate the two, so that whatever else the machine does weighs on both alike.
    pairs = [(seconds(f"nobody{n}"), seconds(TIMED.name)) for n in range(4)]
    unknown = statistics.median(u for u, _ in pairs)
    known = statistics.median(k for _, k in pairs)
    context.close()
    assert unknown > 0.6 * known, (unknown, known)
    assert known > 0.6 * unknown, (unknown, known)


def test_security_headers_and_the_production_server(
    browser: Browser, own_server: OwnServer
) -> None:
    context = browser.new_context()
    sign_in_page = context.request.get(f"{own_server.url}/sign-in")
    asset = context.request.get(f"{own_server.url}/assets/observatory.css")
    for response in (sign_in_page, asset):
        headers = response.headers
        assert headers["server"] == "waitress"  # icbt serve: not Flask's development server
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self' 'sha256-" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"].split("script-src")[1]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert sign_in_page.headers["cache-control"] == "no-store"
    cookie = sign_in_page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    context.close()


def test_debug_mode_refuses_a_network_address(own_server: OwnServer) -> None:
    env = {
        **os.environ,
        "ICBT_DATA_DIR": str(own_server.data_dir),
        "ICBT_DASHBOARD_USERS": str(own_server.users),
        "ICBT_DASHBOARD_AUTH": "on",
    }
    result = subprocess.run(
        [str(ICBT), "serve", "--debug", "--host", "0.0.0.0", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "development server" in result.stderr and "127.0.0.1" in result.stderr
