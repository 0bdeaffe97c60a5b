"""SQL models kept in `sql/<layer>/<table>.sql`, loaded by path and run as written.

A model file creates exactly the table it is named after and documents it with
`COMMENT ON`. Its upstream tables are read from the SQL itself (every identifier with a
layer prefix), so lineage has one source of truth: the query.

A model computed in Python (scores, statistics) has a file too: it selects from
`source_frame`, the Arrow table the Python asset hands over, so its types and its
documentation still live in SQL (`write_frame`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from pipelines.paths import resource_dir

LAYER_PREFIXES = ("raw", "ingest", "ref", "staging", "int", "mart", "dq", "drift", "safety")
_TABLE_REFERENCE = re.compile(r"\b((?:" + "|".join(LAYER_PREFIXES) + r")_[a-z0-9_]+)\b")
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"'(?:[^']|'')*'")
_SOURCE_FRAME = re.compile(r"\bsource_frame\b")


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
        return _SOURCE_FRAME.search(_COMMENT.sub(" ", self.sql)) is not None

    @property
    def upstream(self) -> tuple[str, ...]:
        """Tables the model reads, excluding itself."""
        return tuple(t for t in referenced_tables(self.sql) if t != self.name)


def referenced_tables(sql: str) -> tuple[str, ...]:
    """Warehouse tables a query names (identifiers with a layer prefix), sorted."""
    code = _STRING.sub("''", _COMMENT.sub(" ", sql))
    return tuple(sorted(set(_TABLE_REFERENCE.findall(code))))


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


def write_frame(con: duckdb.DuckDBPyConnection, model: SqlModel, frame: pl.DataFrame) -> None:
    """Replace a frame-fed model's table with `frame`, typed and documented by its SQL."""
    con.register("source_frame", frame.to_arrow())
    try:
        run_sql(con, model.sql)
    finally:
        con.unregister("source_frame")
