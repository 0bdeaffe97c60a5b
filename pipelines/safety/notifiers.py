"""Where a newly opened safety signal is announced: a webhook, a local JSON Lines file,
and e-mail (SMTP) for review items that need a person soon.

An alert carries only what identifies the signal and its aggregate evidence (program,
indicator, method, dates, observed and expected counts, statistic and threshold), never
an episode or patient, so it can go to a chat channel or a ticketing system. The
notifier is chosen by the environment: a URL in ICBT_ALERT_WEBHOOK_URL selects the
webhook; otherwise alerts are appended to a JSON Lines file under the data directory's
reports folder, which is what the demo uses. E-mail (`EmailNotifier`, standard library
smtplib) carries a review item's aggregate summary and a link to it on the Safety page,
when an SMTP host is configured (ICBT_SMTP_*; every variable is read in
pipelines/settings.py).
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
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


# What a review e-mail may say: the item, its program and signals, state and priority.
REVIEW_FIELDS = (
    "item_id",
    "program_id",
    "review_state",
    "reopened",
    "signal_ids",
    "indicators",
    "priority_score",
    "severity_weight",
    "excess_events",
    "months_open",
    "opened_at",
)


def review_payload(summary: dict[str, Any], reason: str, link: str) -> dict[str, Any]:
    """An e-mail's content: the whitelisted aggregate fields of a review item and a link."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat(timespec="minutes")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | tuple | frozenset | set):
            return ", ".join(sorted(str(v) for v in value))
        return value

    return {
        "kind": "icbt_observatory.safety_review",
        "reason": reason,
        "link": link,
        **{name: plain(summary.get(name)) for name in REVIEW_FIELDS},
    }


@dataclass(frozen=True)
class EmailNotifier:
    """Sends one plain-text e-mail per alert through an SMTP server.

    STARTTLS when asked (and required then); a user name logs in after it. The message
    holds the payload's fields one per line, so it carries only what the payload does.
    """

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    timeout_seconds: float = 10.0

    def message(self, payload: dict[str, Any]) -> EmailMessage:
        message = EmailMessage()
        program = payload.get("program_id", "")
        what = payload.get("reason") or "safety signal"
        number = payload.get("item_id") or payload.get("signal_id")
        message["Subject"] = f"[iCBT observatory] {what}: {number} ({program})"
        message["From"] = self.sender
        message["To"] = ", ".join(self.recipients)
        lines = [f"{key}: {value}" for key, value in payload.items() if key != "link"]
        if payload.get("link"):
            lines += ["", f"Open it on the Safety page: {payload['link']}"]
        message.set_content("\n".join(lines) + "\n")
        return message

    def notify(self, payload: dict[str, Any]) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(self.message(payload))
        except (smtplib.SMTPException, OSError) as exc:
            raise NotificationError(f"e-mail delivery failed: {exc}") from exc

    def describe(self) -> str:
        return f"e-mail via {self.host}:{self.port} to {len(self.recipients)} recipient(s)"
