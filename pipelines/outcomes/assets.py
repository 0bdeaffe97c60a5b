"""Scores, episode outcomes and a first mart from item responses.

`write_prom_scores` runs in each program's partition (pipelines.modelling.assets); the
episode outcomes need every program's baselines (a scale's reliable change may use the
national baseline SD), so they are national.

The assets are thin: they read with SQL from `sql/queries/`, call the pure functions of
`pipelines.scoring` and `pipelines.outcomes.summaries`, and write through the frame-fed
models in `sql/intermediate/` and `sql/marts/`, which type and document the tables.
"""

import dagster as dg
import duckdb
import polars as pl

from pipelines.effectiveness.config import load_effectiveness_config
from pipelines.metadata import table_metadata
from pipelines.outcomes.summaries import summarise_change
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.scoring.change import change_parameters, classify_change, talking_therapies_episode
from pipelines.scoring.config import load_scoring_config
from pipelines.scoring.instruments import SCORE_SCHEMA, score_administrations
from pipelines.sql import model, read_sql, referenced_tables, write_frame


def _deps(*queries: str) -> list[dg.AssetKey]:
    return [dg.AssetKey(t) for q in queries for t in referenced_tables(read_sql(q))]


def write_prom_scores(con: duckdb.DuckDBPyConnection) -> int:
    """Score every administration in `staging_prom_responses` into `int_prom_scores`, one
    program at a time so memory is bounded by the largest program; returns the rows."""
    config = load_scoring_config()
    scored = []
    for (program_id,) in con.execute(read_sql("queries/programs_with_responses.sql")).fetchall():
        items = con.sql(
            read_sql("queries/program_prom_items.sql"), params={"program_id": program_id}
        ).pl()
        scored.append(score_administrations(items, config))
    frame = pl.concat(scored) if scored else pl.DataFrame(schema=SCORE_SCHEMA)
    write_frame(con, model("intermediate", "int_prom_scores"), frame)
    return frame.height


EPISODE_OUTCOME_TABLES = (
    "int_change_parameters",
    "int_episode_outcomes",
    "int_episode_talking_therapies",
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            group_name="intermediate",
            kinds={"duckdb", "polars"},
            deps=_deps("queries/baseline_and_later_scores.sql"),
            description=model("intermediate", name).description,
        )
        for name in EPISODE_OUTCOME_TABLES
    ],
    check_specs=grain_check_specs(*EPISODE_OUTCOME_TABLES),
)
def episode_outcomes(warehouse: Warehouse):
    """Classify each episode's change at post-treatment and follow-up."""
    config = load_scoring_config()
    with warehouse.connect() as con:
        pairs = con.sql(read_sql("queries/baseline_and_later_scores.sql")).pl()
        baselines = pairs.unique(["episode_id", "instrument", "scale"])
        parameters = change_parameters(config, baselines, baseline="baseline")
        outcomes = classify_change(
            pairs, config, baseline="baseline", post="later", parameters=parameters
        )
        talking_therapies = pl.concat(
            [
                talking_therapies_episode(
                    pairs.filter(pl.col("timepoint") == timepoint),
                    config,
                    keys=("episode_id", "program_id"),
                    baseline="baseline",
                    post="later",
                ).with_columns(timepoint=pl.lit(timepoint))
                for timepoint in pairs["timepoint"].unique().sort()
            ],
            how="diagonal",
        )
        for name, frame in zip(
            EPISODE_OUTCOME_TABLES, (parameters, outcomes, talking_therapies), strict=True
        ):
            write_frame(con, model("intermediate", name), frame)
            yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(con, name))
            yield grain_check_result(con, name)


@dg.asset(
    group_name="marts",
    kinds={"duckdb", "polars"},
    deps=_deps("queries/program_outcome_rows.sql"),
    description=model("marts", "mart_program_outcomes").description,
    check_specs=grain_check_specs("mart_program_outcomes"),
)
def mart_program_outcomes(warehouse: Warehouse) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        rows = con.sql(read_sql("queries/program_outcome_rows.sql")).pl()
        # The interval's level is the configured one the mart's comment names.
        confidence = load_effectiveness_config().confidence
        summary = summarise_change(rows, confidence=confidence)
        write_frame(con, model("marts", "mart_program_outcomes"), summary)
        return dg.MaterializeResult(
            metadata=table_metadata(con, "mart_program_outcomes", profile=True),
            check_results=[grain_check_result(con, "mart_program_outcomes")],
        )


outcome_assets = [episode_outcomes, mart_program_outcomes]
