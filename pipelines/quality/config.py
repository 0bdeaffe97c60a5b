"""Typed views of `config/quality.yaml` (drift, freshness) and `config/dq_checks.yaml`.

The data-quality checks are validated against their SQL templates when loaded: every
`$parameter` a check type's SQL uses must be given, and nothing else, so a typo in the
YAML fails at load rather than as a check in error status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import duckdb
import yaml

from pipelines.paths import resource_dir
from pipelines.sql import read_sql, sql_dir

CATEGORIES = ("conformance", "completeness", "plausibility")
SEVERITIES = ("warn", "error")
HTML_POLICIES = ("latest_and_drifted", "all", "none")
# YAML key -> SQL parameter of the check templates.
_PARAMETERS = {
    "table": "table_name",
    "field": "field",
    "fields": "fields",
    "ref_table": "ref_table",
    "ref_field": "ref_field",
    "high": "high",
    "days": "days",
    "episode_field": "episode_field",
    "min_days": "min_days",
}
_CHECK_KEYS = {"id", "check_type", "category", "threshold_pct", "severity", "description", "notes"}


class QualityConfigError(ValueError):
    """config/quality.yaml or config/dq_checks.yaml is inconsistent."""


@dataclass(frozen=True)
class DriftPolicy:
    reference_batches: int
    current_batches: int
    min_current_rows: int
    min_reference_rows: int
    min_column_values: int
    numerical_method: str
    categorical_method: str
    column_threshold: float
    drift_share: float
    min_drifted_columns: int
    html_reports: str


@dataclass(frozen=True)
class FreshnessPolicy:
    default_cadence_days: int
    grace_days: int
    program_cadence_days: MappingProxyType


@dataclass(frozen=True)
class DqCheck:
    id: str
    check_type: str
    category: str
    table: str
    threshold_pct: float
    severity: str
    description: str
    notes: str
    params: MappingProxyType

    @property
    def field(self) -> str | None:
        """The checked field(s), as DQD's cdmFieldName."""
        if "fields" in self.params:
            return ", ".join(self.params["fields"])
        return self.params.get("field")

    @property
    def query_file(self) -> str:
        return f"checks/dq/{self.check_type}.sql"

    @property
    def params_json(self) -> str:
        return json.dumps(dict(self.params), sort_keys=True)


def _value(block: dict, name: str):
    return block[name]["value"]


@cache
def load_quality_policy(path: Path | None = None) -> tuple[DriftPolicy, FreshnessPolicy]:
    raw = yaml.safe_load((path or resource_dir("config") / "quality.yaml").read_text())
    drift, fresh = raw["drift"], raw["freshness"]
    policy = DriftPolicy(
        reference_batches=int(_value(drift, "reference_batches")),
        current_batches=int(_value(drift, "current_batches")),
        min_current_rows=int(_value(drift, "min_current_rows")),
        min_reference_rows=int(_value(drift, "min_reference_rows")),
        min_column_values=int(_value(drift, "min_column_values")),
        numerical_method=str(_value(drift, "numerical_method")),
        categorical_method=str(_value(drift, "categorical_method")),
        column_threshold=float(_value(drift, "column_threshold")),
        drift_share=float(_value(drift, "drift_share")),
        min_drifted_columns=int(_value(drift, "min_drifted_columns")),
        html_reports=str(_value(drift, "html_reports")),
    )
    if policy.html_reports not in HTML_POLICIES:
        raise QualityConfigError(f"drift.html_reports must be one of {HTML_POLICIES}")
    if not 0 < policy.drift_share <= 1 or not 0 < policy.column_threshold < 1:
        raise QualityConfigError("drift_share and column_threshold must be shares")
    freshness = FreshnessPolicy(
        default_cadence_days=int(_value(fresh, "default_cadence_days")),
        grace_days=int(_value(fresh, "grace_days")),
        program_cadence_days=MappingProxyType(
            {str(k): int(v) for k, v in (_value(fresh, "program_cadence_days") or {}).items()}
        ),
    )
    return policy, freshness


def _template_parameters(check_type: str) -> frozenset[str]:
    path = sql_dir() / "checks" / "dq" / f"{check_type}.sql"
    if not path.is_file():
        raise QualityConfigError(f"no SQL template for check type {check_type!r} ({path})")
    with duckdb.connect() as con:
        statements = con.extract_statements(read_sql(f"checks/dq/{check_type}.sql"))
    return frozenset().union(*(s.named_parameters for s in statements))


def _check(entry: dict) -> DqCheck:
    where = f"check {entry.get('id')!r}"
    params = {key: entry[key] for key in entry if key not in _CHECK_KEYS and key in _PARAMETERS}
    unknown = set(entry) - _CHECK_KEYS - set(_PARAMETERS)
    if unknown:
        raise QualityConfigError(f"{where}: unknown keys {sorted(unknown)}")
    if entry.get("category") not in CATEGORIES:
        raise QualityConfigError(f"{where}: category must be one of {CATEGORIES}")
    if entry.get("severity") not in SEVERITIES:
        raise QualityConfigError(f"{where}: severity must be one of {SEVERITIES}")
    threshold = float(entry["threshold_pct"])
    if not 0 <= threshold <= 100:
        raise QualityConfigError(f"{where}: threshold_pct must be between 0 and 100")
    needed = _template_parameters(entry["check_type"])
    given = {_PARAMETERS[k] for k in params}
    if needed != given:
        raise QualityConfigError(
            f"{where}: check type {entry['check_type']} needs {sorted(needed)}, "
            f"the entry gives {sorted(given)}"
        )
    return DqCheck(
        id=entry["id"],
        check_type=entry["check_type"],
        category=entry["category"],
        table=entry["table"],
        threshold_pct=threshold,
        severity=entry["severity"],
        description=entry["description"],
        notes=entry.get("notes") or "",
        params=MappingProxyType(params),
    )


@cache
def load_dq_checks(path: Path | None = None) -> tuple[DqCheck, ...]:
    raw = yaml.safe_load((path or resource_dir("config") / "dq_checks.yaml").read_text())
    checks = tuple(_check(entry) for entry in raw["checks"])
    ids = [c.id for c in checks]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise QualityConfigError(f"check ids used more than once: {repeated}")
    return checks


def sql_parameters(check: DqCheck) -> dict[str, object]:
    """The check's values under the names its SQL template uses."""
    return {_PARAMETERS[key]: value for key, value in check.params.items()}
