"""Loading the landing zone into a real DuckDB file: exactly once, reconciled, atomic."""

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingestion.loader import LandingLoader
from pipelines.sql import read_sql, run_sql

PROGRAM = (
    "program_id,program_name,delivery_mode,therapist_trained_in_chronic_pain,length_weeks,"
    "module_count,topics,funding,reimbursement_eligibility,province,status\n"
    "ICBT01,Test program,self_guided,false,8,6,pain_education;sleep,public,free_at_point_of_care,ON,available\n"
)
EPISODES_HEADER = (
    "patient_key,episode_key,program_id,referral_source,referral_date,enrolment_date,start_date,"
    "end_date,discharge_reason,age_band,sex,rurality,language,readiness_stage\n"
)


def _episode(key: str, sex: str = "female") -> str:
    return f"P{key},E{key},ICBT01,self,2026-01-02,2026-01-03,2026-01-05,,,25-34,{sex},urban,en,action\n"


def _write(landing: Path, relative: str, text: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    _write(root, "ICBT01/2026-01/programs.csv", PROGRAM)
    _write(
        root,
        "ICBT01/2026-01/episodes.csv",
        EPISODES_HEADER + _episode("1") + _episode("2") + _episode("3", sex="X"),
    )
    _write(
        root,
        "ICBT01/2026-01/prom_responses.csv",
        "episode_key,instrument,administered_date,item_number,value\n"
        "E1,PHQ9,2026-01-05,1,2\nE1,PHQ9,2026-01-05,2,1\nE3,PHQ9,2026-01-05,1,1\n",
    )
    return root


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()


def _load(con, landing: Path):
    return LandingLoader(con, b"k" * 32, today=date(2026, 6, 30), run_id="test").load(landing)


def _count(con, table: str) -> int:
    return con.execute(read_sql("meta/table_row_count.sql"), {"table_name": table}).fetchall()[0][0]


def _reconciles(con) -> bool:
    [(violations, _)] = run_sql(
        con, read_sql("checks/ingest_load_ledger__rows_reconcile.sql")
    ).fetchall()
    return violations == 0


def test_every_row_loaded_or_quarantined_and_counts_reconcile(con, landing):
    report = _load(con, landing)
    assert [f.outcome for f in report.loaded] == [
        "loaded",
        "loaded_with_quarantine",
        "loaded_with_quarantine",
    ]
    assert report.rows_read == 7 and report.rows_loaded == 5 and report.rows_quarantined == 2
    assert (_count(con, "raw_episodes"), _count(con, "raw_prom_responses")) == (2, 2)
    reasons = con.execute(
        "SELECT source_file, source_row, field, reason FROM ingest_quarantine ORDER BY ALL"
    ).fetchall()
    assert reasons == [
        (
            "ICBT01/2026-01/episodes.csv",
            3,
            "sex",
            "'X' is not one of: female, male, other, not_stated",
        ),
        (
            "ICBT01/2026-01/prom_responses.csv",
            3,
            "episode_key",
            "episode_key does not match any episode of this program",
        ),
    ]
    assert _reconciles(con)


def test_identical_redelivery_changes_nothing(con, landing):
    _load(con, landing)
    before = con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall()
    report = _load(con, landing)
    assert report.loaded == [] and len(report.unchanged) == 3
    assert con.execute("SELECT count(*) FROM ingest_load_ledger").fetchall() == before
    assert _count(con, "raw_episodes") == 2


def test_corrected_redelivery_replaces_the_batch(con, landing):
    _load(con, landing)
    _write(
        landing,
        "ICBT01/2026-01/episodes.csv",
        EPISODES_HEADER + _episode("1") + _episode("2") + _episode("3") + _episode("4"),
    )
    report = _load(con, landing)
    assert [f.table for f in report.loaded] == ["episodes"]
    assert _count(con, "raw_episodes") == 4
    assert con.execute(
        "SELECT count(*) FROM ingest_quarantine WHERE table_name = 'episodes'"
    ).fetchall() == [(0,)]
    superseded = con.execute(
        "SELECT count(*) FROM ingest_load_ledger WHERE superseded_at IS NOT NULL"
    ).fetchall()
    assert superseded == [(1,)]
    assert _reconciles(con)


def test_unknown_column_refuses_the_whole_file(con, landing):
    _write(
        landing,
        "ICBT01/2026-02/episodes.csv",
        EPISODES_HEADER.replace("\n", ",colour\n") + _episode("9").replace("\n", ",blue\n"),
    )
    report = _load(con, landing)
    refused = [f for f in report.loaded if f.outcome == "refused"]
    assert len(refused) == 1 and "unknown column(s) 'colour'" in refused[0].message
    assert refused[0].rows_read == refused[0].rows_quarantined == 1
    assert "blue" not in str(con.execute("SELECT * FROM ingest_quarantine").fetchall())
    assert _reconciles(con)


def test_failure_inside_a_load_leaves_the_previous_state(con, landing, monkeypatch):
    _load(con, landing)
    _write(landing, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + _episode("1") + _episode("5"))

    def crash(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("pipelines.ingestion.loader._quarantine_rows", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        _load(con, landing)
    assert _count(con, "raw_episodes") == 2
    assert con.execute(
        "SELECT count(*) FROM ingest_load_ledger WHERE superseded_at IS NOT NULL"
    ).fetchall() == [(0,)]
    monkeypatch.undo()
    _load(con, landing)
    assert _count(con, "raw_episodes") == 2 and _reconciles(con)
