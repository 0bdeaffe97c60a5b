"""Data-quality checks in the style of OHDSI's Data Quality Dashboard: counts are kept,
statuses follow DQD's priority, thresholds can be re-applied without re-running, and
freshness compares each program's last delivery with its cadence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.quality.assets import (
    cadence_frame,
    dq_asset_checks,
    dq_results,
    freshness,
    freshness_check,
    ref_dq_checks,
)
from pipelines.quality.config import QualityConfigError, load_dq_checks
from pipelines.quality.dq import checks_frame, run_check, run_checks, status_of
from pipelines.resources import Warehouse
from pipelines.sql import model, read_sql, run_sql, write_frame
from tests.pipelines.ingestion.conftest import (
    EPISODES_HEADER,
    PROGRAM,
    PROM_HEADER,
    episode,
    load,
    write,
)

CHECKS = load_dq_checks()
ORPHANS = "raw_prom_responses_episode_exists"


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Two episodes with PROM rows, then a corrected episodes file that drops E2: its
    responses are orphaned, which only a check over the whole warehouse can see."""
    landing = tmp_path / "landing"
    write(landing, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1") + episode("2"))
    write(
        landing,
        "ICBT01/2026-01/prom_responses.csv",
        PROM_HEADER + "E1,PHQ9,2026-01-05,1,2\nE2,PHQ9,2026-01-05,1,1\nE2,PHQ9,2026-01-05,2,\n",
    )
    database = tmp_path / "dq.duckdb"
    with duckdb.connect(str(database)) as con:
        load(con, landing)
        write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1"))
        load(con, landing)
    return database


def _results(database: Path) -> dict[str, dict]:
    with duckdb.connect(str(database)) as con:
        frame = run_checks(con, CHECKS, run_id="t", executed_at=datetime(2026, 6, 30))
    return {row["check_id"]: row for row in frame.iter_rows(named=True)}


def test_status_priority_follows_dqd():
    assert status_of(None, None, 5, "Binder Error") == "error"
    assert status_of(0, 0, 5, None) == "not_applicable"
    assert status_of(6, 100, 5, None) == "failed"
    assert status_of(5, 100, 5, None) == "passed"


def test_checks_count_violations_and_denominators(warehouse):
    results = _results(warehouse)
    orphans = results[ORPHANS]
    assert (orphans["num_violated_rows"], orphans["num_denominator_rows"]) == (2, 3)
    assert orphans["status"] == "failed" and orphans["category"] == "conformance"
    skipped = results["raw_prom_responses_value_completeness"]
    assert (skipped["num_violated_rows"], skipped["num_denominator_rows"]) == (1, 3)
    assert skipped["status"] == "failed"  # 33% of items unanswered, threshold 5%
    # ref_instrument_items is built by another asset; absent here, the check does not apply.
    assert results["raw_prom_responses_instrument_known"]["status"] == "not_applicable"
    # No adverse events delivered at all: nothing to check.
    assert results["raw_adverse_events_episode_exists"]["status"] == "not_applicable"
    assert results["raw_episodes_primary_key"]["status"] == "passed"


def test_a_check_whose_sql_fails_is_in_error(warehouse):
    broken = next(c for c in CHECKS if c.id == ORPHANS).model_copy(
        update={
            "table": "raw_prom_responses",
            "field_name": "no_such_column",
            "ref_table": "raw_episodes",
            "ref_field": "episode_id",
        }
    )
    with duckdb.connect(str(warehouse)) as con:
        violations, denominator, error, _ = run_check(con, broken)
    assert (violations, denominator) == (None, None)
    assert "empty set of columns" in error
    assert status_of(violations, denominator, 0, error) == "error"


def test_thresholds_are_reapplied_to_stored_counts_without_rerunning(warehouse):
    with duckdb.connect(str(warehouse)) as con:
        write_frame(con, model("quality", "ref_dq_checks"), checks_frame(CHECKS))
        run_sql(con, read_sql("quality/create_dq_results.sql"))
        results = run_checks(con, CHECKS, run_id="t", executed_at=datetime(2026, 6, 30))
        write_frame(con, model("quality", "append_dq_results"), results)
        status = "SELECT status, status_when_run FROM dq_check_status WHERE check_id = ?"
        assert con.execute(status, [ORPHANS]).fetchall() == [("failed", "failed")]

        # A site accepts the orphans: threshold raised, with a note; nothing re-runs.
        relaxed = tuple(
            c.model_copy(update={"threshold_pct": 100.0, "notes": "accepted"})
            if c.id == ORPHANS
            else c
            for c in CHECKS
        )
        write_frame(con, model("quality", "ref_dq_checks"), checks_frame(relaxed))
        assert con.execute(status, [ORPHANS]).fetchall() == [("passed", "failed")]
        assert con.execute("SELECT count(*) FROM dq_results").fetchall() == [(len(CHECKS),)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  colour: blue\n", "dq_checks.yaml: checks.0.colour: unknown key"),
        ("", "needs ['field', 'ref_field', 'ref_table', 'table_name']"),
    ],
)
def test_a_misconfigured_check_fails_when_loaded(tmp_path, text, message):
    path = tmp_path / "dq_checks.yaml"
    path.write_text(
        "schema_version: 1\nchecks:\n"
        "- id: x\n  check_type: is_foreign_key\n  category: conformance\n"
        "  table: raw_episodes\n  threshold_pct: 0\n  severity: warn\n"
        "  description: d\n" + text
    )
    with pytest.raises(QualityConfigError, match=message.replace("[", r"\[")):
        load_dq_checks(path)


def test_dagster_checks_report_status_and_severity_and_freshness(warehouse):
    """The checks sit on `dq_results`, which computes them over the raw tables the
    warehouse already holds."""
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [ref_dq_checks, dq_results, dq_asset_checks, freshness, freshness_check],
            instance=instance,
            resources={"warehouse": Warehouse(database=str(warehouse))},
            raise_on_error=False,
        )
    assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert set(checks) >= {c.id for c in CHECKS} | {"programs_deliver_on_time"}
    orphans = checks[ORPHANS]
    assert not orphans.passed and orphans.severity == dg.AssetCheckSeverity.ERROR
    assert orphans.metadata["num_violated_rows"].value == 2
    skipped = checks["raw_prom_responses_value_completeness"]
    assert not skipped.passed and skipped.severity == dg.AssetCheckSeverity.WARN
    assert checks["raw_adverse_events_episode_exists"].passed  # not applicable
    assert checks["programs_deliver_on_time"].passed  # delivered just now


def test_freshness_flags_a_program_past_its_cadence(warehouse):
    later = date.today() + timedelta(days=60)
    with duckdb.connect(str(warehouse)) as con:
        write_frame(con, model("quality", "ref_delivery_cadence"), cadence_frame())
        run_sql(con, read_sql("quality/dq_freshness.sql"), {"today": later})
        assert con.execute(
            "SELECT program_id, days_since_delivery, status FROM dq_freshness"
        ).fetchall() == [("ICBT01", 60, "overdue")]
        quarterly = cadence_frame().vstack(
            cadence_frame()
            .head(1)
            .with_columns(program_id=pl.lit("ICBT01", pl.Utf8), cadence_days=pl.lit(92, pl.Int64))
        )
        write_frame(con, model("quality", "ref_delivery_cadence"), quarterly)
        run_sql(con, read_sql("quality/dq_freshness.sql"), {"today": later})
        assert con.execute("SELECT status FROM dq_freshness").fetchall() == [("fresh",)]
