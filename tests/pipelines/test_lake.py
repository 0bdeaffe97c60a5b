"""A lake written by an earlier version keeps working: files without the columns contract
v2 added load by column name, a raw row written before contract versions were recorded
reads as v1, and `icbt run` rebuilds per-program tables that lack a current column."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.cli import prepare_dagster_home
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.ingestion.manifest import MANIFEST_NAME
from pipelines.lake import Lake, lake_schemas
from pipelines.orchestration import (
    INGEST_JOB,
    NATIONAL_JOB,
    PROGRAM_JOB,
    build_all,
    outdated_programs,
)
from tests.conftest import settings_for

CONFIG = GeneratorConfig(n_episodes=1_200, seed=5, months=4, end_month=date(2026, 4, 1))
KEPT = {"ICBT02", "ICBT03", "INPERSON_BC"}
"""Programs that send contract v1 throughout (config/demo_contract_v2.yaml), as every
program did before contract v2 existed; one in-person clinic makes the comparisons."""
ADDED_BY_V2 = (
    "device_access",
    "internet_access",
    "concurrent_physiotherapy",
    "concurrent_pain_clinic",
    "concurrent_medication_review",
    "concurrent_other_psychological",
    "stop_reason",
    "contract_version",
)
"""Columns contract v2 added to raw_episodes and staging_episodes (docs/data-contract.md,
changelog); the lake tables it added are raw_ and staging_patient_experience."""
OUTDATED = "ICBT03"
"""The program whose per-program tables are left as the earlier version wrote them."""


@pytest.fixture
def settings(tmp_path: Path):
    settings = settings_for(tmp_path / "data")
    generate(settings.landing_dir, settings.demo_dir / "truth.json", CONFIG)
    for program in settings.landing_dir.iterdir():
        if program.name not in KEPT:
            shutil.rmtree(program)
    assert not list(settings.landing_dir.glob(f"*/*/{MANIFEST_NAME}")), "all v1"
    previous = os.environ.get("DAGSTER_HOME")
    prepare_dagster_home(settings)
    yield settings
    if previous is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = previous


def _as_before_v2(lake: Lake) -> None:
    """Rewrite the lake as the code before contract v2 left it: every raw_episodes file,
    and the outdated program's staging_episodes, without v2's columns; no v2 tables."""
    con = duckdb.connect()
    try:
        files = lake.files("raw_episodes") + lake.files("staging_episodes", OUTDATED)
        for file in files:
            relation = con.read_parquet(file)
            kept = [duckdb.ColumnExpression(c) for c in relation.columns if c not in ADDED_BY_V2]
            lake.write(relation.select(*kept), Path(file))
    finally:
        con.close()
    for table in ("raw_patient_experience", "staging_patient_experience"):
        shutil.rmtree(lake.root / table, ignore_errors=True)
        assert not lake.files(table)


def _published(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.published_database), read_only=True) as con:
        return con.execute(sql).fetchall()


def _landing_episodes(landing: Path) -> int:
    con = duckdb.connect()
    try:
        total = 0
        for path in sorted(landing.glob("*/*/episodes.*")):
            if path.suffix in (".jsonl", ".ndjson"):
                total += sum(1 for line in path.read_text().splitlines() if line.strip())
            else:
                reader = con.read_parquet if path.suffix == ".parquet" else con.read_csv
                total += reader(str(path)).aggregate("count(*)").fetchall()[0][0]
        return total
    finally:
        con.close()


COUNTS = (
    "SELECT (SELECT count(*) FROM raw_episodes), (SELECT count(*) FROM staging_episodes), "
    "(SELECT count(*) FROM mart_program_outcomes), (SELECT count(*) FROM mart_comparisons)"
)
VERSIONS = (
    "SELECT 'raw', contract_version, count(*) FROM raw_episodes GROUP BY ALL "
    "UNION ALL SELECT 'staging', contract_version, count(*) FROM staging_episodes GROUP BY ALL "
    "ORDER BY ALL"
)


def test_a_lake_written_before_contract_v2_keeps_loading(settings):
    first = build_all(settings, workers=1)
    assert first.success, [run.error for run in first.failures]
    counts = _published(settings, COUNTS)
    episodes = _landing_episodes(settings.landing_dir)
    assert counts[0][0] == episodes
    lake = Lake(settings.lake_dir)
    assert outdated_programs(lake) == []

    _as_before_v2(lake)
    assert "contract_version" not in pq.read_schema(lake.files("raw_episodes")[0]).names
    # Read by column name: old and current staging files side by side, v2 columns NULL.
    with lake.connect() as con:
        current = lake.read(con, "staging_episodes")
        assert current.columns == lake_schemas()["staging_episodes"].names
        assert current.filter("contract_version IS NULL").aggregate(
            "count(DISTINCT program_id)"
        ).fetchall() == [(1,)]
        assert lake.read(con, "raw_episodes").aggregate(
            "count(*), count(*) FILTER (WHERE contract_version = 'v1')"
        ).fetchall() == [(episodes, episodes)]
    assert outdated_programs(lake) == [OUTDATED]

    # `icbt run` with no new delivery: the outdated program is rebuilt from the lake.
    second = build_all(settings, workers=1)
    assert second.success, [run.error for run in second.failures]
    assert second.pending == {OUTDATED: []}
    assert [(r.job, r.program_id) for r in second.runs] == [
        (PROGRAM_JOB, OUTDATED),
        (NATIONAL_JOB, None),
    ]
    assert _published(settings, COUNTS) == counts
    staged = counts[0][1]
    assert _published(settings, VERSIONS) == [
        ("raw", "v1", episodes),
        ("staging", "v1", staged),
    ]
    assert outdated_programs(lake) == []

    # A corrected re-delivery: its ingestion reads the program's old raw files back in.
    corrected = sorted(
        p
        for p in settings.landing_dir.glob("ICBT*/*/*.csv")
        if p.stem not in ("episodes", "programs")
    )[-1]
    corrected.write_text("".join(corrected.read_text().splitlines(keepends=True)[:-1]))
    program, month = corrected.parent.parent.name, corrected.parent.name

    third = build_all(settings, workers=1)
    assert third.success, [run.error for run in third.failures]
    assert third.pending == {program: [month]}
    assert [run.job for run in third.runs] == [INGEST_JOB, PROGRAM_JOB, NATIONAL_JOB]
    assert _published(settings, VERSIONS) == [
        ("raw", "v1", episodes),
        ("staging", "v1", staged),
    ]
