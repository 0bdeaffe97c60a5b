"""Alerts reach a real HTTP endpoint (with retries) or a JSON Lines file, and carry only
aggregate fields."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.safety.notifiers import (
    ALERT_FIELDS,
    JsonlNotifier,
    NotificationError,
    WebhookNotifier,
    alert_payload,
    choose_notifier,
)

SIGNAL = {
    "signal_id": "ICBT07:phq9_reliable_deterioration:cusum:2026-03",
    "signal_number": 3,
    "program_id": "ICBT07",
    "indicator": "phq9_reliable_deterioration",
    "indicator_label": "Reliable deterioration, PHQ-9 depression",
    "severe": False,
    "method": "cusum",
    "opened_month": date(2026, 3, 1),
    "status": "new",
    "opened_n": 83,
    "opened_observed": 14.0,
    "opened_expected": 6.2,
    "opened_statistic": 3.75,
    "opened_threshold": 3.57,
    "first_recorded_at": datetime(2026, 10, 1, 2, 5),
    "episode_id": 123456789,  # never part of an alert
}


class Endpoint:
    """A local HTTP server that answers with the given status codes in turn."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.bodies: list[dict] = []
        self.headers: list[dict] = []

    @contextmanager
    def serve(self) -> Iterator[str]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                endpoint.bodies.append(json.loads(body))
                endpoint.headers.append(dict(self.headers))
                status = (
                    endpoint.statuses.pop(0) if len(endpoint.statuses) > 1 else endpoint.statuses[0]
                )
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/hooks/safety"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def test_payload_is_the_whitelist_of_aggregate_fields():
    payload = alert_payload(SIGNAL)
    assert set(payload) == {"kind", *ALERT_FIELDS}
    assert "episode_id" not in json.dumps(payload)
    assert payload["opened_month"] == "2026-03-01"
    assert payload["first_recorded_at"] == "2026-10-01T02:05:00"


def test_webhook_posts_json():
    endpoint = Endpoint([204])
    with endpoint.serve() as url:
        WebhookNotifier(url, timeout_seconds=5, retries=0).notify(alert_payload(SIGNAL))
    assert endpoint.bodies == [alert_payload(SIGNAL)]
    assert endpoint.headers[0]["Content-Type"] == "application/json"


def test_webhook_retries_server_errors_then_delivers():
    endpoint = Endpoint([503, 500, 200])
    with endpoint.serve() as url:
        WebhookNotifier(url, timeout_seconds=5, retries=3, backoff_seconds=0.01).notify({"a": 1})
    assert len(endpoint.bodies) == 3


def test_webhook_gives_up_after_its_retries_and_does_not_retry_a_client_error():
    failing = Endpoint([500])
    with failing.serve() as url, pytest.raises(NotificationError):
        WebhookNotifier(url, timeout_seconds=5, retries=2, backoff_seconds=0.01).notify({"a": 1})
    assert len(failing.bodies) == 3
    rejected = Endpoint([400])
    with rejected.serve() as url, pytest.raises(NotificationError):
        WebhookNotifier(url, timeout_seconds=5, retries=2, backoff_seconds=0.01).notify({"a": 1})
    assert len(rejected.bodies) == 1


def test_unreachable_webhook_raises():
    with Endpoint([200]).serve() as url:
        closed = url  # the server stops when the block ends
    with pytest.raises(NotificationError):
        WebhookNotifier(closed, timeout_seconds=1, retries=1, backoff_seconds=0.01).notify({})


def test_jsonl_notifier_appends_one_line_per_alert(tmp_path):
    path = tmp_path / "reports" / "safety_alerts.jsonl"
    notifier = JsonlNotifier(path)
    notifier.notify(alert_payload(SIGNAL))
    notifier.notify({"kind": "x"})
    lines = path.read_text().splitlines()
    assert [json.loads(line) for line in lines] == [alert_payload(SIGNAL), {"kind": "x"}]


def test_the_webhook_is_chosen_only_when_a_url_is_set(tmp_path):
    options = {"timeout_seconds": 1.0, "retries": 0, "backoff_seconds": 0.0}
    assert isinstance(choose_notifier(None, tmp_path / "a.jsonl", **options), JsonlNotifier)
    assert isinstance(choose_notifier("", tmp_path / "a.jsonl", **options), JsonlNotifier)
    chosen = choose_notifier("https://example.org/hook", tmp_path / "a.jsonl", **options)
    assert isinstance(chosen, WebhookNotifier) and chosen.describe() == "webhook example.org"
