"""The app as served: /health, the home redirect and no third-party assets."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from dashboards.theme import COLORWAY, OKABE_ITO

pytestmark = pytest.mark.xdist_group("dashboard_server")


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_reports_the_published_build_time(live_server) -> None:
    status, body = get(f"{live_server.url}/health")
    assert status == 200
    assert body == {
        "status": "ok",
        "built_at": "2026-11-25T06:30:00+00:00",
        "marts": ["mart_program_outcomes"],
    }


def test_health_is_503_without_a_warehouse(empty_server) -> None:
    status, body = get(f"{empty_server.url}/health")
    assert status == 503
    assert body == {"status": "unavailable", "reason": "not_published"}


def test_page_shell_loads_only_local_assets(live_server) -> None:
    with urllib.request.urlopen(f"{live_server.url}/outcomes", timeout=5) as response:
        html = response.read().decode()
    assert "/assets/bootstrap.min.css" in html
    assert "https://" not in html.replace('content="https://', "")
    assert '<html lang="en">' in html


def test_palette_is_okabe_ito() -> None:
    assert set(COLORWAY) == set(OKABE_ITO.values())
