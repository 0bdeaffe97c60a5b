"""Helpers for ingestion tests: a small landing zone, a real DuckDB file, a loader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingestion.loader import LandingLoader, LoadReport
from pipelines.settings import SETTLE_ENV
from pipelines.sql import read_sql, run_sql

KEY = b"k" * 32
TODAY = date(2026, 6, 30)
PROGRAM = (
    "program_id,program_name,delivery_mode,therapist_trained_in_chronic_pain,length_weeks,"
    "module_count,topics,funding,reimbursement_eligibility,province,status\n"
    "ICBT01,Test program,self_guided,false,8,6,pain_education;sleep,public,"
    "free_at_point_of_care,ON,available\n"
)
EPISODES_HEADER = (
    "patient_key,episode_key,program_id,referral_source,referral_date,enrolment_date,"
    "start_date,end_date,discharge_reason,age_band,sex,rurality,language,readiness_stage\n"
)
PROM_HEADER = "episode_key,instrument,administered_date,item_number,value\n"


def episode(key: str, sex: str = "female", program: str = "ICBT01") -> str:
    return (
        f"P{key},E{key},{program},self,2026-01-02,2026-01-03,2026-01-05,,,25-34,{sex},"
        "urban,en,action\n"
    )


def write(landing: Path, relative: str, content: str | bytes) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def load(con: duckdb.DuckDBPyConnection, landing: Path) -> LoadReport:
    return LandingLoader(con, KEY, today=TODAY, run_id="test").load(landing)


def count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(read_sql("meta/table_row_count.sql"), {"table_name": table}).fetchall()[0][0]


def reconciles(con: duckdb.DuckDBPyConnection) -> bool:
    """The pipeline's own ERROR check: ledger counts equal the rows stored."""
    [(violations, _)] = run_sql(
        con, read_sql("checks/ingest_load_ledger__rows_reconcile.sql")
    ).fetchall()
    return violations == 0


@pytest.fixture(autouse=True)
def files_settle_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests write landing files and load them straight away; the settle time has
    its own tests (test_landing.py), which set it themselves."""
    monkeypatch.setenv(SETTLE_ENV, "0")


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """One program's first batch: its registry row and two episodes."""
    root = tmp_path / "landing"
    write(root, "ICBT01/2026-01/programs.csv", PROGRAM)
    write(root, "ICBT01/2026-01/episodes.csv", EPISODES_HEADER + episode("1") + episode("2"))
    return root


@pytest.fixture
def con(tmp_path: Path):
    connection = duckdb.connect(str(tmp_path / "build.duckdb"))
    yield connection
    connection.close()
