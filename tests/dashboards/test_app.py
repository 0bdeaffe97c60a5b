"""The app as served: /health, local assets only, and the state before any warehouse."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect
from plotly.offline import get_plotlyjs_version

from dashboards.app import PACKAGE_DIR
from dashboards.ids import Id
from dashboards.theme import COLORWAY, OKABE_ITO
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_details_only_for_signed_in_users(live_server, analyst_state, browser) -> None:
    assert get(f"{live_server.url}/health") == (200, {"status": "ok"})
    context = browser.new_context(storage_state=analyst_state)
    body = context.request.get(f"{live_server.url}/health").json()
    context.close()
    assert body["status"] == "ok"
    assert "mart_engagement_funnel" in body["marts"]
    assert body["built_at"].endswith("+00:00")


def test_health_is_503_without_a_warehouse(demo_server) -> None:
    # Demo mode has no sign-in, so everyone gets the details.
    assert get(f"{demo_server.url}/health") == (
        503,
        {"status": "unavailable", "reason": "not_published"},
    )


def test_sign_in_page_loads_only_local_assets(live_server) -> None:
    with urllib.request.urlopen(f"{live_server.url}/sign-in", timeout=5) as response:
        html = response.read().decode()
    assert "/assets/bootstrap.min.css" in html
    assert "https://" not in html and "http://" not in html
    assert '<html lang="en">' in html


def _headers(url: str) -> dict[str, str]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return dict(response.headers)


def test_versioned_assets_are_kept_and_scripts_compressed(demo_server) -> None:
    """An asset linked with its modified time (as Dash links it) is kept for a year; the
    same file asked for without it is revalidated; scripts travel compressed, pages and
    callbacks (which carry tokens and data) never do."""
    versioned = _headers(f"{demo_server.url}/assets/plotly-cartesian.min.js?m=1")
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert versioned["Content-Encoding"] == "gzip"
    for page in ("/engagement", "/_dash-layout"):
        assert "Content-Encoding" not in _headers(f"{demo_server.url}{page}")
    unversioned = _headers(f"{demo_server.url}/assets/plotly-cartesian.min.js")
    assert "max-age=31536000" not in unversioned.get("Cache-Control", "")


def test_page_loads_the_vendored_plotly_js_of_the_pinned_version(demo_server) -> None:
    """The vendored bundle is the plotly.js the plotly package pins, and pages load it
    (and dcc.Graph's code) with the page, at versioned URLs."""
    bundle = PACKAGE_DIR / "assets" / "plotly-cartesian.min.js"
    assert f"plotly.js (cartesian - minified) v{get_plotlyjs_version()}" in bundle.read_text()[:200]
    assert 'topojsonURL:{valType:"string",noBlank:!0,dflt:"/assets/"}' in bundle.read_text()
    with urllib.request.urlopen(f"{demo_server.url}/engagement", timeout=30) as response:
        html = response.read().decode()
    assert "/assets/plotly-cartesian.min.js?m=" in html
    assert "/dash/dcc/async-graph.v" in html
    assert "package_data/plotly" not in html


def test_no_shipped_asset_names_a_cdn() -> None:
    """Deployments may be offline: nothing the dashboard ships points a browser at a CDN."""
    assets = sorted((PACKAGE_DIR / "assets").rglob("*.*"))
    assert assets
    assert [p.name for p in assets if "cdn." in p.read_text(errors="ignore")] == []


def test_palette_is_okabe_ito() -> None:
    assert set(COLORWAY) == set(OKABE_ITO.values())


@pytest.mark.browser
def test_no_warehouse_state_until_one_is_published(anonymous_page, demo_server, demo_build) -> None:
    page = anonymous_page.page
    page.goto(f"{demo_server.url}/engagement")
    status = page.locator(f"#{Id.WAREHOUSE_STATUS}")
    expect(status).to_contain_text("No warehouse published yet")
    expect(status).to_contain_text("make run")
    published = demo_server.data_dir / "warehouse" / "observatory.duckdb"
    published.parent.mkdir(parents=True, exist_ok=True)
    staging = published.with_name(".observatory.duckdb.tmp")
    shutil.copyfile(demo_build.settings.published_database, staging)
    staging.rename(published)  # published the way the pipeline does: a rename
    try:
        page.reload()
        expect(page.locator(f"#{Id.ENGAGEMENT_FUNNEL_TABLE} table")).to_be_attached()
    finally:
        published.unlink()
    page.reload()
    expect(status).to_contain_text("No warehouse published yet")
    assert anonymous_page.console_errors == []
