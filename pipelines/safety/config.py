"""Typed, validated view of `config/safety.yaml`.

A threshold that decides whether harm is signalled must say where it comes from, so the
model refuses numbers without a source and an evidence level, indicators of unknown
families, and filters or event types outside the data contract's enums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

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
from pipelines.contract import load_contract

FAMILIES = ("deterioration", "item9", "adverse_event", "disengagement", "process")
DEFINITIONS = ("jacobson_truax", "talking_therapies")
OVERDISPERSION = ("additive", "multiplicative", "none")
REFERENCE_UNCERTAINTY = ("carry", "ignore")
TRIGGERS = ("item9_answer", "serious_adverse_event")
_AE_FILTER_FIELDS = {"category": "category", "severity": "severity", "relatedness": "relatedness"}


class SafetyConfigError(ValueError):
    """The safety configuration lacks provenance or disagrees with the data contract."""


@dataclass(frozen=True)
class Indicator:
    name: str
    label: str
    family: str
    severe: bool
    instrument: str | None = None
    scale: str | None = None
    filter: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    published_fallback: Sourced | None = None
    fallback_note: str = ""


@dataclass(frozen=True)
class SafetyConfig:
    indicators: Mapping[str, Indicator]
    deterioration_timepoint: str
    deterioration_definition: str
    deterioration_source: str
    item9_instrument: str
    item9_number: int
    disengaged_reasons: tuple[str, ...]
    item9_minimum: Sourced
    standard_business_days: Sourced
    contact_event_types: tuple[str, ...]
    triggers: tuple[str, ...]
    mode_standards: Mapping[str, ModeStandard]
    events_per_variable: Sourced
    reference_uncertainty: str
    reference_uncertainty_source: str
    reference_nodes: int
    window_months: Sourced
    alert_level: Sourced
    alarm_level: Sourced
    overdispersion: str
    overdispersion_source: str
    winsorise: Sourced
    resolve_after_months: Sourced
    odds_ratio: Sourced
    in_control_arl_months: Sourced
    restart_fraction: Sourced
    simulation_cycles: int
    simulation_seed: int
    minimum_events: Sourced
    false_alarm_target: Sourced
    alerts_file_name: str
    alert_timeout_seconds: float
    alert_retries: int
    alert_backoff_seconds: float

    def sourced_values(self) -> dict[str, Sourced]:
        """Every sourced number, by a dotted name, for the reference table."""
        named = {
            "process_of_care.item9_minimum": self.item9_minimum,
            "process_of_care.standard_business_days": self.standard_business_days,
            "expected.events_per_variable": self.events_per_variable,
            "funnel.window_months": self.window_months,
            "funnel.alert_level": self.alert_level,
            "funnel.alarm_level": self.alarm_level,
            "funnel.winsorise": self.winsorise,
            "funnel.resolve_after_months": self.resolve_after_months,
            "cusum.odds_ratio": self.odds_ratio,
            "cusum.in_control_arl_months": self.in_control_arl_months,
            "cusum.restart_fraction": self.restart_fraction,
            "minimum_events": self.minimum_events,
            "false_alarm_target": self.false_alarm_target,
        }
        for name, indicator in self.indicators.items():
            if indicator.published_fallback is not None:
                named[f"indicators.{name}.published_fallback"] = indicator.published_fallback
        return named

    @property
    def carries_reference_uncertainty(self) -> bool:
        return self.reference_uncertainty == "carry"

    def restricted(self, names: tuple[str, ...]) -> SafetyConfig:
        """The same policy watching only `names` (used to measure one indicator's
        operating characteristics without simulating every chart)."""
        unknown = set(names) - set(self.indicators)
        if unknown:
            raise SafetyConfigError(f"unknown indicators: {sorted(unknown)}")
        return replace(self, indicators={n: self.indicators[n] for n in names})


def _enum(table: str, field: str) -> tuple[str, ...]:
    return tuple(load_contract()[table].field(field).enum)


def _in_contract(values: tuple[str, ...], table: str, field: str) -> tuple[str, ...]:
    if bad := sorted(set(values) - set(_enum(table, field))):
        raise ValueError(f"{bad} not in contract ({table}.{field})")
    return values


Number = Sourced[float]


class IndicatorSpec(ConfigModel):
    label: NonEmpty
    family: Literal[FAMILIES]
    severe: bool
    instrument: str | None = None
    scale: str | None = None
    filter: dict[str, tuple[Any, ...]] = Field(default_factory=dict)
    published_fallback: Number | None
    fallback_note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> IndicatorSpec:
        if self.published_fallback is None and not self.fallback_note:
            raise ValueError("say why there is no published fallback (fallback_note)")
        if self.family == "adverse_event":
            if not self.filter:
                raise ValueError("an adverse-event filter is required")
            for key, values in self.filter.items():
                if key == "serious":
                    allowed: tuple[Any, ...] = (True, False)
                elif key in _AE_FILTER_FIELDS:
                    allowed = _enum("adverse_events", _AE_FILTER_FIELDS[key])
                else:
                    raise ValueError(f"cannot filter on {key!r}")
                if bad := [v for v in values if v not in allowed]:
                    raise ValueError(f"{key} values {bad} not in contract")
        elif self.filter:
            raise ValueError("only adverse-event indicators take a filter")
        if self.family == "deterioration" and not (self.instrument and self.scale):
            raise ValueError("a deterioration needs instrument and scale")
        return self

    def indicator(self, name: str) -> Indicator:
        return Indicator(
            name=name,
            label=self.label,
            family=self.family,
            severe=self.severe,
            instrument=self.instrument,
            scale=self.scale,
            filter=MappingProxyType(dict(self.filter)),
            published_fallback=self.published_fallback,
            fallback_note=self.fallback_note,
        )


class DeteriorationSpec(ConfigModel):
    timepoint: str
    definition: Literal[DEFINITIONS]
    definition_source: NonEmpty
    definition_evidence: EvidenceLevel


class Item9Spec(Cited):
    instrument: str
    item_number: int = Field(ge=1)


class DisengagementSpec(Cited):
    reasons: tuple[str, ...]

    @field_validator("reasons")
    @classmethod
    def _contract_reasons(cls, reasons: tuple[str, ...]) -> tuple[str, ...]:
        return _in_contract(reasons, "episodes", "discharge_reason")


class ModeStandard(Cited):
    """The process standard a delivery mode is held to instead of therapist contact."""

    standard: NonEmpty
    description: NonEmpty
    note: NonEmpty
    # Measuring a mode's own standard needs an event that records it being met; data
    # contract v1 has none, so only an unmeasured standard can be declared.
    measurable: bool

    @field_validator("measurable")
    @classmethod
    def _not_measured(cls, measurable: bool) -> bool:
        if measurable:
            raise ValueError(
                "measurable must be false (no event in the data contract records a standard "
                "other than therapist contact)"
            )
        return measurable


class ProcessOfCareSpec(ConfigModel):
    item9_minimum: Number
    standard_business_days: Number
    contact_event_types: tuple[str, ...]
    contact_source: NonEmpty
    triggers: tuple[Literal[TRIGGERS], ...]
    standards_by_delivery_mode: dict[str, ModeStandard] = Field(default_factory=dict)

    @field_validator("contact_event_types")
    @classmethod
    def _contract_events(cls, types: tuple[str, ...]) -> tuple[str, ...]:
        return _in_contract(types, "engagement_events", "event_type")

    @field_validator("standards_by_delivery_mode")
    @classmethod
    def _contract_modes(cls, standards: dict[str, ModeStandard]) -> dict[str, ModeStandard]:
        _in_contract(tuple(standards), "programs", "delivery_mode")
        return standards


class ExpectedSpec(ConfigModel):
    # Documents the covariates pipelines/safety/expected.py fits (not a switch).
    covariate_note: NonEmpty
    events_per_variable: Number
    reference_uncertainty: Literal[REFERENCE_UNCERTAINTY]
    reference_uncertainty_source: NonEmpty
    reference_uncertainty_evidence: EvidenceLevel


class FunnelSpec(ConfigModel):
    window_months: Number
    alert_level: Number
    alarm_level: Number
    overdispersion: Literal[OVERDISPERSION]
    overdispersion_source: NonEmpty
    overdispersion_evidence: EvidenceLevel
    winsorise: Number
    resolve_after_months: Number

    @model_validator(mode="after")
    def _ordered_levels(self) -> FunnelSpec:
        if not 0 < self.alert_level.value < self.alarm_level.value < 1:
            raise ValueError("funnel levels must satisfy 0 < alert < alarm < 1")
        return self


class CusumSpec(ConfigModel):
    odds_ratio: Number
    in_control_arl_months: Number
    restart_fraction: Number
    simulation_cycles: int = Field(ge=1)
    simulation_seed: int
    reference_nodes: int = Field(ge=1)

    @field_validator("odds_ratio")
    @classmethod
    def _odds_ratio(cls, odds_ratio: Number) -> Number:
        if not 0 < odds_ratio.value != 1:
            raise ValueError("cusum.odds_ratio must be positive and not 1")
        return odds_ratio

    @field_validator("restart_fraction")
    @classmethod
    def _restart_fraction(cls, fraction: Number) -> Number:
        if not 0 <= fraction.value < 1:
            raise ValueError("cusum.restart_fraction must be in [0, 1)")
        return fraction


class FalseAlarmTarget(Sourced[float]):
    unit: NonEmpty


class AlertsSpec(ConfigModel):
    """Where alerts go; the webhook URL is ICBT_ALERT_WEBHOOK_URL (pipelines.settings)."""

    file_name: NonEmpty
    timeout_seconds: float = Field(gt=0)
    retries: int = Field(ge=0)
    backoff_seconds: float = Field(ge=0)


class SafetyFile(ConfigModel):
    """config/safety.yaml."""

    schema_version: Literal[1]
    indicators: dict[str, IndicatorSpec]
    deterioration: DeteriorationSpec
    item9: Item9Spec
    disengagement: DisengagementSpec
    process_of_care: ProcessOfCareSpec
    expected: ExpectedSpec
    funnel: FunnelSpec
    cusum: CusumSpec
    minimum_events: Number
    false_alarm_target: FalseAlarmTarget
    alerts: AlertsSpec

    def config(self) -> SafetyConfig:
        """The flat view the safety steps read."""
        det, process, expected = self.deterioration, self.process_of_care, self.expected
        funnel, cusum, alerts = self.funnel, self.cusum, self.alerts
        return SafetyConfig(
            indicators=MappingProxyType(
                {name: spec.indicator(name) for name, spec in self.indicators.items()}
            ),
            deterioration_timepoint=det.timepoint,
            deterioration_definition=det.definition,
            deterioration_source=f"{det.definition_source} [{det.definition_evidence}]",
            item9_instrument=self.item9.instrument,
            item9_number=self.item9.item_number,
            disengaged_reasons=self.disengagement.reasons,
            item9_minimum=process.item9_minimum,
            standard_business_days=process.standard_business_days,
            contact_event_types=process.contact_event_types,
            triggers=process.triggers,
            mode_standards=MappingProxyType(dict(process.standards_by_delivery_mode)),
            events_per_variable=expected.events_per_variable,
            reference_uncertainty=expected.reference_uncertainty,
            reference_uncertainty_source=(
                f"{expected.reference_uncertainty_source} "
                f"[{expected.reference_uncertainty_evidence}]"
            ),
            reference_nodes=cusum.reference_nodes,
            window_months=funnel.window_months,
            alert_level=funnel.alert_level,
            alarm_level=funnel.alarm_level,
            overdispersion=funnel.overdispersion,
            overdispersion_source=(
                f"{funnel.overdispersion_source} [{funnel.overdispersion_evidence}]"
            ),
            winsorise=funnel.winsorise,
            resolve_after_months=funnel.resolve_after_months,
            odds_ratio=cusum.odds_ratio,
            in_control_arl_months=cusum.in_control_arl_months,
            restart_fraction=cusum.restart_fraction,
            simulation_cycles=cusum.simulation_cycles,
            simulation_seed=cusum.simulation_seed,
            minimum_events=self.minimum_events,
            false_alarm_target=self.false_alarm_target,
            alerts_file_name=alerts.file_name,
            alert_timeout_seconds=alerts.timeout_seconds,
            alert_retries=alerts.retries,
            alert_backoff_seconds=alerts.backoff_seconds,
        )


def parse_safety_config(raw: dict) -> SafetyConfig:
    return validate(SafetyFile, raw, "config/safety.yaml", SafetyConfigError).config()


@cache
def load_safety_config(path: Path | None = None) -> SafetyConfig:
    file = path or config_path("safety.yaml")
    return load_config(SafetyFile, file, SafetyConfigError).config()
