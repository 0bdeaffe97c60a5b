"""Dagster assets for the SQL models, and asset checks for the SQL checks.

Each `sql/<layer>/<table>.sql` becomes one asset named after its table, grouped by
layer, depending on the tables its SQL reads. Each `sql/checks/<table>__<check>.sql`
becomes a blocking ERROR check on that table: it returns one row, `violations` and
`denominator` (the rows the rule applied to), as OHDSI's Data Quality Dashboard does.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import dagster as dg

from pipelines.metadata import table_metadata
from pipelines.resources import Warehouse
from pipelines.sql import SqlModel, load_models, run_sql, sql_dir

SQL_LAYERS = ("staging", "intermediate", "marts")


def sql_model_asset(model: SqlModel) -> dg.AssetsDefinition:
    @dg.asset(
        name=model.name,
        group_name=model.layer,
        deps=[dg.AssetKey(name) for name in model.upstream],
        description=model.description,
        kinds={"duckdb", "sql"},
        code_version=hashlib.sha256(model.sql.encode()).hexdigest()[:12],
    )
    def _model(warehouse: Warehouse) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            run_sql(con, model.sql)
            return dg.MaterializeResult(
                metadata=table_metadata(con, model.name, profile=model.layer == "marts")
            )

    return _model


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


def sql_asset_check(check: SqlCheck) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=check.table, name=check.name, description=check.description, blocking=True
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect() as con:
            [(violations, denominator)] = run_sql(con, check.sql).fetchall()
        return dg.AssetCheckResult(
            passed=violations == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"violations": int(violations), "denominator": int(denominator)},
        )

    return _check


def model_assets(layers: Sequence[str] = SQL_LAYERS) -> list[dg.AssetsDefinition]:
    """Assets for the pure-SQL models; frame-fed models belong to their Python assets."""
    return [
        sql_model_asset(m) for layer in layers for m in load_models(layer) if not m.is_frame_fed
    ]


def model_checks() -> list[dg.AssetChecksDefinition]:
    return [sql_asset_check(c) for c in load_checks()]
