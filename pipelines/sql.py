"""SQL models kept in `sql/<layer>/<table>.sql`, loaded by path and run as written.

A model file creates exactly the table it is named after and documents it with
`COMMENT ON`. Its upstream tables are read from the SQL itself, parsed by sqlglot in
DuckDB's dialect (`referenced_tables`), so lineage has one source of truth: the query.
(DuckDB's own `json_serialize_sql` parses SELECT statements only, and a model is a
CREATE TABLE ... AS.)

A model computed in Python (scores, statistics) has a file too: it selects from
`source_frame`, the Arrow table the Python asset hands over, so its types and its
documentation still live in SQL (`write_frame`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp

from pipelines.paths import resource_dir

SOURCE_FRAME = "source_frame"
"""The name under which `write_frame` hands a Python asset's rows to a frame-fed model."""

_WRITING_STATEMENTS = (exp.Create, exp.Insert, exp.Update, exp.Delete, exp.Drop, exp.Comment)


@dataclass(frozen=True)
class SqlModel:
    name: str
    layer: str
    path: Path
    sql: str
    description: str

    @property
    def is_frame_fed(self) -> bool:
        """True when the model's rows come from Python through `source_frame`."""
        return SOURCE_FRAME in referenced_tables(self.sql)

    @property
    def source_schema(self) -> dict[str, pl.DataType]:
        """A frame-fed model's source columns and their types, in the order its SELECT
        casts them (`CAST(name AS TYPE)`), read by the parser: the SQL file stays the one
        place that defines the table, and an empty frame still has every column."""
        schema: dict[str, pl.DataType] = {}
        for statement in sqlglot.parse(self.sql, dialect="duckdb"):
            for select in statement.find_all(exp.Select):
                if not any(t.name == SOURCE_FRAME for t in select.find_all(exp.Table)):
                    continue
                for cast in select.find_all(exp.Cast):
                    if isinstance(cast.this, exp.Column):
                        schema[cast.this.name] = _polars_type(cast.to)
        return schema

    @property
    def upstream(self) -> tuple[str, ...]:
        """Warehouse tables the model reads: neither itself nor the frame Python hands over."""
        return tuple(t for t in referenced_tables(self.sql) if t not in (self.name, SOURCE_FRAME))


_POLARS_TYPES: dict[exp.DataType.Type, pl.DataType] = {
    exp.DataType.Type.VARCHAR: pl.String(),
    exp.DataType.Type.TEXT: pl.String(),
    exp.DataType.Type.DOUBLE: pl.Float64(),
    exp.DataType.Type.BIGINT: pl.Int64(),
    exp.DataType.Type.INT: pl.Int64(),
    exp.DataType.Type.TINYINT: pl.Int64(),
    exp.DataType.Type.BOOLEAN: pl.Boolean(),
    exp.DataType.Type.DATE: pl.Date(),
    exp.DataType.Type.TIMESTAMP: pl.Datetime("us"),
    exp.DataType.Type.TIMESTAMPTZ: pl.Datetime("us", "UTC"),
    exp.DataType.Type.JSON: pl.String(),
}


def _polars_type(sql_type: exp.DataType) -> pl.DataType:
    """The polars type a cast's SQL type receives its values as (lists of such)."""
    if sql_type.this == exp.DataType.Type.ARRAY:
        return pl.List(_polars_type(sql_type.expressions[0]))
    if sql_type.this not in _POLARS_TYPES:
        raise ValueError(f"no polars type for SQL type {sql_type.sql(dialect='duckdb')}")
    return _POLARS_TYPES[sql_type.this]


@cache
def referenced_tables(sql: str) -> tuple[str, ...]:
    """Tables a script reads, sorted: every table named in a FROM, JOIN or subquery of any
    of its statements, parsed in DuckDB's dialect.

    Not tables: a common table expression's name where that CTE is in scope, a table
    function (`read_parquet(...)`, `range(...)`), columns, parameters, strings and
    comments, and the table a statement creates, fills, changes or documents.
    """
    tables = set()
    for statement in sqlglot.parse(sql, dialect="duckdb"):
        if statement is None:
            continue
        target = _written_table(statement)
        for table in statement.find_all(exp.Table):
            if table is target or not isinstance(table.this, exp.Identifier):
                continue
            if not table.db and _names_cte_in_scope(table):
                continue
            tables.add(table.name)
    return tuple(sorted(tables))


def _written_table(statement: exp.Expression) -> exp.Expression | None:
    """The table a CREATE, INSERT, UPDATE, DELETE, DROP or COMMENT ON TABLE statement writes."""
    if not isinstance(statement, _WRITING_STATEMENTS):
        return None
    target = statement.this
    return target.this if isinstance(target, exp.Schema) else target


def _names_cte_in_scope(table: exp.Table) -> bool:
    """True when a WITH clause enclosing `table` defines a CTE of its name that is visible
    there: in the query body every CTE of the clause, inside a CTE's own definition only
    the ones before it (and itself, when the clause is RECURSIVE)."""
    name = table.name.lower()
    child, node = table, table.parent
    while node is not None:
        if any(cte.alias_or_name.lower() == name for cte in _ctes_visible_from(node, child)):
            return True
        child, node = node, node.parent
    return False


def _ctes_visible_from(node: exp.Expression, child: exp.Expression) -> list[exp.Expression]:
    """The CTEs `node` puts in scope for its part `child`."""
    if isinstance(node, exp.With):
        position = next(i for i, cte in enumerate(node.expressions) if cte is child)
        recursive = node.args.get("recursive")
        return node.expressions[: position + 1 if recursive else position]
    clause = node.args.get("with_")
    return clause.expressions if isinstance(clause, exp.With) and clause is not child else []


def sql_dir() -> Path:
    return resource_dir("sql")


def read_sql(relative_path: str) -> str:
    """Text of one SQL file, e.g. `read_sql("ingestion/delete_batch.sql")`."""
    return (sql_dir() / relative_path).read_text()


def _leading_comment(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines).strip()


def model(layer: str, name: str) -> SqlModel:
    return next(m for m in load_models(layer) if m.name == name)


@cache
def load_models(layer: str) -> tuple[SqlModel, ...]:
    """All models of a layer folder (`staging`, `intermediate`, `marts`), sorted by name."""
    models = []
    for path in sorted((sql_dir() / layer).glob("*.sql")):
        sql = path.read_text()
        models.append(
            SqlModel(
                name=path.stem,
                layer=layer,
                path=path,
                sql=sql,
                description=_leading_comment(sql),
            )
        )
    return tuple(models)


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """Run every statement of a script, giving each the `$name` parameters it uses.

    DuckDB binds parameters to one statement at a time; the script's own parser splits
    it, so semicolons inside strings or comments are safe. Returns the connection after
    the last statement, ready to fetch its result.
    """
    params = params or {}
    for statement in con.extract_statements(sql):
        names = statement.named_parameters
        missing = names - params.keys()
        if missing:
            raise KeyError(f"SQL parameters not supplied: {sorted(missing)}")
        con.execute(statement, {name: params[name] for name in names} if names else None)
    return con


def model_frame(model: SqlModel, rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows shaped as a frame-fed model reads them: exactly its source columns, typed by
    its casts (`SqlModel.source_schema`); a missing key is NULL."""
    schema = model.source_schema
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def write_frame(con: duckdb.DuckDBPyConnection, model: SqlModel, frame: pl.DataFrame) -> None:
    """Replace a frame-fed model's table with `frame`, typed and documented by its SQL."""
    con.register(SOURCE_FRAME, frame.to_arrow())
    try:
        run_sql(con, model.sql)
    finally:
        con.unregister(SOURCE_FRAME)
