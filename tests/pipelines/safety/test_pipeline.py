"""Safety surveillance inside the real Dagster run: documented tables, checks that warn
and fail on open signals without blocking publication, a register that persists and is
idempotent across runs, and an alert sensor that announces each new signal once."""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import duckdb
import pytest

from pipelines.publishing.assets import PublishTarget
from pipelines.resources import Warehouse
from pipelines.safety.assets import SafetyAlerts, safety_alert_sensor, safety_assets
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build

SAFETY_TABLES = (
    "ref_safety_policy",
    "ref_safety_indicators",
    "safety_units",
    "mart_safety_reference",
    "mart_item9_response_times",
    "mart_safety_process_standards",
    "mart_safety_indicators",
    "mart_safety_funnel",
    "mart_safety_cusum",
    "mart_adverse_events",
    "safety_signal_register",
)


@pytest.fixture(scope="module")
def published(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        yield con


def _copy(demo_build, tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copyfile(demo_build.settings.published_database, target)
    return target


def test_safety_tables_are_published_and_documented(published):
    tables = dict(
        published.execute(
            "SELECT table_name, comment FROM duckdb_tables() WHERE table_name IN "
            "(SELECT unnest($names))",
            {"names": list(SAFETY_TABLES)},
        ).fetchall()
    )
    assert set(tables) == set(SAFETY_TABLES)
    assert all(comment for comment in tables.values())
    assert "unsuppressed" in tables["mart_safety_indicators"]


def test_every_unit_has_a_reference_and_the_marts_add_up(published):
    [(missing,)] = published.execute(
        "SELECT count(*) FROM safety_units WHERE expected IS NULL AND indicator IN "
        "('phq9_reliable_deterioration', 'gad7_reliable_deterioration', "
        "'pain_interference_reliable_deterioration')"
    ).fetchall()
    assert missing == 0
    [(units, events)] = published.execute(
        "SELECT count(*), count(*) FILTER (event) FROM safety_units"
    ).fetchall()
    [(n, observed)] = published.execute(
        "SELECT sum(n), sum(observed) FROM mart_safety_indicators"
    ).fetchall()
    assert (units, events) == (n, observed)


def test_self_guided_programs_are_held_to_their_own_standard(published):
    """Self-guided programs have no therapist: the follow-up standard that applies to them
    is recorded once per program, their breaches of the therapist standard are counted
    but open no signal, and guided programs are still judged. (That the planted harm is
    still found is tested on the full demo in test_operating_characteristics.py: this
    small demo's plant is too weak for either method.)"""
    standards = published.execute(
        "SELECT program_id, standard, measured FROM mart_safety_process_standards "
        "WHERE delivery_mode = 'self_guided' AND indicator = 'item9_follow_up_breach'"
    ).fetchall()
    self_guided = [program for program, _, _ in standards]
    assert len(self_guided) == len(set(self_guided)) > 0
    assert {(standard, measured) for _, standard, measured in standards} == {
        ("automated_crisis_pathway", False)
    }
    [(counted, breaches, compared)] = published.execute(
        "SELECT count(*), count(*) FILTER (event), count(expected) FROM safety_units "
        "WHERE indicator = 'item9_follow_up_breach' AND program_id IN (SELECT unnest($p))",
        {"p": self_guided},
    ).fetchall()
    assert counted > 0 and breaches > 0 and compared == 0
    signals = published.execute(
        "SELECT program_id FROM safety_signal_register WHERE indicator = 'item9_follow_up_breach'"
    ).fetchall()
    assert signals, "guided programs are still judged against the therapist standard"
    assert not [s for (s,) in signals if s in self_guided]


def test_checks_warn_and_fail_on_open_signals_without_blocking(demo_build, published):
    assert demo_build.result.success
    checks = {
        c.check_name: c
        for c in demo_build.result.get_asset_check_evaluations()
        if c.asset_key == dg.AssetKey("safety_signal_register")
    }
    [(open_signals, open_severe)] = published.execute(
        "SELECT count(*), count(*) FILTER (severe) FROM safety_signal_register "
        "WHERE status IN ('new', 'ongoing')"
    ).fetchall()
    warn, error = checks["no_open_signals"], checks["no_open_severe_signals"]
    assert warn.severity == dg.AssetCheckSeverity.WARN
    assert error.severity == dg.AssetCheckSeverity.ERROR
    assert warn.passed == (open_signals == 0)
    assert error.passed == (open_severe == 0)
    assert warn.metadata["open_signals"].value == open_signals
    assert open_severe > 0, "the demo's follow-up gaps are severe signals"


def _materialize(database: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(safety_assets, resources={"warehouse": Warehouse(database=str(database))})


def _register(database: Path) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "SELECT signal_id, signal_number, status, opened_month, first_recorded_run_id "
            "FROM safety_signal_register ORDER BY signal_number"
        ).fetchall()


def test_register_persists_and_rerunning_the_same_data_adds_nothing(demo_build, tmp_path):
    database = _copy(demo_build, tmp_path, "build.duckdb")
    before = _register(database)
    assert before and {s for _, _, s, _, _ in before} <= {"new", "resolved"}
    first = _materialize(database)
    second = _materialize(database)
    assert first.success and second.success
    simulated = [
        event.materialization.metadata["simulated"].value
        for event in second.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey("safety_cusum_thresholds")
    ]
    assert simulated == [0], "unchanged data reuse every cached CUSUM threshold"
    after = _register(database)
    assert [r[0] for r in after] == [r[0] for r in before]
    assert [r[1] for r in after] == [r[1] for r in before]
    assert [r[4] for r in after] == [r[4] for r in before]  # first run that recorded it
    for (_, _, was, _, _), (_, _, now, _, _) in zip(before, after, strict=True):
        assert now == ("ongoing" if was == "new" else was)


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def _tick(published: Path, alerts: SafetyAlerts, cursor: str | None = None):
    context = dg.build_sensor_context(
        cursor=cursor,
        resources={
            "publish_target": PublishTarget(published_database=str(published)),
            "safety_alerts": alerts,
        },
    )
    return safety_alert_sensor(context), context.cursor


def _announced(published: Path) -> list[str]:
    with duckdb.connect(str(published), read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT signal_id FROM safety_signal_register WHERE announce ORDER BY signal_number"
            ).fetchall()
        ]


def test_sensor_writes_each_new_signal_once_to_the_local_file(demo_build, tmp_path):
    published = _copy(demo_build, tmp_path, "observatory.duckdb")
    alerts = SafetyAlerts(alerts_file=str(tmp_path / "reports" / "safety_alerts.jsonl"))
    expected = _announced(published)
    assert expected
    result, cursor = _tick(published, alerts)
    assert isinstance(result, dg.SkipReason)
    lines = [json.loads(x) for x in (tmp_path / "reports" / "safety_alerts.jsonl").open()]
    assert [line["signal_id"] for line in lines] == expected
    assert "episode_id" not in json.dumps(lines) and "patient_id" not in json.dumps(lines)
    _, cursor_after = _tick(published, alerts, cursor)
    assert len((tmp_path / "reports" / "safety_alerts.jsonl").read_text().splitlines()) == len(
        expected
    )
    assert json.loads(cursor_after)["announced"] == sorted(expected)


def test_sensor_posts_to_a_webhook(demo_build, tmp_path):
    published = _copy(demo_build, tmp_path, "observatory.duckdb")
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/safety"
        alerts = SafetyAlerts(webhook_url=url, alerts_file=str(tmp_path / "unused.jsonl"))
        _, cursor = _tick(published, alerts)
        _tick(published, alerts, cursor)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert [body["signal_id"] for body in _Hook.received] == _announced(published)
    assert {body["kind"] for body in _Hook.received} == {"icbt_observatory.safety_signal"}
    assert not (tmp_path / "unused.jsonl").exists()


def test_sensor_keeps_undelivered_signals_for_the_next_tick(demo_build, tmp_path):
    published = _copy(demo_build, tmp_path, "observatory.duckdb")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    url = f"http://127.0.0.1:{server.server_address[1]}/safety"
    server.server_close()  # nothing listens: every delivery fails
    alerts = SafetyAlerts(webhook_url=url, alerts_file="unused", retries=0, timeout_seconds=1)
    _, cursor = _tick(published, alerts)
    assert json.loads(cursor)["announced"] == []


def test_sensor_skips_until_a_warehouse_is_published(tmp_path):
    alerts = SafetyAlerts(alerts_file=str(tmp_path / "alerts.jsonl"))
    result, _ = _tick(tmp_path / "missing.duckdb", alerts)
    assert "No published" in result.skip_message
