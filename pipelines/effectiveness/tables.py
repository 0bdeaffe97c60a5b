"""Rows of the effectiveness reference tables, shaped by their SQL models (`model_frame`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessConfig


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
