"""Rows of the effectiveness results as frames shaped by their SQL models.

Each frame-fed model's SELECT lists its source columns with their types
(`CAST(name AS TYPE)`), so the frame is built from that list: the SQL file stays the one
place that defines a table, and an empty result still has every column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import polars as pl

from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessConfig
from pipelines.sql import SqlModel

_CAST = re.compile(r"CAST\((\w+) AS ([A-Z]+(?:\[\])?)\)")
_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "DOUBLE": pl.Float64(),
    "BIGINT": pl.Int64(),
    "INTEGER": pl.Int64(),
    "TINYINT": pl.Int64(),
    "BOOLEAN": pl.Boolean(),
    "VARCHAR[]": pl.List(pl.String()),
}


def source_schema(model: SqlModel) -> dict[str, pl.DataType]:
    """Source column -> polars type, in the order the model selects them."""
    return {name: _TYPES[sql_type] for name, sql_type in _CAST.findall(model.sql)}


def frame(model: SqlModel, rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """A frame with exactly the model's source columns; missing keys become NULL."""
    schema = source_schema(model)
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def benchmark_rows(benchmarks: BenchmarkConfig) -> list[dict[str, Any]]:
    return [
        {
            **asdict(b),
            "outcomes": list(benchmarks.domains[b.domain]),
            "improvement": b.improvement,
            "use_as_benchmark": b.use_as_benchmark,
        }
        for b in benchmarks.benchmarks
    ]


def threshold_rows(config: EffectivenessConfig) -> list[dict[str, Any]]:
    items = [*config.thresholds.values(), *config.provenance.values()]
    return [
        {
            "name": t.name,
            "value": None if t.value != t.value else t.value,
            "source": t.source,
            "evidence": t.evidence,
            "note": t.note,
        }
        for t in items
    ]
