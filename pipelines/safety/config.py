"""Typed, validated view of `config/safety.yaml`.

A threshold that decides whether harm is signalled must say where it comes from, so the
loader refuses numbers without a source and an evidence level, indicators of unknown
families, and filters or event types outside the data contract's enums.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from pipelines.contract import load_contract
from pipelines.evidence import EVIDENCE_LEVELS
from pipelines.paths import resource_dir

FAMILIES = ("deterioration", "item9", "adverse_event", "disengagement", "process")
DEFINITIONS = ("jacobson_truax", "talking_therapies")
OVERDISPERSION = ("additive", "multiplicative", "none")
REFERENCE_UNCERTAINTY = ("carry", "ignore")
TRIGGERS = ("item9_answer", "serious_adverse_event")
_AE_FILTER_FIELDS = {"category": "category", "severity": "severity", "relatedness": "relatedness"}


class SafetyConfigError(ValueError):
    """The safety configuration lacks provenance or disagrees with the data contract."""


@dataclass(frozen=True)
class Sourced:
    value: float
    source: str
    evidence: str
    note: str = ""

    def cite(self) -> str:
        return f"{self.source} [{self.evidence}]"


@dataclass(frozen=True)
class ModeStandard:
    """The process standard a delivery mode is held to instead of therapist contact."""

    delivery_mode: str
    standard: str
    description: str
    measurable: bool
    source: str
    evidence: str
    note: str

    def cite(self) -> str:
        return f"{self.source} [{self.evidence}]"


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
    webhook_url_env: str
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


def _sourced(raw: Any, where: str) -> Sourced:
    if not isinstance(raw, dict) or "value" not in raw:
        raise SafetyConfigError(f"{where}: expected a block with value, source and evidence")
    for key in ("source", "evidence"):
        if not raw.get(key):
            raise SafetyConfigError(f"{where}: missing {key}")
    if raw["evidence"] not in EVIDENCE_LEVELS:
        raise SafetyConfigError(f"{where}: evidence must be one of {EVIDENCE_LEVELS}")
    return Sourced(float(raw["value"]), raw["source"], raw["evidence"], raw.get("note", ""))


def _enum(table: str, field: str) -> tuple[str, ...]:
    return tuple(load_contract()[table].field(field).enum)


def _indicator(name: str, raw: dict) -> Indicator:
    family = raw.get("family")
    if family not in FAMILIES:
        raise SafetyConfigError(f"indicators.{name}: family must be one of {FAMILIES}")
    if "severe" not in raw or not isinstance(raw["severe"], bool):
        raise SafetyConfigError(f"indicators.{name}: severe must be true or false")
    fallback = raw.get("published_fallback")
    if fallback is None and not raw.get("fallback_note"):
        raise SafetyConfigError(f"indicators.{name}: say why there is no published fallback")
    filters: dict[str, tuple[Any, ...]] = {}
    if family == "adverse_event":
        raw_filter = raw.get("filter") or {}
        if not raw_filter:
            raise SafetyConfigError(f"indicators.{name}: an adverse-event filter is required")
        for key, values in raw_filter.items():
            if key == "serious":
                allowed: tuple[Any, ...] = (True, False)
            elif key in _AE_FILTER_FIELDS:
                allowed = _enum("adverse_events", _AE_FILTER_FIELDS[key])
            else:
                raise SafetyConfigError(f"indicators.{name}: cannot filter on {key!r}")
            bad = [v for v in values if v not in allowed]
            if bad:
                raise SafetyConfigError(f"indicators.{name}: {key} values {bad} not in contract")
            filters[key] = tuple(values)
    if family == "deterioration" and not (raw.get("instrument") and raw.get("scale")):
        raise SafetyConfigError(f"indicators.{name}: a deterioration needs instrument and scale")
    return Indicator(
        name=name,
        label=raw["label"],
        family=family,
        severe=raw["severe"],
        instrument=raw.get("instrument"),
        scale=raw.get("scale"),
        filter=MappingProxyType(filters),
        published_fallback=None
        if fallback is None
        else _sourced(fallback, f"indicators.{name}.published_fallback"),
        fallback_note=raw.get("fallback_note", ""),
    )


def _mode_standards(raw: dict | None) -> dict[str, ModeStandard]:
    """process_of_care.standards_by_delivery_mode, validated against the contract."""
    modes = _enum("programs", "delivery_mode")
    standards = {}
    for mode, spec in (raw or {}).items():
        where = f"process_of_care.standards_by_delivery_mode.{mode}"
        if mode not in modes:
            raise SafetyConfigError(f"{where}: delivery mode not in contract {modes}")
        for key in ("standard", "description", "source", "evidence", "note"):
            if not spec.get(key):
                raise SafetyConfigError(f"{where}: missing {key}")
        if spec["evidence"] not in EVIDENCE_LEVELS:
            raise SafetyConfigError(f"{where}: evidence must be one of {EVIDENCE_LEVELS}")
        if spec.get("measurable") is not False:
            # Measuring a mode's own standard needs an event that records it being met;
            # data contract v1 has none, so only an unmeasured standard can be declared.
            raise SafetyConfigError(
                f"{where}: measurable must be false (no event in the data contract records "
                "a standard other than therapist contact)"
            )
        standards[mode] = ModeStandard(
            mode,
            spec["standard"],
            spec["description"],
            False,
            spec["source"],
            spec["evidence"],
            spec["note"],
        )
    return standards


def parse_safety_config(raw: dict) -> SafetyConfig:
    det, item9, dis = raw["deterioration"], raw["item9"], raw["disengagement"]
    process, funnel, cusum, alerts = (
        raw["process_of_care"],
        raw["funnel"],
        raw["cusum"],
        raw["alerts"],
    )
    if det["definition"] not in DEFINITIONS:
        raise SafetyConfigError(f"deterioration.definition must be one of {DEFINITIONS}")
    expected = raw["expected"]
    if expected["reference_uncertainty"] not in REFERENCE_UNCERTAINTY:
        raise SafetyConfigError(
            f"expected.reference_uncertainty must be one of {REFERENCE_UNCERTAINTY}"
        )
    if int(cusum["reference_nodes"]) < 1:
        raise SafetyConfigError("cusum.reference_nodes must be at least 1")
    if funnel["overdispersion"] not in OVERDISPERSION:
        raise SafetyConfigError(f"funnel.overdispersion must be one of {OVERDISPERSION}")
    reasons = tuple(dis["reasons"])
    if bad := set(reasons) - set(_enum("episodes", "discharge_reason")):
        raise SafetyConfigError(f"disengagement.reasons not in contract: {sorted(bad)}")
    contacts = tuple(process["contact_event_types"])
    if bad := set(contacts) - set(_enum("engagement_events", "event_type")):
        raise SafetyConfigError(f"process_of_care.contact_event_types not in contract: {bad}")
    triggers = tuple(process["triggers"])
    if bad := set(triggers) - set(TRIGGERS):
        raise SafetyConfigError(f"process_of_care.triggers must be among {TRIGGERS}: {bad}")
    indicators = {name: _indicator(name, spec) for name, spec in raw["indicators"].items()}
    config = SafetyConfig(
        indicators=MappingProxyType(indicators),
        deterioration_timepoint=det["timepoint"],
        deterioration_definition=det["definition"],
        deterioration_source=f"{det['definition_source']} [{det['definition_evidence']}]",
        item9_instrument=item9["instrument"],
        item9_number=int(item9["item_number"]),
        disengaged_reasons=reasons,
        item9_minimum=_sourced(process["item9_minimum"], "process_of_care.item9_minimum"),
        standard_business_days=_sourced(
            process["standard_business_days"], "process_of_care.standard_business_days"
        ),
        contact_event_types=contacts,
        triggers=triggers,
        mode_standards=MappingProxyType(_mode_standards(process.get("standards_by_delivery_mode"))),
        events_per_variable=_sourced(
            expected["events_per_variable"], "expected.events_per_variable"
        ),
        reference_uncertainty=expected["reference_uncertainty"],
        reference_uncertainty_source=(
            f"{expected['reference_uncertainty_source']} "
            f"[{expected['reference_uncertainty_evidence']}]"
        ),
        reference_nodes=int(cusum["reference_nodes"]),
        window_months=_sourced(funnel["window_months"], "funnel.window_months"),
        alert_level=_sourced(funnel["alert_level"], "funnel.alert_level"),
        alarm_level=_sourced(funnel["alarm_level"], "funnel.alarm_level"),
        overdispersion=funnel["overdispersion"],
        overdispersion_source=(
            f"{funnel['overdispersion_source']} [{funnel['overdispersion_evidence']}]"
        ),
        winsorise=_sourced(funnel["winsorise"], "funnel.winsorise"),
        resolve_after_months=_sourced(funnel["resolve_after_months"], "funnel.resolve_after"),
        odds_ratio=_sourced(cusum["odds_ratio"], "cusum.odds_ratio"),
        in_control_arl_months=_sourced(cusum["in_control_arl_months"], "cusum.arl"),
        restart_fraction=_sourced(cusum["restart_fraction"], "cusum.restart_fraction"),
        simulation_cycles=int(cusum["simulation_cycles"]),
        simulation_seed=int(cusum["simulation_seed"]),
        minimum_events=_sourced(raw["minimum_events"], "minimum_events"),
        false_alarm_target=_sourced(raw["false_alarm_target"], "false_alarm_target"),
        webhook_url_env=alerts["webhook_url_env"],
        alerts_file_name=alerts["file_name"],
        alert_timeout_seconds=float(alerts["timeout_seconds"]),
        alert_retries=int(alerts["retries"]),
        alert_backoff_seconds=float(alerts["backoff_seconds"]),
    )
    if not 0 < config.odds_ratio.value != 1:
        raise SafetyConfigError("cusum.odds_ratio must be positive and not 1")
    if not 0 <= config.restart_fraction.value < 1:
        raise SafetyConfigError("cusum.restart_fraction must be in [0, 1)")
    if not 0 < config.alert_level.value < config.alarm_level.value < 1:
        raise SafetyConfigError("funnel levels must satisfy 0 < alert < alarm < 1")
    return config


@cache
def load_safety_config(path: Path | None = None) -> SafetyConfig:
    path = path or resource_dir("config") / "safety.yaml"
    return parse_safety_config(yaml.safe_load(Path(path).read_text()))
