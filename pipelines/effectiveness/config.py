"""Typed view of `config/effectiveness.yaml` and `config/literature_benchmarks.yaml`.

The thresholds decide which comparisons are shown and what verdict they carry, so the
loader refuses a number without a source and an evidence mark, an unknown comparator
level, or a benchmark whose sign of improvement is not stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.evidence import EVIDENCE_LEVELS
from pipelines.paths import resource_dir

COMPARATOR_LEVELS = ("local", "national", "benchmark_only")
CASE_MIX = ("age_band", "sex", "rurality", "language", "readiness_stage", "referral_source")


class EffectivenessConfigError(ValueError):
    """The effectiveness configuration is incomplete or lacks provenance."""


@dataclass(frozen=True)
class Threshold:
    name: str
    value: float
    source: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class EffectivenessConfig:
    national_row_beside_local: bool
    outcome_covariates: tuple[str, ...]
    propensity_covariates: tuple[str, ...]
    auxiliary: tuple[str, ...]
    trajectory: dict[str, str]
    thresholds: dict[str, Threshold]
    certainty_start: str
    provenance: dict[str, Threshold]

    def value(self, name: str) -> float:
        return self.thresholds[name].value

    @property
    def confidence(self) -> float:
        return self.value("confidence_level")


@dataclass(frozen=True)
class Benchmark:
    id: str
    citation: str
    evidence: str
    domain: str
    role: str
    delivery: str
    comparator: str
    design: str
    measure: str
    timepoint: str
    estimate: float
    improvement_sign: int
    ci_low: float | None = None
    ci_high: float | None = None
    n_participants: int | None = None
    n_studies: int | None = None
    evidence_note: str = ""

    @property
    def use_as_benchmark(self) -> bool:
        """Only numbers seen in the named source are benchmarks."""
        return self.evidence == "V"

    @property
    def improvement(self) -> float:
        """The estimate oriented so that positive means patients improved."""
        return self.estimate * self.improvement_sign


@dataclass(frozen=True)
class BenchmarkConfig:
    domains: dict[str, tuple[str, ...]]
    benchmarks: tuple[Benchmark, ...]

    def domain_of(self, instrument: str, scale: str) -> str | None:
        key = f"{instrument}.{scale}"
        return next((d for d, keys in self.domains.items() if key in keys), None)

    def shown(self, domain: str | None, role: str) -> Benchmark | None:
        """The benchmark shown beside a comparison: the first verified one of the role."""
        return next(
            (
                b
                for b in self.benchmarks
                if b.domain == domain and b.role == role and b.use_as_benchmark
            ),
            None,
        )


def _sourced(name: str, block: dict[str, Any]) -> Threshold:
    for key in ("source", "evidence"):
        if not block.get(key):
            raise EffectivenessConfigError(f"{name}: missing {key}")
    if block["evidence"] not in EVIDENCE_LEVELS:
        raise EffectivenessConfigError(f"{name}: evidence must be one of {EVIDENCE_LEVELS}")
    value = block.get("value", float("nan"))
    return Threshold(name, float(value), block["source"], block["evidence"], block.get("note", ""))


def parse_config(raw: dict[str, Any]) -> EffectivenessConfig:
    comparator, adjustment = raw["comparator"], raw["adjustment"]
    implemented = {
        "comparator.hierarchy": (list(comparator["hierarchy"]), list(COMPARATOR_LEVELS)),
        "adjustment.weighting.method": (adjustment["weighting"]["method"], "overlap"),
        "adjustment.standard_errors.method": (adjustment["standard_errors"]["method"], "HC1"),
        "missing_data.method": (raw["missing_data"]["method"], "multiple_imputation"),
    }
    for key, (configured, only) in implemented.items():
        if configured != only:
            raise EffectivenessConfigError(
                f"{key} is {configured!r}, but the comparisons implement {only!r} only; the "
                "key names the method with its source, it does not switch to another"
            )
    outcome_covariates = tuple(adjustment["outcome_covariates"])
    propensity_covariates = tuple(adjustment["propensity_covariates"])
    unknown = {*outcome_covariates, *propensity_covariates} - set(CASE_MIX)
    if unknown:
        raise EffectivenessConfigError(f"unknown case-mix columns: {sorted(unknown)}")
    thresholds = {}
    for name, block in raw["thresholds"].items():
        if name == "equipoise_bounds":
            for bound in ("low", "high"):
                thresholds[f"equipoise_{bound}"] = _sourced(
                    f"equipoise_{bound}", {**block, "value": block[bound]}
                )
        else:
            thresholds[name] = _sourced(name, block)
    provenance = {
        "comparator_hierarchy": _sourced("comparator_hierarchy", comparator),
        "weighting": _sourced("weighting", adjustment["weighting"]),
        "standard_errors": _sourced("standard_errors", adjustment["standard_errors"]),
        "missing_data": _sourced("missing_data", raw["missing_data"]),
        "certainty_start": _sourced("certainty_start", raw["certainty"]),
    }
    return EffectivenessConfig(
        national_row_beside_local=bool(comparator["national_row_beside_local"]),
        outcome_covariates=outcome_covariates,
        propensity_covariates=propensity_covariates,
        auxiliary=tuple(raw["missing_data"]["auxiliary"]),
        trajectory=dict(raw["missing_data"]["trajectory"]),
        thresholds=thresholds,
        certainty_start=raw["certainty"]["start"],
        provenance=provenance,
    )


def parse_benchmarks(raw: dict[str, Any]) -> BenchmarkConfig:
    domains = {d: tuple(keys) for d, keys in raw["domains"].items()}
    benchmarks = []
    for entry in raw["benchmarks"]:
        entry = dict(entry)
        if entry.get("evidence") not in EVIDENCE_LEVELS or not entry.get("citation"):
            raise EffectivenessConfigError(f"benchmark {entry.get('id')}: citation and evidence")
        if entry.get("improvement_sign") not in (-1, 1):
            raise EffectivenessConfigError(f"benchmark {entry['id']}: improvement_sign is ±1")
        if entry["domain"] not in domains:
            raise EffectivenessConfigError(f"benchmark {entry['id']}: unknown domain")
        benchmarks.append(Benchmark(**entry))
    ids = [b.id for b in benchmarks]
    if len(ids) != len(set(ids)):
        raise EffectivenessConfigError("benchmark ids must be unique")
    return BenchmarkConfig(domains, tuple(benchmarks))


def _read(name: str) -> dict[str, Any]:
    return yaml.safe_load(Path(resource_dir("config") / name).read_text())


@cache
def load_effectiveness_config() -> EffectivenessConfig:
    return parse_config(_read("effectiveness.yaml"))


@cache
def load_benchmarks() -> BenchmarkConfig:
    return parse_benchmarks(_read("literature_benchmarks.yaml"))
