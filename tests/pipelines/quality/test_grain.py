"""Grain checks: the generic SQL gives known answers, every table a run builds declares its
grain, and a broken grain fails a real Dagster check and stops publication."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import build_definitions
from pipelines.lake import PROGRAM_MODELS
from pipelines.modelling.assets import ALL_PROGRAMS_GRAIN
from pipelines.publishing.assets import PublishTarget, published_warehouse_asset
from pipelines.quality.grain import (
    GRAIN_PREFIXES,
    AcceptedValues,
    Grain,
    GrainDeclarationError,
    declared_grain,
    evaluate_grain,
    grain_models,
    parse_grain,
)
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.sql import read_sql, run_sql
from tests.conftest import needs_demo_build, settings_for

ROWS = [
    # program_id, scale, timepoint, value
    ("P1", "total", "post_treatment", 1.0),
    ("P1", "total", "post_treatment", 2.0),
    ("P1", "total", "post_treatment", 3.0),
    ("P2", "total", "post_treatment", 4.0),
    ("P2", None, "follow_up", 5.0),
    ("P3", "total", "someday", 6.0),
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    with duckdb.connect() as con:
        con.execute(
            "CREATE TABLE mart_example (program_id VARCHAR, scale VARCHAR, timepoint VARCHAR,"
            " value DOUBLE)"
        )
        con.executemany("INSERT INTO mart_example VALUES (?, ?, ?, ?)", ROWS)
        con.execute("CREATE TABLE ref_timepoint_windows (timepoint VARCHAR)")
        con.execute(
            "INSERT INTO ref_timepoint_windows VALUES ('baseline'), ('post_treatment'),"
            " ('follow_up')"
        )
        yield con


def test_key_summary_counts_duplicates_and_empty_keys(con):
    grain = Grain("mart_example", ("program_id", "scale", "timepoint"))
    result = evaluate_grain(con, grain)
    assert (result.row_count, result.duplicate_keys, result.duplicated_rows) == (6, 1, 3)
    assert result.null_key_rows == 1
    assert result.duplicate_examples == (
        ('{"program_id":"P1","scale":"total","timepoint":"post_treatment"}', 3),
    )
    assert not result.passed


def test_an_optional_key_column_may_be_empty_but_still_distinguishes_rows(con):
    grain = Grain("mart_example", ("program_id", "scale", "value"), optional=("scale",))
    result = evaluate_grain(con, grain)
    assert (result.duplicate_keys, result.null_key_rows) == (0, 0)
    assert result.passed


def test_accepted_values_come_from_a_reference_table_or_the_contract(con):
    grain = Grain(
        "mart_example",
        ("program_id", "scale", "timepoint", "value"),
        accepted=(
            AcceptedValues("timepoint", reference=("ref_timepoint_windows", "timepoint")),
            AcceptedValues("scale", contract_field=("episodes", "sex")),
        ),
    )
    result = evaluate_grain(con, grain)
    timepoint, scale = result.columns
    assert (timepoint.checked_rows, timepoint.unaccepted_rows) == (6, 1)
    assert timepoint.unaccepted_values == ("someday",)
    assert (scale.checked_rows, scale.unaccepted_rows, scale.unaccepted_values) == (
        5,
        5,
        ("total",),
    )
    assert scale.source == "contract episodes.sex"
    assert not result.passed


def test_a_key_naming_a_person_is_counted_never_shown(con):
    con.execute("CREATE TABLE int_example AS SELECT 7::BIGINT AS episode_id FROM range(2)")
    result = evaluate_grain(con, Grain("int_example", ("episode_id",)))
    assert (result.duplicate_keys, result.duplicated_rows) == (1, 2)
    assert result.duplicate_examples == ()
    assert "duplicate_key_examples" not in result.metadata()


def test_a_declared_key_column_that_does_not_exist_is_an_error(con):
    with pytest.raises(duckdb.BinderException, match="not found"):
        evaluate_grain(con, Grain("mart_example", ("program_id", "modality")))


def test_the_grain_line_is_parsed_from_the_opening_comment():
    sql = (
        "-- Grain (program_id, module_number?, timepoint): one row per program, module\n"
        "-- and timepoint.\n"
        "-- Accepted values of timepoint: ref_timepoint_windows.timepoint.\n"
        "-- Accepted values of delivery_mode: contract programs.delivery_mode.\n"
        "-- Purpose: an example.\n"
        "SELECT 1;\n"
        "-- Grain (ignored): after the opening comment.\n"
    )
    grain = parse_grain("mart_example", sql)
    assert grain.key == ("program_id", "module_number", "timepoint")
    assert grain.optional == ("module_number",)
    assert grain.required == ("program_id", "timepoint")
    assert [a.source for a in grain.accepted] == [
        "ref_timepoint_windows.timepoint",
        "contract programs.delivery_mode",
    ]


@pytest.mark.parametrize(
    "opening",
    [
        "-- Grain: one row per program.\n",
        "-- Grain (program_id, program_id): twice.\n",
        "-- Grain (program_id): ok.\n-- Accepted values of status: contract programs.nothing.\n",
        "-- Grain (program_id): ok.\n-- Accepted values of status: config/somewhere.\n",
        "-- Grain (program_id?): every key column optional.\n",
    ],
)
def test_a_missing_or_malformed_declaration_is_refused(opening):
    with pytest.raises(GrainDeclarationError):
        parse_grain("mart_example", opening + "SELECT 1;\n")


def test_every_table_the_pipeline_builds_declares_its_grain(tmp_path):
    """A new staging, intermediate, mart or safety table without a grain line fails here
    (and `build_definitions` refuses to load)."""
    defs = build_definitions(settings_for(tmp_path))
    tables = {
        key.to_user_string()
        for key in defs.resolve_asset_graph().get_all_asset_keys()
        if key.to_user_string().startswith(GRAIN_PREFIXES)
    }
    assert tables == set(grain_models())
    for table in sorted(tables):
        assert declared_grain(table).required, table
    checks = {k for k in defs.resolve_asset_graph().asset_check_keys if k.name == "grain"}
    assert {k.asset_key.to_user_string() for k in checks} == tables


MART = "mart_item9_response_times"


def _mart_writer(rows: list[tuple]) -> dg.AssetsDefinition:
    """A stand-in for the mart's own asset: writes the given rows into a table shaped by
    the mart's declared key, then evaluates the real grain check in its step, as every
    asset writing a table does, so the real check and publication run on it."""

    @dg.asset(name=MART, check_specs=grain_check_specs(MART))
    def _mart(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            con.execute(
                "CREATE OR REPLACE TABLE mart_item9_response_times (program_id VARCHAR,"
                " trigger_type VARCHAR, month DATE)"
            )
            con.executemany("INSERT INTO mart_item9_response_times VALUES (?, ?, ?)", rows)
            return dg.MaterializeResult(check_results=[grain_check_result(con, MART)])

    return _mart


def _build(tmp_path: Path, rows: list[tuple]) -> tuple[dg.ExecuteInProcessResult, Path]:
    """The mart with its real grain check and the real publication, in one Dagster run over
    a build database that has the load ledger publication stamps from."""
    tmp_path.mkdir()
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        run_sql(con, read_sql("ingestion/create_ingest_tables.sql"))
    published = tmp_path / "warehouse" / "observatory.duckdb"
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [
                _mart_writer(rows),
                published_warehouse_asset([dg.AssetKey(MART)]),
            ],
            instance=instance,
            resources={
                "warehouse": Warehouse(database=str(build)),
                "publish_target": PublishTarget(published_database=str(published)),
            },
            raise_on_error=False,
        )
    return result, published


def test_a_duplicated_key_fails_the_grain_check_and_blocks_publication(tmp_path):
    assert declared_grain(MART).key == ("program_id", "trigger_type", "month")
    row = ("P1", "item9_answer", "2026-03-01")
    clean, published = _build(tmp_path / "clean", [row, ("P1", "item9_answer", "2026-04-01")])
    assert clean.success and published.exists()
    [check] = clean.get_asset_check_evaluations()
    assert check.passed and check.metadata["rows"].value == 2

    broken, published = _build(tmp_path / "broken", [row, row])
    [check] = broken.get_asset_check_evaluations()
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["duplicate_keys"].value == 1
    key = dict(zip(declared_grain(MART).key, row, strict=True))
    assert check.metadata["duplicate_key_examples"].value == [{"key": key, "rows": 2}]
    assert not broken.success
    materialized = {e.asset_key for e in broken.get_asset_materialization_events()}
    assert dg.AssetKey("published_warehouse") not in materialized
    assert not published.exists()


@needs_demo_build
def test_the_demo_build_passes_a_grain_check_on_every_published_table(demo_build):
    """Every published staging, intermediate, mart and safety table declares a grain and
    passed its check; per-program tables in every program run and again, over all
    programs, in the national run that published (`grain_all_programs`)."""
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        published = {
            name
            for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            if name.startswith(GRAIN_PREFIXES)
        }
    assert published == set(grain_models())
    evaluations = [
        c
        for c in demo_build.result.check_evaluations
        if c.check_name in ("grain", ALL_PROGRAMS_GRAIN)
    ]
    assert all(c.passed for c in evaluations), [
        c.asset_key.to_user_string() for c in evaluations if not c.passed
    ]
    runs = Counter((c.asset_key.to_user_string(), c.check_name) for c in evaluations)
    assert {table for table, _ in runs} == published
    programs = len(demo_build.truth.programs)
    assert {runs[table, "grain"] for table in PROGRAM_MODELS} == {programs}
    assert {runs[table, ALL_PROGRAMS_GRAIN] for table in PROGRAM_MODELS} == {1}
    assert {runs[table, "grain"] for table in published - set(PROGRAM_MODELS)} == {1}
    assert {table for table, check in runs if check == ALL_PROGRAMS_GRAIN} == set(PROGRAM_MODELS)
