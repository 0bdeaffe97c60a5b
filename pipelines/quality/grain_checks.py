"""Grain checks as Dagster check specs, evaluated in the step of the asset they check.

Every asset that writes a staging, intermediate, mart or safety table declares
`grain_check_specs(...)` for its tables and yields `grain_check_result(con, table)` after
writing each one. The check then runs in the asset's own step, not in a step of its own
(about 0.4 s of Dagster step overhead each, some 180 steps per build), and is still a
blocking ERROR check shown on the asset: a failed grain fails the asset's step, so nothing
downstream (publication included) runs.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.quality.grain import declared_grain, evaluate_grain

GRAIN_CHECK = "grain"


def grain_check_spec(table: str, name: str = GRAIN_CHECK) -> dg.AssetCheckSpec:
    """A blocking check of the grain `table`'s SQL file declares."""
    grain = declared_grain(table)
    accepted = "".join(f"; {a.column} in {a.source}" for a in grain.accepted)
    return dg.AssetCheckSpec(
        name,
        asset=table,
        description=f"One row per ({', '.join(grain.key)}), never empty{accepted}.",
        blocking=True,
        # The reference tables holding accepted codes are built first where the run
        # builds them (the national run); a program run reads them from config.
        additional_deps=sorted({a.reference[0] for a in grain.accepted if a.reference}),
    )


def grain_check_specs(*tables: str) -> list[dg.AssetCheckSpec]:
    return [grain_check_spec(table) for table in tables]


def grain_check_result(
    con: duckdb.DuckDBPyConnection, table: str, name: str = GRAIN_CHECK
) -> dg.AssetCheckResult:
    """The grain of `table` as `con` sees it (call after writing the table)."""
    result = evaluate_grain(con, declared_grain(table))
    return dg.AssetCheckResult(
        asset_key=table,
        check_name=name,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=result.metadata(),
    )
