"""Where a newly opened safety signal is announced: a webhook or a local JSON Lines file.

An alert carries only what identifies the signal and its aggregate evidence (program,
indicator, method, dates, observed and expected counts, statistic and threshold), never
an episode or patient, so it can go to a chat channel or a ticketing system. The
notifier is chosen by the environment: a URL in ICBT_ALERT_WEBHOOK_URL (the name is in
config/safety.yaml) selects the webhook; otherwise alerts are appended to a JSON Lines
file under the data directory's reports folder, which is what the demo uses.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

ALERT_FIELDS = (
    "signal_id",
    "signal_number",
    "program_id",
    "indicator",
    "indicator_label",
    "severe",
    "method",
    "opened_month",
    "status",
    "opened_n",
    "opened_observed",
    "opened_expected",
    "opened_statistic",
    "opened_threshold",
    "first_recorded_at",
)


class NotificationError(RuntimeError):
    """An alert could not be delivered; the sensor retries it on its next tick."""


def alert_payload(signal: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of an alert: the whitelisted aggregate fields, dates as ISO text."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    return {
        "kind": "icbt_observatory.safety_signal",
        **{name: plain(signal.get(name)) for name in ALERT_FIELDS},
    }


class Notifier(Protocol):
    """Delivers one alert or raises NotificationError."""

    def notify(self, payload: dict[str, Any]) -> None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class WebhookNotifier:
    """POSTs the alert as JSON; retries with doubling back-off on errors and 5xx."""

    url: str
    timeout_seconds: float = 10.0
    retries: int = 3
    backoff_seconds: float = 1.0

    def notify(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.url,
                data=body,
                method="POST",
                headers={"Content-Type": "application/json", "User-Agent": "icbt-observatory"},
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:
                    response.read()
                return
            except urllib.error.HTTPError as exc:
                last = exc
                if exc.code < 500 and exc.code != 429:
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                last = exc
        raise NotificationError(f"webhook delivery failed: {last}") from last

    def describe(self) -> str:
        return f"webhook {urllib.parse.urlsplit(self.url).netloc}"


@dataclass(frozen=True)
class JsonlNotifier:
    """Appends each alert as one line of JSON, flushed to disk before returning.

    A file, not a warehouse table: the sensor runs beside the pipeline, and DuckDB lets
    only the pipeline write to the build database.
    """

    path: Path

    def notify(self, payload: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(payload, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def describe(self) -> str:
        return f"file {self.path}"


def choose_notifier(
    webhook_url: str | None,
    alerts_file: Path,
    *,
    timeout_seconds: float,
    retries: int,
    backoff_seconds: float,
) -> Notifier:
    if webhook_url:
        return WebhookNotifier(webhook_url, timeout_seconds, retries, backoff_seconds)
    return JsonlNotifier(alerts_file)
