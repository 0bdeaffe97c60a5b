"""Rows of the effectiveness results as frames shaped by their SQL models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import polars as pl

from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessConfig
from pipelines.sql import SqlModel


def frame(model: SqlModel, rows: Iterable[dict[str, Any]]) -> pl.DataFrame:
    """A frame with exactly the model's source columns (`SqlModel.source_schema`);
    missing keys become NULL."""
    schema = model.source_schema
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
