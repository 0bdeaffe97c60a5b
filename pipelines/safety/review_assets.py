"""Dagster side of the safety review: sync the register into review items, publish the
decisions, and e-mail reviewers about items that need them.

The national run opens review items for new register signals in the application
database (`appdb`), reopens decided ones whose evidence changed materially, and copies
every item and audit row into the warehouse (`safety_signal_reviews`,
`safety_signal_review_audit`), so researchers see the decisions after the run. The
e-mail sensor reads the published register and the application database (never the
build database) and sends each new high-priority item and each overdue review once.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from appdb.database import AppDatabase, database_url
from appdb.reviews import ReviewItem, ReviewStore
from pipelines.metadata import table_metadata
from pipelines.publishing.assets import PublishTarget
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.safety.inputs import data_end
from pipelines.safety.notifiers import EmailNotifier, NotificationError, review_payload
from pipelines.safety.review import (
    ReviewRules,
    SignalEvidence,
    emails_due,
    load_review_rules,
    plan_sync,
    priority,
)
from pipelines.safety.review_tables import audit_table, reviews_table
from pipelines.settings import Environment, Settings, reveal
from pipelines.sql import model, read_sql, referenced_tables, write_frame

REGISTER = "safety_signal_register"
REVIEWS = "safety_signal_reviews"
REVIEW_AUDIT = "safety_signal_review_audit"


class ApplicationDatabase(dg.ConfigurableResource):
    """The application database (`appdb`) where people's review decisions live.

    Configured by data directory: the URL (`ICBT_APP_DATABASE_URL`, which may hold a
    password) is resolved when opened, so it never enters Dagster's resource settings,
    which its UI shows. Tests may name a URL directly.
    """

    data_dir: str | None = None
    url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ApplicationDatabase:
        return cls(data_dir=str(settings.data_dir))

    def resolved_url(self) -> str:
        if self.url:
            return self.url
        if self.data_dir is None:
            raise ValueError("ApplicationDatabase needs a data directory or a URL")
        return database_url(Path(self.data_dir))

    def open(self) -> AppDatabase:
        """Connected and migrated: a run may be the first thing to use it."""
        database = AppDatabase(self.resolved_url())
        database.upgrade()
        return database


def register_evidence(register: pl.DataFrame) -> dict[str, SignalEvidence]:
    return {
        row["signal_id"]: SignalEvidence.from_register(row)
        for row in register.iter_rows(named=True)
    }


_READS = sorted(
    {
        table
        for query in ("safety_signal_register_rows", "safety_data_end")
        for table in referenced_tables(read_sql(f"queries/{query}.sql"))
    }
)
"""The tables the reviews read: the register, and the last day the data cover."""


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            group_name="safety",
            kinds={"duckdb", "sqlalchemy"},
            deps=[dg.AssetKey(table) for table in _READS],
            description=model("safety", name).description,
        )
        for name in (REVIEWS, REVIEW_AUDIT)
    ],
    check_specs=grain_check_specs(REVIEWS, REVIEW_AUDIT),
)
def safety_signal_reviews(warehouse: Warehouse, app_database: ApplicationDatabase):
    """Open and reopen review items from this run's register; publish every decision."""
    rules = load_review_rules()
    database = app_database.open()
    try:
        store = ReviewStore(database)
        with warehouse.connect() as con:
            register = con.sql(read_sql("queries/safety_signal_register_rows.sql")).pl()
            as_of = data_end(con) or datetime.now(UTC).date()
            evidence = register_evidence(register)
            plan = plan_sync(list(evidence.values()), [i.view() for i in store.items()], rules)
            store.apply_sync(plan)
            status = dict(register.select("signal_id", "status").iter_rows())
            frames = {
                REVIEWS: reviews_table(store.items(), evidence, status, as_of, rules),
                REVIEW_AUDIT: audit_table(store.audit()),
            }
            for name, frame in frames.items():
                write_frame(con, model("safety", name), frame)
                metadata = table_metadata(con, name)
                if name == REVIEWS:
                    metadata["items_opened"] = dg.MetadataValue.int(len(plan.new_items))
                    metadata["signals_joined"] = dg.MetadataValue.int(len(plan.joins))
                    metadata["items_reopened"] = dg.MetadataValue.int(len(plan.reopen))
                yield dg.MaterializeResult(asset_key=name, metadata=metadata)
                yield grain_check_result(con, name)
    finally:
        database.dispose()


def read_published_register(published: Path, query: str) -> pl.DataFrame | None:
    """A query (a path under sql/) over the published signal register, read-only; None
    before the first publication or while the published warehouse has no register."""
    if not published.is_file():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        columns = read_sql("meta/table_columns.sql")
        if not con.execute(columns, {"table_name": REGISTER}).fetchall():
            return None
        return con.sql(read_sql(query)).pl()


def published_register(published: Path) -> pl.DataFrame | None:
    """The published signal register's rows, or None before the first publication."""
    return read_published_register(published, "queries/safety_signal_register_rows.sql")


def item_summary(
    item: ReviewItem, evidence: dict[str, SignalEvidence], as_of: date, rules: ReviewRules
) -> dict:
    """Aggregate facts about an item for a message: never a patient or an episode."""
    signals = [evidence[s.signal_id] for s in item.signals if s.signal_id in evidence]
    score = priority(item.state, signals, as_of, rules)
    return {
        "item_id": item.item_id,
        "program_id": item.program_id,
        "review_state": item.state.value,
        "reopened": item.reopened,
        "signal_ids": [s.signal_id for s in item.signals],
        "indicators": sorted({s.indicator for s in item.signals}),
        "priority_score": score.score,
        "severity_weight": score.severity_weight,
        "excess_events": score.excess_events,
        "months_open": score.months_open,
        "opened_at": item.opened_at,
    }


class ReviewEmail(dg.ConfigurableResource):
    """SMTP settings for review e-mails, from the environment (`ICBT_SMTP_*`,
    pipelines.settings.Environment); no host means no e-mail. The password stays in the
    environment (read when sending), so Dagster's UI, which shows resource settings,
    never holds it."""

    host: str | None = None
    port: int = 25
    user: str | None = None
    starttls: bool = False
    sender: str = ""
    recipients: str = ""
    dashboard_url: str = ""
    timeout_seconds: float = 10.0

    @classmethod
    def from_environment(cls, rules: ReviewRules | None = None) -> ReviewEmail:
        email = (rules or load_review_rules()).email
        environment = Environment.read()
        return cls(
            host=environment.smtp_host,
            port=environment.smtp_port or email.default_port,
            user=environment.smtp_user,
            starttls=environment.smtp_starttls,
            sender=environment.alert_email_from,
            recipients=environment.alert_email_to,
            dashboard_url=environment.dashboard_url.rstrip("/"),
            timeout_seconds=email.timeout_seconds,
        )

    def notifier(self) -> EmailNotifier | None:
        recipients = tuple(r.strip() for r in self.recipients.split(",") if r.strip())
        if not self.host or not recipients or not self.sender:
            return None
        return EmailNotifier(
            host=self.host,
            port=self.port,
            sender=self.sender,
            recipients=recipients,
            user=self.user,
            password=reveal(Environment.read().smtp_password),
            starttls=self.starttls,
            timeout_seconds=self.timeout_seconds,
        )

    def link(self, program_id: str) -> str:
        """The Safety page filtered to the item's program (its review queue comes first)."""
        return f"{self.dashboard_url}/safety?program={program_id}"


@dg.sensor(
    name="safety_review_email_sensor",
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails new high-priority safety review items and overdue reviews, once.",
)
def safety_review_email_sensor(
    context: dg.SensorEvaluationContext,
    publish_target: PublishTarget,
    app_database: ApplicationDatabase,
    review_email: ReviewEmail,
) -> dg.SkipReason:
    """The cursor lists the e-mails sent (`new:<item>:<reopenings>`,
    `overdue:<item>:<reopenings>`); one that fails is tried again on the next tick."""
    notifier = review_email.notifier()
    if notifier is None:
        return dg.SkipReason("No SMTP host, sender or recipients configured.")
    register = published_register(Path(publish_target.published_database))
    if register is None:
        return dg.SkipReason("No published signal register yet.")
    sent = set(json.loads(context.cursor)["sent"]) if context.cursor else set()
    before = len(sent)
    try:
        send_review_emails(app_database, register, notifier, review_email, sent)
    except NotificationError as exc:
        context.log.warning(f"Review e-mail failed, will retry: {exc}")
    finally:
        context.update_cursor(json.dumps({"sent": sorted(sent)}))
    return dg.SkipReason(f"Sent {len(sent) - before} review e-mail(s) with {notifier.describe()}.")


def send_review_emails(
    app_database: ApplicationDatabase,
    register: pl.DataFrame,
    notifier: EmailNotifier,
    review_email: ReviewEmail,
    sent: set[str],
    now: datetime | None = None,
) -> int:
    """Send what is due, adding each delivered key to `sent` (so a failure part-way
    keeps what was delivered); how many were sent. Raises NotificationError."""
    rules = load_review_rules()
    evidence = register_evidence(register)
    as_of = register["as_of_month"].max() or datetime.now(UTC).date()
    database = app_database.open()
    try:
        items = {item.item_id: item for item in ReviewStore(database).items()}
    finally:
        database.dispose()
    due = emails_due(
        [i.view() for i in items.values()], evidence, now or datetime.now(UTC), rules, sent
    )
    count = 0
    for key, reason, view in due:
        item = items[view.item_id]
        summary = item_summary(item, evidence, as_of, rules)
        notifier.notify(review_payload(summary, reason, review_email.link(item.program_id)))
        sent.add(key)
        count += 1
    return count
