"""Typed view of `config/effectiveness.yaml` and `config/literature_benchmarks.yaml`.

The thresholds decide which comparisons are shown and what verdict they carry, so the
models refuse a number without a source and an evidence mark, an unknown case-mix
column, or a benchmark whose sign of improvement is not stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass

from pipelines.config_models import (
    Cited,
    ConfigModel,
    EvidenceLevel,
    NonEmpty,
    Sourced,
    config_path,
    load_config,
    validate,
)

CASE_MIX = ("age_band", "sex", "rurality", "language", "readiness_stage", "referral_source")
CaseMix = Literal[CASE_MIX]


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


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class Benchmark:
    """A published effect beside which the observatory's comparisons are read (a
    dataclass, so a reference-table row is `asdict` of it)."""

    id: NonEmpty
    citation: NonEmpty
    evidence: EvidenceLevel
    domain: str
    role: str
    delivery: str
    comparator: str
    design: str
    measure: str
    timepoint: str
    estimate: float
    # -1 when a fall in the measure is an improvement, 1 when a rise is.
    improvement_sign: Literal[-1, 1]
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


class BenchmarkConfig(ConfigModel):
    """config/literature_benchmarks.yaml."""

    schema_version: Literal[1]
    domains: dict[str, tuple[str, ...]]
    benchmarks: tuple[Benchmark, ...]

    @model_validator(mode="after")
    def _known_domains_and_unique_ids(self) -> BenchmarkConfig:
        for benchmark in self.benchmarks:
            if benchmark.domain not in self.domains:
                raise ValueError(f"benchmark {benchmark.id}: unknown domain {benchmark.domain!r}")
        ids = [b.id for b in self.benchmarks]
        if len(ids) != len(set(ids)):
            raise ValueError("benchmark ids must be unique")
        return self

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


class Comparator(Cited):
    """Local in-person cohort first, else national, else the literature benchmark only
    (the order pipelines/effectiveness/comparisons.py implements)."""

    national_row_beside_local: bool


class Adjustment(ConfigModel):
    """Overlap weighting with HC1 standard errors, as implemented in comparisons.py;
    `weighting` and `standard_errors` carry those methods' sources."""

    outcome_covariates: tuple[CaseMix, ...]
    propensity_covariates: tuple[CaseMix, ...]
    weighting: Cited
    standard_errors: Cited


class MissingData(Cited):
    # Names the one method the comparisons implement, with its source; not a switch.
    method: Literal["multiple_imputation"]
    auxiliary: tuple[str, ...]
    # Each timepoint and the earlier one whose answered change predicts its own.
    trajectory: dict[str, str]


class EquipoiseBounds(Cited):
    low: float = Field(gt=0, lt=1)
    high: float = Field(gt=0, lt=1)


class Thresholds(ConfigModel):
    confidence_level: Sourced[float]
    min_episodes_per_group: Sourced[float]
    max_abs_smd: Sourced[float]
    equipoise_bounds: EquipoiseBounds
    min_fraction_in_equipoise: Sourced[float]
    power: Sourced[float]
    mdd_max_mcid_fraction: Sourced[float]
    margin_mcid_fraction: Sourced[float]
    follow_up_completeness_min: Sourced[float]
    i2_serious: Sourced[float]
    imputations: Sourced[float]
    ois_standardised_difference: Sourced[float]
    large_effect_rr: Sourced[float]
    very_large_effect_rr: Sourced[float]
    min_programs_for_prediction_interval: Sourced[float]


class Certainty(Cited):
    # One of pipelines.effectiveness.certainty.LEVELS.
    start: NonEmpty


class EffectivenessFile(ConfigModel):
    """config/effectiveness.yaml."""

    schema_version: Literal[1]
    comparator: Comparator
    adjustment: Adjustment
    missing_data: MissingData
    thresholds: Thresholds
    certainty: Certainty

    def config(self) -> EffectivenessConfig:
        """The flat view the comparisons read; every sourced entry keeps its name."""
        thresholds = {}
        for name, block in self.thresholds:
            if isinstance(block, EquipoiseBounds):
                for bound in ("low", "high"):
                    thresholds[f"equipoise_{bound}"] = _threshold(
                        f"equipoise_{bound}", getattr(block, bound), block
                    )
            else:
                thresholds[name] = _threshold(name, block.value, block)
        provenance = {
            "comparator_hierarchy": self.comparator,
            "weighting": self.adjustment.weighting,
            "standard_errors": self.adjustment.standard_errors,
            "missing_data": self.missing_data,
            "certainty_start": self.certainty,
        }
        return EffectivenessConfig(
            national_row_beside_local=self.comparator.national_row_beside_local,
            outcome_covariates=self.adjustment.outcome_covariates,
            propensity_covariates=self.adjustment.propensity_covariates,
            auxiliary=self.missing_data.auxiliary,
            trajectory=dict(self.missing_data.trajectory),
            thresholds=thresholds,
            certainty_start=self.certainty.start,
            provenance={
                name: _threshold(name, float("nan"), block) for name, block in provenance.items()
            },
        )


def _threshold(name: str, value: float, cited: Cited) -> Threshold:
    return Threshold(name, float(value), cited.source, cited.evidence, cited.note)


def parse_config(raw: dict[str, Any]) -> EffectivenessConfig:
    file = validate(EffectivenessFile, raw, "config/effectiveness.yaml", EffectivenessConfigError)
    return file.config()


def parse_benchmarks(raw: dict[str, Any]) -> BenchmarkConfig:
    return validate(
        BenchmarkConfig, raw, "config/literature_benchmarks.yaml", EffectivenessConfigError
    )


@cache
def load_effectiveness_config() -> EffectivenessConfig:
    file = config_path("effectiveness.yaml")
    return load_config(EffectivenessFile, file, EffectivenessConfigError).config()


@cache
def load_benchmarks() -> BenchmarkConfig:
    file = config_path("literature_benchmarks.yaml")
    return load_config(BenchmarkConfig, file, EffectivenessConfigError)
