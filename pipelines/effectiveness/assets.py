"""Dagster assets comparing every program and delivery mode with in-person CBT.

Thin, like the outcome assets: queries in `sql/queries/`, statistics in the pure
modules of this package, tables typed and documented by the frame-fed models in
`sql/reference/` and `sql/marts/`. Checks make sure no comparison carries a bare
verdict, that only verified numbers serve as benchmarks, and that every primary
comparison has its certainty rated.
"""

import dagster as dg
import polars as pl

from pipelines.effectiveness.certainty import grade_comparison, grade_pooled
from pipelines.effectiveness.comparisons import Outcome, run_comparisons
from pipelines.effectiveness.config import load_benchmarks, load_effectiveness_config
from pipelines.effectiveness.synthesis import meta_regressions, pool, poolable
from pipelines.effectiveness.tables import benchmark_rows, threshold_rows
from pipelines.metadata import table_metadata
from pipelines.quality.grain_checks import grain_check_result, grain_check_specs
from pipelines.resources import Warehouse
from pipelines.sql import model, model_frame, read_sql, referenced_tables, write_frame

REFERENCE_TABLES = ("ref_literature_benchmarks", "ref_effectiveness_thresholds")
COMPARISON_TABLES = ("mart_comparisons", "mart_comparison_diagnostics", "mart_covariate_balance")
SYNTHESIS_TABLES = ("mart_pooled_effects", "mart_subgroup_tests", "mart_meta_regression")


def _deps(*queries: str, extra: tuple[str, ...] = ()) -> list[dg.AssetKey]:
    tables = {t for q in queries for t in referenced_tables(read_sql(q))} | set(extra)
    return [dg.AssetKey(t) for t in sorted(tables)]


def _specs(layer: str, names: tuple[str, ...], deps: list[dg.AssetKey]) -> list[dg.AssetSpec]:
    return [
        dg.AssetSpec(
            name,
            group_name="reference" if layer == "reference" else layer,
            kinds={"duckdb", "polars"},
            deps=deps,
            description=model(layer, name).description,
        )
        for name in names
    ]


@dg.multi_asset(specs=_specs("reference", REFERENCE_TABLES, []))
def effectiveness_reference(warehouse: Warehouse):
    """Literature benchmarks and comparison thresholds, reloaded from config/."""
    rows = {
        "ref_literature_benchmarks": benchmark_rows(load_benchmarks()),
        "ref_effectiveness_thresholds": threshold_rows(load_effectiveness_config()),
    }
    with warehouse.connect() as con:
        for name in REFERENCE_TABLES:
            write_frame(
                con, model("reference", name), model_frame(model("reference", name), rows[name])
            )
            yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(con, name))


@dg.multi_asset(
    specs=_specs(
        "marts",
        COMPARISON_TABLES,
        _deps(
            "queries/effectiveness_episodes.sql",
            "queries/effectiveness_programs.sql",
            "queries/effectiveness_outcomes.sql",
            extra=REFERENCE_TABLES,
        ),
    ),
    check_specs=[
        dg.AssetCheckSpec(
            "verdict_or_named_failures",
            asset="mart_comparisons",
            blocking=True,
            description="Every comparison has a verdict or names its failed diagnostics.",
        ),
        dg.AssetCheckSpec(
            "only_verified_benchmarks",
            asset="mart_comparisons",
            blocking=True,
            description="Every benchmark shown beside a comparison is evidence V.",
        ),
        *grain_check_specs(*COMPARISON_TABLES),
    ],
)
def comparisons(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Every program and delivery mode against in-person CBT, with gating diagnostics."""
    config, benchmarks = load_effectiveness_config(), load_benchmarks()
    with warehouse.connect() as con:
        episodes = con.sql(read_sql("queries/effectiveness_episodes.sql")).pl()
        programs = con.sql(read_sql("queries/effectiveness_programs.sql")).pl()
        outcomes = [
            Outcome(*r)
            for r in con.execute(read_sql("queries/effectiveness_outcomes.sql")).fetchall()
        ]
        results = list(run_comparisons(episodes, programs, outcomes, config, benchmarks))
        context.log.info(f"{len(results)} comparisons over {episodes.height} episode rows")
        rows = {
            "mart_comparisons": [r.row for r in results],
            "mart_comparison_diagnostics": [d for r in results for d in r.diagnostics],
            "mart_covariate_balance": [b for r in results for b in r.balance],
        }
        for name in COMPARISON_TABLES:
            write_frame(con, model("marts", name), model_frame(model("marts", name), rows[name]))
            yield dg.MaterializeResult(
                asset_key=name, metadata=table_metadata(con, name, profile=True)
            )
            yield grain_check_result(con, name)
        for check in ("verdict_or_named_failures", "only_verified_benchmarks"):
            [(violations, denominator)] = con.execute(
                read_sql(f"queries/check_comparisons_{check}.sql")
            ).fetchall()
            yield dg.AssetCheckResult(
                asset_key="mart_comparisons",
                check_name=check,
                passed=violations == 0,
                metadata={"violations": int(violations), "denominator": int(denominator)},
            )


@dg.multi_asset(
    specs=_specs(
        "marts",
        SYNTHESIS_TABLES,
        _deps(
            "queries/effectiveness_comparisons.sql",
            "queries/effectiveness_program_attributes.sql",
        ),
    ),
    check_specs=grain_check_specs(*SYNTHESIS_TABLES),
)
def synthesis(warehouse: Warehouse):
    """Random-effects pooling, delivery-mode subgroups and meta-regressions."""
    config = load_effectiveness_config()
    with warehouse.connect() as con:
        compared = con.sql(read_sql("queries/effectiveness_comparisons.sql")).pl()
        attributes = con.sql(read_sql("queries/effectiveness_program_attributes.sql")).pl()
        pooled, tests = pool(compared, config)
        rows = {
            "mart_pooled_effects": pooled,
            "mart_subgroup_tests": tests,
            "mart_meta_regression": meta_regressions(compared, attributes, config),
        }
        for name in SYNTHESIS_TABLES:
            write_frame(con, model("marts", name), model_frame(model("marts", name), rows[name]))
            yield dg.MaterializeResult(asset_key=name, metadata=table_metadata(con, name))
            yield grain_check_result(con, name)


@dg.asset(
    group_name="marts",
    kinds={"duckdb", "polars"},
    deps=_deps("queries/effectiveness_comparisons.sql", "queries/effectiveness_pooled.sql"),
    description=model("marts", "mart_evidence_certainty").description,
    check_specs=[
        dg.AssetCheckSpec(
            "every_primary_comparison_rated",
            asset="mart_evidence_certainty",
            blocking=True,
            description="Each primary comparison has exactly one certainty row.",
        ),
        *grain_check_specs("mart_evidence_certainty"),
    ],
)
def mart_evidence_certainty(warehouse: Warehouse):
    """GRADE-style certainty of each primary comparison and each pooled effect."""
    config = load_effectiveness_config()
    with warehouse.connect() as con:
        compared = con.sql(read_sql("queries/effectiveness_comparisons.sql")).pl()
        pooled = con.sql(read_sql("queries/effectiveness_pooled.sql")).pl()
        rows = [
            {
                **row,
                "evidence_id": row["comparison_id"],
                "evidence_type": "comparison",
                **grade_comparison(row, config),
            }
            for row in compared.filter(pl.col("is_primary")).iter_rows(named=True)
        ]
        members = poolable(compared)
        for row in pooled.iter_rows(named=True):
            included = members.filter(
                (pl.col("instrument") == row["instrument"])
                & (pl.col("scale") == row["scale"])
                & (pl.col("timepoint") == row["timepoint"])
                & pl.col("subject_id").is_in(row["programs"])
            ).to_dicts()
            key = f"pooled|{row['instrument']}.{row['scale']}|{row['timepoint']}|{row['subgroup']}"
            rows.append(
                {
                    **row,
                    "evidence_id": key,
                    "evidence_type": "pooled",
                    "subject_id": row["subgroup"],
                    "comparator_level": "mixed",
                    **grade_pooled(row, included, config),
                }
            )
        target = model("marts", "mart_evidence_certainty")
        write_frame(con, target, model_frame(target, rows))
        yield dg.MaterializeResult(metadata=table_metadata(con, "mart_evidence_certainty"))
        yield grain_check_result(con, "mart_evidence_certainty")
        [(violations, denominator)] = con.execute(
            read_sql("queries/check_certainty_every_primary_comparison_rated.sql")
        ).fetchall()
        yield dg.AssetCheckResult(
            check_name="every_primary_comparison_rated",
            passed=violations == 0,
            metadata={"violations": int(violations), "denominator": int(denominator)},
        )


effectiveness_assets = [effectiveness_reference, comparisons, synthesis, mart_evidence_certainty]
