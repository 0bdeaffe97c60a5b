"""Dagster assets of the contract v2 analyses computed in Python (the SQL marts
mart_patient_experience and mart_stop_reasons are plain SQL models)."""

import dagster as dg

from pipelines.context.modification import care_modification, stratified_comparisons
from pipelines.effectiveness.comparisons import Outcome
from pipelines.effectiveness.config import load_benchmarks, load_effectiveness_config
from pipelines.metadata import table_metadata
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.sql import model, model_frame, read_sql, referenced_tables, write_frame

QUERIES = (
    "queries/effectiveness_episodes.sql",
    "queries/effectiveness_programs.sql",
    "queries/effectiveness_outcomes.sql",
    "queries/context_episode_care.sql",
)


@dg.asset(
    group_name="marts",
    kinds={"duckdb", "polars"},
    deps=sorted(
        {dg.AssetKey(t) for q in QUERIES for t in referenced_tables(read_sql(q))}
        | {dg.AssetKey("ref_effectiveness_thresholds")},
        key=lambda k: k.to_user_string(),
    ),
    description=model("marts", "mart_care_modification").description,
    check_specs=grain_check_specs("mart_care_modification"),
)
def mart_care_modification(warehouse: Warehouse) -> dg.MaterializeResult:
    """Comparisons with in-person CBT by concurrent care, pooled and tested."""
    config, benchmarks = load_effectiveness_config(), load_benchmarks()
    with warehouse.connect() as con:
        episodes = con.sql(read_sql("queries/effectiveness_episodes.sql")).pl()
        programs = con.sql(read_sql("queries/effectiveness_programs.sql")).pl()
        care = con.sql(read_sql("queries/context_episode_care.sql")).pl()
        outcome_rows = con.execute(read_sql("queries/effectiveness_outcomes.sql")).fetchall()
        outcomes = [Outcome(*r) for r in outcome_rows]
        compared = stratified_comparisons(episodes, care, programs, outcomes, config, benchmarks)
        mart = model("marts", "mart_care_modification")
        write_frame(con, mart, model_frame(mart, care_modification(compared, care, config)))
        return dg.MaterializeResult(
            metadata=table_metadata(con, mart.name, profile=True),
            check_results=[grain_check_result(con, mart.name)],
        )


context_assets = [mart_care_modification]
