"""The review inside real Dagster runs over a copy of the demo warehouse: a run opens review
items, decisions made in the application database appear in the published tables after
the next run, and the alert sensor keeps refuted items quiet until they reopen."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from appdb.reviews import ReviewStore
from pipelines.paths import PROJECT_ROOT
from pipelines.publishing.assets import PublishTarget
from pipelines.resources import Warehouse
from pipelines.safety.assets import SafetyAlerts, safety_alert_sensor
from pipelines.safety.review import PIPELINE_ACTOR, State, SyncPlan, decision_evidence
from pipelines.safety.review_assets import (
    REVIEW_AUDIT,
    REVIEWS,
    ApplicationDatabase,
    safety_signal_reviews,
)
from tests.appdb.conftest import postgres_server  # noqa: F401 (the PostgreSQL fixture)
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build
GUIDE = PROJECT_ROOT / "docs" / "researchers.md"


def _copy(demo_build, tmp_path: Path) -> Path:
    target = tmp_path / "observatory.duckdb"
    shutil.copyfile(demo_build.settings.published_database, target)
    return target


def _run(database: Path, app: ApplicationDatabase) -> None:
    result = dg.materialize(
        [safety_signal_reviews],
        resources={"warehouse": Warehouse(database=str(database)), "app_database": app},
    )
    assert result.success


def _open_signals(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            "SELECT signal_id FROM safety_signal_register WHERE status IN ('new', 'ongoing')"
        ).fetchall()
    return sorted(r[0] for r in rows)


def _register_rows(database: Path, signal_ids: list[str]) -> list[dict]:
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.sql("SELECT * FROM safety_signal_register").pl()
    return [r for r in frame.iter_rows(named=True) if r["signal_id"] in signal_ids]


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> ApplicationDatabase:
    """The application database of each kind (PostgreSQL from tests/appdb's server)."""
    if request.param == "sqlite":
        return ApplicationDatabase(url=f"sqlite:///{tmp_path / 'app' / 'app.sqlite3'}")
    server = request.getfixturevalue("postgres_server")
    return ApplicationDatabase(url=server.url(server.create_database()))


def _decide(app: ApplicationDatabase, database: Path) -> tuple[int, int]:
    """An analyst refutes the first item and confirms the second; their ids."""
    db = app.open()
    try:
        store = ReviewStore(db)
        first, second = store.items()[:2]
        for item, path in (
            (first, [State.UNDER_VALIDATION, State.REFUTED]),
            (
                second,
                [
                    State.UNDER_VALIDATION,
                    State.VALIDATED,
                    State.UNDER_ASSESSMENT,
                    State.CONFIRMED_RISK,
                ],
            ),
        ):
            evidence = decision_evidence(
                _register_rows(database, [s.signal_id for s in item.signals])
            )
            for target in path:
                item = store.transition(
                    item.item_id,
                    seen_version=item.version,
                    target=target,
                    actor="ana",
                    rationale=f"{target}: read the funnel and the CUSUM",
                    assignee="ana",
                    action="Review the crisis pathway" if target is State.CONFIRMED_RISK else None,
                    snapshot_id="2026-12-07.1",
                    evidence=evidence,
                )
        return first.item_id, second.item_id
    finally:
        db.dispose()


def test_a_run_opens_items_and_the_next_run_publishes_the_decisions(demo_build, tmp_path, app):
    database = _copy(demo_build, tmp_path)
    _run(database, app)
    with duckdb.connect(str(database), read_only=True) as con:
        reviewed = sorted(r[0] for r in con.execute(f"SELECT signal_id FROM {REVIEWS}").fetchall())
        states = {r[0] for r in con.execute(f"SELECT review_state FROM {REVIEWS}").fetchall()}
        (items,) = con.execute(f"SELECT count(DISTINCT item_id) FROM {REVIEWS}").fetchone()
        creators = {r[0] for r in con.execute(f"SELECT changed_by FROM {REVIEW_AUDIT}").fetchall()}
    assert reviewed == _open_signals(database), "every open signal has a review item"
    assert states == {"new"} and creators == {PIPELINE_ACTOR}
    assert items < len(reviewed), "related signals of one program share an item"

    refuted, confirmed = _decide(app, database)
    _run(database, app)  # the next run
    with duckdb.connect(str(database), read_only=True) as con:
        decided = dict(
            con.execute(
                f"SELECT item_id, any_value(review_state) FROM {REVIEWS} "
                "WHERE item_id IN ($1, $2) GROUP BY item_id",
                [refuted, confirmed],
            ).fetchall()
        )
        action, snapshot, judged, score = con.execute(
            f"SELECT action, evidence_snapshot_id, judged_observed, priority_score "
            f"FROM {REVIEWS} WHERE item_id = $1 LIMIT 1",
            [confirmed],
        ).fetchone()
        trail = con.execute(
            f"SELECT from_state, to_state, changed_by FROM {REVIEW_AUDIT} "
            "WHERE item_id = $1 ORDER BY audit_id",
            [refuted],
        ).fetchall()
        undocumented = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE table_name IN ($1, $2) AND comment IS NULL",
            [REVIEWS, REVIEW_AUDIT],
        ).fetchall()
        secrets = con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name IN ($1, $2) "
            "AND (column_name LIKE '%password%' OR column_name LIKE '%token%')",
            [REVIEWS, REVIEW_AUDIT],
        ).fetchall()
    assert decided == {refuted: "refuted", confirmed: "confirmed_risk"}
    assert (action, snapshot) == ("Review the crisis pathway", "2026-12-07.1")
    assert judged is not None and score >= 0
    assert trail == [
        (None, "new", PIPELINE_ACTOR),
        ("new", "under_validation", "ana"),
        ("under_validation", "refuted", "ana"),
    ]
    assert undocumented == [] and secrets == []


def test_the_researchers_guide_query_shows_the_decisions(demo_build, tmp_path, app):
    database = _copy(demo_build, tmp_path)
    _run(database, app)
    _, confirmed = _decide(app, database)
    _run(database, app)
    query = next(
        q for q in re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), flags=re.S) if REVIEWS in q
    )
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.sql(query).pl()
    row = frame.filter(frame["item_id"] == confirmed).row(0, named=True)
    assert row["review_state"] == "confirmed_risk"
    assert row["action"] == "Review the crisis pathway"
    assert row["assignee"] == "ana"


def _tick(published: Path, alerts: SafetyAlerts, cursor: str | None = None):
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={
            "publish_target": PublishTarget(published_database=str(published)),
            "safety_alerts": alerts,
        },
    )
    safety_alert_sensor(context)
    return context.cursor


def test_a_refuted_item_does_not_alert_again_until_it_reopens(demo_build, tmp_path, app):
    database = _copy(demo_build, tmp_path)
    _run(database, app)
    alerts_file = tmp_path / "alerts.jsonl"
    alerts = SafetyAlerts(alerts_file=str(alerts_file), app_database_url=app.url)
    db = app.open()
    store = ReviewStore(db)
    refuted_id, _ = _decide(app, database)
    refuted = store.item(refuted_id)
    quiet = {s.signal_id for s in refuted.signals}
    cursor = _tick(database, alerts)
    announced = [json.loads(line)["signal_id"] for line in alerts_file.read_text().splitlines()]
    assert announced and not quiet & set(announced), "a refuted item stays quiet"

    # New evidence reopens it (as the next run would on a materially larger excess).
    store.apply_sync(SyncPlan([], [], {refuted_id: "excess events grew (test)"}))
    db.dispose()
    before = len(announced)
    _tick(database, alerts, cursor)
    lines = [json.loads(line) for line in alerts_file.read_text().splitlines()][before:]
    assert {line["signal_id"] for line in lines} == quiet & set(_announceable(database))
    assert all(line["reopened"] and line["review_item_id"] == refuted_id for line in lines)


def _announceable(database: Path) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT signal_id FROM safety_signal_register WHERE announce"
            ).fetchall()
        ]
