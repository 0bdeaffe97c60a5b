"""Lineage read from parsed SQL: what counts as a table a query reads, and what does not.

The known answers name things like warehouse tables on purpose (a CTE, a column, a
parameter, an alias), which is what a pattern over identifiers mistook for tables.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from pipelines.definitions import build_definitions
from pipelines.modelling.assets import SQL_LAYERS
from pipelines.sql import (
    SOURCE_FRAME,
    SqlModel,
    load_models,
    read_sql,
    referenced_tables,
    sql_dir,
)
from tests.conftest import settings_for

KNOWN_ANSWERS = {
    "a CTE named like a table is not a table, the table it reads is": (
        """
        WITH staging_episodes AS (SELECT * FROM raw_episodes WHERE program_id = 'p1')
        SELECT * FROM staging_episodes
        """,
        ("raw_episodes",),
    ),
    "a column and an alias named like tables are not tables": (
        """
        SELECT e.raw_score AS mart_score, int_flag
        FROM staging_episodes AS e
        """,
        ("staging_episodes",),
    ),
    "a parameter named like a table is not a table": (
        "SELECT * FROM staging_programs WHERE program_id = $ref_program AND x = ?",
        ("staging_programs",),
    ),
    "tables inside a subquery in FROM and in WHERE are read": (
        """
        SELECT *
        FROM (SELECT episode_id FROM int_episode_outcomes) AS outcomes
        WHERE episode_id IN (SELECT episode_id FROM staging_episodes)
          AND EXISTS (SELECT 1 FROM ref_scales)
        """,
        ("int_episode_outcomes", "ref_scales", "staging_episodes"),
    ),
    "every side of a join is read": (
        """
        SELECT *
        FROM staging_episodes AS e
        JOIN staging_programs AS p USING (program_id)
        LEFT JOIN int_reporting_units u ON u.episode_id = e.episode_id
        """,
        ("int_reporting_units", "staging_episodes", "staging_programs"),
    ),
    "a table function is not a table, its arguments are not either": (
        "SELECT * FROM read_parquet($raw_files) JOIN range(3) AS r ON true, staging_scores",
        ("staging_scores",),
    ),
    "the created and documented table is written, not read": (
        """
        CREATE OR REPLACE TABLE mart_x AS SELECT * FROM int_y;
        COMMENT ON TABLE mart_x IS 'Reads int_z, says the comment, in a string';
        COMMENT ON COLUMN mart_x.raw_value IS 'from raw_values';
        """,
        ("int_y",),
    ),
    "the target of a DELETE is written, its subquery read": (
        "DELETE FROM raw_episodes WHERE ledger_id NOT IN (SELECT ledger_id FROM ingest_load_ledger)",
        ("ingest_load_ledger",),
    ),
    "inside its own definition a CTE's name means the table": (
        """
        WITH int_scores AS (SELECT * FROM int_scores WHERE valid),
             later AS (SELECT * FROM int_scores)
        SELECT * FROM later
        """,
        ("int_scores",),
    ),
    "a recursive CTE's name means the CTE inside its own definition too": (
        """
        WITH RECURSIVE int_steps AS (
            SELECT 1 AS n UNION ALL SELECT n + 1 FROM int_steps WHERE n < 3
        )
        SELECT * FROM int_steps CROSS JOIN staging_programs
        """,
        ("staging_programs",),
    ),
    "a CTE is in scope only in its own query, not in a sibling subquery": (
        """
        SELECT *
        FROM (WITH ref_a AS (SELECT 1 AS x) SELECT * FROM ref_a) AS first_part,
             ref_a
        """,
        ("ref_a",),
    ),
    "comments mention no table": (
        "-- reads raw_episodes\nSELECT 1 /* and mart_hidden */ FROM staging_programs",
        ("staging_programs",),
    ),
}


@pytest.mark.parametrize("case", KNOWN_ANSWERS, ids=str)
def test_referenced_tables_known_answers(case: str) -> None:
    sql, expected = KNOWN_ANSWERS[case]
    assert referenced_tables(sql) == expected


def test_a_frame_fed_model_reads_source_frame_and_nothing_of_the_warehouse() -> None:
    frame_fed = [m for layer in SQL_LAYERS for m in load_models(layer) if m.is_frame_fed]
    assert frame_fed, "the outcome and effectiveness marts are frame-fed"
    for model in frame_fed:
        assert SOURCE_FRAME in referenced_tables(model.sql)
        assert SOURCE_FRAME not in model.upstream


def test_a_frame_fed_models_source_schema_is_its_casts_in_order() -> None:
    sql = (
        "CREATE OR REPLACE TABLE t AS SELECT CAST(name AS VARCHAR) AS name, "
        "CAST(n AS BIGINT) AS n, CAST(ids AS VARCHAR[]) AS ids, CAST(d AS DATE) AS d "
        "FROM source_frame"
    )
    model = SqlModel("t", "marts", Path("t.sql"), sql, "")
    assert model.source_schema == {
        "name": pl.String(),
        "n": pl.Int64(),
        "ids": pl.List(pl.String()),
        "d": pl.Date(),
    }
    for model in (m for layer in SQL_LAYERS for m in load_models(layer) if m.is_frame_fed):
        assert model.source_schema, model.name  # every cast has a polars type


@pytest.fixture(scope="module")
def asset_graph(tmp_path_factory: pytest.TempPathFactory):
    defs = build_definitions(settings_for(tmp_path_factory.mktemp("lineage")))
    return defs.get_repository_def().asset_graph


def test_every_sql_file_parses_and_reads_only_assets_or_frames(asset_graph) -> None:
    """Every model's, query's and check's tables are assets of the code location (or the
    frame a Python asset hands over); a misparsed file or a table no asset makes fails."""
    assets = {key.to_user_string() for key in asset_graph.get_all_asset_keys()}
    lineage_folders = (*SQL_LAYERS, "reference", "safety", "queries", "checks")
    unknown = {
        f"{path.relative_to(sql_dir())}: {table}"
        for folder in lineage_folders
        for path in sorted((sql_dir() / folder).rglob("*.sql"))
        for table in referenced_tables(read_sql(str(path.relative_to(sql_dir()))))
        if table not in assets and table != SOURCE_FRAME
    }
    assert not unknown


def test_model_assets_depend_on_the_tables_their_sql_reads(asset_graph) -> None:
    model = next(m for m in load_models("intermediate") if m.name == "int_episode_timepoints")
    parents = asset_graph.get(dg.AssetKey(model.name)).parent_keys
    assert {key.to_user_string() for key in parents} == set(model.upstream)
    assert model.upstream, "int_episode_timepoints reads staging tables"
