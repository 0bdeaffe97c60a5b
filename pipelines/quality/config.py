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
from typing import Annotated, Literal

import duckdb
from pydantic import Field, field_validator, model_validator

from pipelines.config_models import ConfigModel, Judged, config_path, load_config
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


class QualityConfigError(ValueError):
    """config/quality.yaml or config/dq_checks.yaml is inconsistent."""


Share = Annotated[float, Field(gt=0, le=1)]


class DriftBlock(ConfigModel):
    """config/quality.yaml `drift`: project choices, each with its evidence and reason."""

    reference_batches: Judged[Annotated[int, Field(ge=1)]]
    current_batches: Judged[Annotated[int, Field(ge=1)]]
    min_current_rows: Judged[Annotated[int, Field(ge=1)]]
    min_reference_rows: Judged[Annotated[int, Field(ge=1)]]
    min_column_values: Judged[Annotated[int, Field(ge=1)]]
    numerical_method: Judged[str]
    categorical_method: Judged[str]
    column_threshold: Judged[Annotated[float, Field(gt=0, lt=1)]]
    drift_share: Judged[Share]
    min_drifted_columns: Judged[Annotated[int, Field(ge=1)]]
    html_reports: Judged[Literal[HTML_POLICIES]]


class FreshnessBlock(ConfigModel):
    default_cadence_days: Judged[Annotated[int, Field(ge=1)]]
    grace_days: Judged[Annotated[int, Field(ge=0)]]
    program_cadence_days: Judged[dict[str, Annotated[int, Field(ge=1)]]]


class QualityConfig(ConfigModel):
    """config/quality.yaml."""

    schema_version: Literal[1]
    drift: DriftBlock
    freshness: FreshnessBlock


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


class DqCheck(ConfigModel):
    """One entry of config/dq_checks.yaml: a check type's SQL template and its values."""

    id: str
    check_type: str
    category: Literal[CATEGORIES]
    table: str
    threshold_pct: float = Field(ge=0, le=100)
    severity: Literal[SEVERITIES]
    description: str
    notes: str = ""
    # The check type's parameters; each template needs exactly its own.
    field_name: str | None = Field(None, alias="field")
    fields: list[str] | None = None
    ref_table: str | None = None
    ref_field: str | None = None
    high: float | None = None
    days: int | None = None
    episode_field: str | None = None
    min_days: int | None = None

    @model_validator(mode="after")
    def _parameters_match_the_template(self) -> DqCheck:
        needed = _template_parameters(self.check_type)
        given = {_PARAMETERS[key] for key in self.params}
        if needed != given:
            raise ValueError(
                f"check {self.id!r}: check type {self.check_type} needs {sorted(needed)}, "
                f"the entry gives {sorted(given)}"
            )
        return self

    @property
    def params(self) -> MappingProxyType:
        """The template parameters given, under their YAML names."""
        given = self.model_dump(by_alias=True, exclude_none=True)
        return MappingProxyType({key: given[key] for key in _PARAMETERS if key in given})

    @property
    def field(self) -> str | None:
        """The checked field(s), as DQD's cdmFieldName."""
        if self.fields is not None:
            return ", ".join(self.fields)
        return self.field_name

    @property
    def query_file(self) -> str:
        return f"checks/dq/{self.check_type}.sql"

    @property
    def params_json(self) -> str:
        return json.dumps(dict(self.params), sort_keys=True)


class DqChecks(ConfigModel):
    """config/dq_checks.yaml."""

    schema_version: Literal[1]
    checks: tuple[DqCheck, ...]

    @field_validator("checks")
    @classmethod
    def _ids_are_unique(cls, checks: tuple[DqCheck, ...]) -> tuple[DqCheck, ...]:
        ids = [c.id for c in checks]
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"check ids used more than once: {repeated}")
        return checks


@cache
def load_quality_policy(path: Path | None = None) -> tuple[DriftPolicy, FreshnessPolicy]:
    config = load_config(QualityConfig, path or config_path("quality.yaml"), QualityConfigError)
    fresh = config.freshness
    drift = DriftPolicy(**{name: block.value for name, block in config.drift})
    freshness = FreshnessPolicy(
        default_cadence_days=fresh.default_cadence_days.value,
        grace_days=fresh.grace_days.value,
        program_cadence_days=MappingProxyType(dict(fresh.program_cadence_days.value)),
    )
    return drift, freshness


def _template_parameters(check_type: str) -> frozenset[str]:
    path = sql_dir() / "checks" / "dq" / f"{check_type}.sql"
    if not path.is_file():
        raise ValueError(f"no SQL template for check type {check_type!r} ({path})")
    with duckdb.connect() as con:
        statements = con.extract_statements(read_sql(f"checks/dq/{check_type}.sql"))
    return frozenset().union(*(s.named_parameters for s in statements))


@cache
def load_dq_checks(path: Path | None = None) -> tuple[DqCheck, ...]:
    file = path or config_path("dq_checks.yaml")
    return load_config(DqChecks, file, QualityConfigError).checks


def sql_parameters(check: DqCheck) -> dict[str, object]:
    """The check's values under the names its SQL template uses."""
    return {_PARAMETERS[key]: value for key, value in check.params.items()}
