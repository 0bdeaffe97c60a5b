"""Review e-mails reach a real SMTP server (a small one on a thread of this test): new
high-priority items and overdue reviews, once each, with no patient-level data and a link
to the signal."""

from __future__ import annotations

import email
import email.policy
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from appdb.database import URL_VARIABLE
from appdb.reviews import ReviewStore
from pipelines.publishing.assets import PublishTarget
from pipelines.safety.assets import SafetyAlerts
from pipelines.safety.notifiers import EmailNotifier, NotificationError, review_payload
from pipelines.safety.review import load_review_rules, plan_sync
from pipelines.safety.review_assets import (
    ApplicationDatabase,
    ReviewEmail,
    register_evidence,
    safety_review_email_sensor,
    send_review_emails,
)
from tests.conftest import settings_for

RULES = load_review_rules()


class SmtpHandler(socketserver.StreamRequestHandler):
    """Enough of RFC 5321 for smtplib: greeting, EHLO, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 test SMTP ready")
        while raw := self.rfile.readline():
            command = raw.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                self.server.messages.append(
                    email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                )
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[EmailMessage] = []


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def register_frame() -> pl.DataFrame:
    """Two programs' open signals: one on a severe indicator, one not."""
    rows = [
        ("ICBT03:serious_adverse_event:cusum:2026-05", "ICBT03", "serious_adverse_event", True),
        ("ICBT05:phq9_reliable_deterioration:funnel:2026-05", "ICBT05", "phq9", False),
    ]
    return pl.DataFrame(
        [
            {
                "signal_id": signal_id,
                "program_id": program,
                "indicator": indicator,
                "method": signal_id.split(":")[2],
                "opened_month": date(2026, 5, 1),
                "severe": severe,
                "status": "new",
                "latest_observed": 9.0,
                "latest_expected": 3.0,
                "as_of_month": date(2026, 6, 1),
            }
            for signal_id, program, indicator, severe in rows
        ]
    )


def settings(server: SmtpServer) -> ReviewEmail:
    return ReviewEmail(
        host="127.0.0.1",
        port=server.server_address[1],
        sender="observatory@example.org",
        recipients="safety-team@example.org, lead@example.org",
        dashboard_url="https://observatory.example.org",
    )


def test_new_high_priority_and_overdue_items_are_mailed_once(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    app = ApplicationDatabase(url=f"sqlite:///{tmp_path / 'app.sqlite3'}")
    register = register_frame()
    database = app.open()
    store = ReviewStore(database)
    evidence = register_evidence(register)
    store.apply_sync(plan_sync(list(evidence.values()), [], RULES))
    opened = store.items()[0].opened_at
    database.dispose()
    review_email = settings(smtp)
    notifier = review_email.notifier()
    assert notifier is not None
    sent: set[str] = set()

    assert send_review_emails(app, register, notifier, review_email, sent, now=opened) == 1
    assert send_review_emails(app, register, notifier, review_email, sent, now=opened) == 0
    later = opened + RULES.overdue_after + timedelta(hours=1)
    assert send_review_emails(app, register, notifier, review_email, sent, now=later) == 2

    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects[0].startswith("[iCBT observatory] new high-priority review item: 1 (ICBT03)")
    assert sorted(subjects[1:]) == [
        "[iCBT observatory] overdue review: 1 (ICBT03)",
        "[iCBT observatory] overdue review: 2 (ICBT05)",
    ]
    first = smtp.messages[0]
    body = first.get_content()
    assert first["To"] == "safety-team@example.org, lead@example.org"
    assert "https://observatory.example.org/safety?program=ICBT03" in body
    assert "ICBT03:serious_adverse_event:cusum:2026-05" in body
    for private in ("patient", "episode", "latest_observed"):
        assert private not in body


def test_no_host_means_no_email_and_an_unreachable_server_raises() -> None:
    assert ReviewEmail(host=None, sender="a@b", recipients="c@d").notifier() is None
    assert ReviewEmail(host="smtp", sender="a@b", recipients="").notifier() is None
    closed = SmtpServer()
    port = closed.server_address[1]
    closed.server_close()
    notifier = EmailNotifier(
        "127.0.0.1", port, "a@example.org", ("b@example.org",), timeout_seconds=2
    )
    payload = review_payload({"item_id": 1, "program_id": "ICBT01"}, "overdue review", "x")
    with pytest.raises(NotificationError, match="e-mail delivery failed"):
        notifier.notify(payload)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICBT_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("ICBT_SMTP_PORT", "587")
    monkeypatch.setenv("ICBT_SMTP_STARTTLS", "on")
    monkeypatch.setenv("ICBT_ALERT_EMAIL_FROM", "observatory@example.org")
    monkeypatch.setenv("ICBT_ALERT_EMAIL_TO", "a@example.org,b@example.org")
    monkeypatch.setenv("ICBT_DASHBOARD_URL", "https://obs.example.org/")
    configured = ReviewEmail.from_environment(RULES)
    notifier = configured.notifier()
    assert notifier is not None
    assert (notifier.host, notifier.port, notifier.starttls) == ("mail.example.org", 587, True)
    assert notifier.recipients == ("a@example.org", "b@example.org")
    assert configured.link("ICBT02") == "https://obs.example.org/safety?program=ICBT02"


def test_the_sensor_sends_through_dagster_and_keeps_its_cursor(
    smtp: SmtpServer, tmp_path: Path
) -> None:
    published = tmp_path / "observatory.duckdb"
    with duckdb.connect(str(published)) as con:
        con.register("source_frame", register_frame().to_arrow())
        con.execute("CREATE TABLE safety_signal_register AS SELECT * FROM source_frame")
        con.execute("ALTER TABLE safety_signal_register ADD COLUMN signal_number BIGINT")
    app = ApplicationDatabase(url=f"sqlite:///{tmp_path / 'app.sqlite3'}")
    database = app.open()
    evidence = register_evidence(register_frame())
    ReviewStore(database).apply_sync(plan_sync(list(evidence.values()), [], RULES))
    database.dispose()

    def tick(cursor: str | None, review_email: ReviewEmail) -> tuple[str, str | None]:
        context = dg.build_sensor_context(
            cursor=cursor,
            resources={
                "publish_target": PublishTarget(published_database=str(published)),
                "app_database": app,
                "review_email": review_email,
            },
        )
        return safety_review_email_sensor(context).skip_message, context.cursor

    message, _ = tick(None, ReviewEmail())
    assert "No SMTP host" in message
    message, cursor = tick(None, settings(smtp))
    assert message.startswith("Sent 1 review e-mail(s)")
    assert json.loads(cursor or "")["sent"] == ["new:1:0"]
    message, _ = tick(cursor, settings(smtp))
    assert message.startswith("Sent 0 review e-mail(s)") and len(smtp.messages) == 1


def test_no_database_url_or_password_enters_dagster_resource_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "postgresql+psycopg://observatory:s3cret@db/app"
    monkeypatch.setenv(URL_VARIABLE, secret)
    monkeypatch.setenv("ICBT_SMTP_PASSWORD", "mail-s3cret")
    settings_ = settings_for(tmp_path)
    resources = [
        ApplicationDatabase.from_settings(settings_),
        ReviewEmail.from_environment(RULES),
        SafetyAlerts.from_settings(settings_),
    ]
    for resource in resources:
        assert "s3cret" not in json.dumps(resource.model_dump(), default=str)
    assert resources[0].resolved_url() == secret
