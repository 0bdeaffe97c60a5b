"""Dagster assets for the SQL models, and asset checks for the SQL checks.

Each `sql/<layer>/<table>.sql` becomes one asset named after its table, grouped by
layer, depending on the tables its SQL reads. Models computed per program
(`pipelines.lake.PROGRAM_MODELS`) are partitioned by program: each partition runs in a
private in-memory DuckDB over that program's lake files and writes its own Parquet file.
The others are national and write the national DuckDB file, in one run at a time
(`pipelines.definitions`).

Each `sql/checks/<table>__<check>.sql` becomes a blocking ERROR check on that table: it
returns one row, `violations` and `denominator` (the rows the rule applied to), as OHDSI's
Data Quality Dashboard does. A check on a lake table judges the partition just written.

Every staging, intermediate, mart and safety table also gets a blocking `grain` check
(`pipelines.quality.grain`: the key its SQL file declares is unique and never empty, and
enumerated columns hold accepted codes), evaluated in the step that writes the table
(`pipelines.quality.grain_checks`), as are the SQL checks on the tables these factories
write. A per-program table's grain is checked on the partition its program run writes,
and again over every program in the national run (`grain_all_programs`, one step), where
publication waits for it: a failed grain anywhere stops the warehouse from being published.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import dagster as dg
import duckdb

from pipelines.ingestion.assets import INGESTED_TABLES
from pipelines.lake import LAKE_TABLES, PROGRAM_MODELS, model_layer, run_program_model
from pipelines.metadata import table_metadata
from pipelines.partitions import (
    by_program,
    program_partitions,
    split_delivery_keys,
)
from pipelines.quality.grain import GRAIN_PREFIXES
from pipelines.quality.grain_checks import grain_check_result, grain_check_spec
from pipelines.resources import Warehouse
from pipelines.sql import (
    SqlModel,
    load_models,
    model,
    read_sql,
    referenced_tables,
    run_sql,
    sql_dir,
)

SQL_LAYERS = ("staging", "intermediate", "marts")
ALL_PROGRAMS_GRAIN = "grain_all_programs"


def sql_model_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        group_name=model.layer,
        deps=[dg.AssetKey(name) for name in model.upstream],
        description=model.description,
        kinds={"duckdb", "sql"},
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:12],
        check_specs=table_check_specs(model.name),
    )
    def _model(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            run_sql(con, model.sql)
            return dg.MaterializeResult(
                metadata=table_metadata(con, model.name, profile=model.layer == "marts"),
                check_results=table_check_results(con, model.name),
            )

    return _model


def _program_dep(table: str) -> dg.AssetDep:
    """Each program partition reads the same program's partitions (all its months)."""
    return dg.AssetDep(table, partition_mapping=by_program if table in INGESTED_TABLES else None)


def program_model_asset(name: str) -> dg.AssetsDefinition:
    sql_model = model(model_layer(name), name)
    upstream = _program_model_inputs(name)

    @dg.asset(
        name=name,
        group_name=sql_model.layer,
        partitions_def=program_partitions,
        deps=[_program_dep(t) if t in LAKE_TABLES else dg.AssetKey(t) for t in upstream],
        description=sql_model.description,
        kinds={"parquet", "sql"},
        code_version=hashlib.sha256(sql_model.sql.encode()).hexdigest()[:12],
        check_specs=table_check_specs(name),
    )
    def _model(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        program_id = context.partition_key
        lake = warehouse.lake
        with lake.program_lock(program_id), lake.program_connection(program_id, upstream) as con:
            run_program_model(con, name)
            lake.write(con.table(name), lake.path(name, program_id))
            # The checks judge the partition just written: the table the file was written from.
            return dg.MaterializeResult(
                metadata=table_metadata(con, name), check_results=table_check_results(con, name)
            )

    return _model


def _program_model_inputs(name: str) -> tuple[str, ...]:
    sql_model = model(model_layer(name), name)
    if not sql_model.is_frame_fed:
        return sql_model.upstream
    return tuple(
        t
        for query in ("queries/programs_with_responses.sql", "queries/program_prom_items.sql")
        for t in referenced_tables(read_sql(query))
    )


@dataclass(frozen=True)
class SqlCheck:
    table: str
    name: str
    sql: str
    description: str


@cache
def load_checks() -> tuple[SqlCheck, ...]:
    checks = []
    for path in sorted((sql_dir() / "checks").glob("*__*.sql")):
        table, name = path.stem.split("__", 1)
        sql = path.read_text()
        description = " ".join(
            line.removeprefix("--").strip() for line in sql.splitlines() if line.startswith("--")
        )
        checks.append(SqlCheck(table, name, sql, description))
    return tuple(checks)


def _factory_tables() -> frozenset[str]:
    """Tables whose assets these factories build, and so whose checks run in their step."""
    return frozenset(PROGRAM_MODELS) | {
        m.name for layer in SQL_LAYERS for m in load_models(layer) if not m.is_frame_fed
    }


def _sql_check_result(con: duckdb.DuckDBPyConnection, check: SqlCheck) -> dg.AssetCheckResult:
    [(violations, denominator)] = run_sql(con, check.sql).fetchall()
    return dg.AssetCheckResult(
        asset_key=check.table,
        check_name=check.name,
        passed=violations == 0,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"violations": int(violations), "denominator": int(denominator)},
    )


def table_check_specs(table: str) -> list[dg.AssetCheckSpec]:
    """The blocking checks the step writing `table` evaluates: its grain (a staging,
    intermediate, mart or safety table without a declared grain raises
    `GrainDeclarationError`) and its SQL checks."""
    grain = [grain_check_spec(table)] if table.startswith(GRAIN_PREFIXES) else []
    return grain + [
        dg.AssetCheckSpec(c.name, asset=table, description=c.description, blocking=True)
        for c in load_checks()
        if c.table == table
    ]


def table_check_results(con: duckdb.DuckDBPyConnection, table: str) -> list[dg.AssetCheckResult]:
    """`table_check_specs(table)` evaluated on `table` as `con` sees it, after writing it."""
    grain = [grain_check_result(con, table)] if table.startswith(GRAIN_PREFIXES) else []
    return grain + [_sql_check_result(con, c) for c in load_checks() if c.table == table]


def _checked_program(context: dg.AssetCheckExecutionContext) -> str:
    """The program whose partition the check's run wrote."""
    execution = context.op_execution_context
    if all("|" in key for key in execution.partition_keys):
        return split_delivery_keys(execution.partition_keys)[0]
    return execution.partition_key


def sql_asset_check(check: SqlCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=check.table, name=check.name, description=check.description, blocking=True
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse) -> dg.AssetCheckResult:
        if check.table in LAKE_TABLES:
            program_id = _checked_program(context)
            inputs = referenced_tables(check.sql)
            with warehouse.lake.program_connection(program_id, inputs) as con:
                return _sql_check_result(con, check)
        with warehouse.connect() as con:
            return _sql_check_result(con, check)

    return _check


def all_programs_grain_check() -> dg.AssetChecksDefinition:
    """The per-program tables' grains over every program, in one step of the national run:
    publication waits for it, whichever program run wrote a partition."""
    tables = sorted(t for t in PROGRAM_MODELS if t.startswith(GRAIN_PREFIXES))

    @dg.multi_asset_check(
        name=ALL_PROGRAMS_GRAIN,
        specs=[grain_check_spec(table, ALL_PROGRAMS_GRAIN) for table in tables],
        can_subset=True,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: Warehouse):
        # The national connection's views read every program's lake files.
        with warehouse.connect() as con:
            for table in sorted(
                k.asset_key.to_user_string() for k in context.selected_asset_check_keys
            ):
                yield grain_check_result(con, table, ALL_PROGRAMS_GRAIN)

    return _check


def model_assets(layers: Sequence[str] = SQL_LAYERS) -> list[dg.AssetsDefinition]:
    """Assets for the national pure-SQL models; frame-fed models belong to their Python
    assets, per-program models to `program_model_assets`."""
    return [
        sql_model_asset(m)
        for layer in layers
        for m in load_models(layer)
        if not m.is_frame_fed and m.name not in PROGRAM_MODELS
    ]


def program_model_assets() -> list[dg.AssetsDefinition]:
    return [program_model_asset(name) for name in PROGRAM_MODELS]


def model_checks() -> list[dg.AssetChecksDefinition]:
    """Checks of their own for the SQL checks on tables the factories above do not build."""
    folded = _factory_tables()
    return [sql_asset_check(c) for c in load_checks() if c.table not in folded]
