"""The Overview page offers the evidence brief of the snapshot on screen, and names it."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from dashboards.ids import Id
from tests.conftest import needs_demo_build
from tests.dashboards.conftest import VIEWER, sign_in

pytestmark = needs_demo_build


def test_a_viewer_downloads_the_brief_of_the_current_snapshot(
    anonymous_page, live_server, demo_brief
) -> None:
    page = anonymous_page.page
    page.goto(f"{live_server.url}/brief/current.pdf")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))  # never served anonymously
    sign_in(page, live_server.url, VIEWER)
    expect(page).to_have_url(f"{live_server.url}/")
    offer = page.locator(f"#{Id.OVERVIEW_BRIEF}")
    expect(offer).to_contain_text(demo_brief.snapshot_id)
    expect(page.get_by_text(f"snapshot {demo_brief.snapshot_id}.")).to_be_visible()
    with page.expect_download() as download:
        offer.get_by_role("link", name="download the brief (PDF)").click()
    assert download.value.suggested_filename == f"brief-{demo_brief.snapshot_id}.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    html = page.context.request.get(f"{live_server.url}/brief/current.html")
    assert html.status == 200 and demo_brief.snapshot_id in html.text()
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert page.context.request.get(f"{live_server.url}/brief/current.exe").status == 404
    assert anonymous_page.console_errors == []
