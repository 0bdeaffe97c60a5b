"""Typed, validated view of `config/scoring.yaml`.

Scoring thresholds decide who counts as a case, a responder or a deterioration, so the
file is read through a pydantic model (every number with a source and an evidence level,
no unknown key) and then checked against the data contract: instruments or scales
missing from it, or ranges that disagree with its item ranges, are refused. Item
membership of each scale is taken from the contract, never from the YAML, so the two
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from pipelines.config_models import (
    Cited,
    ConfigModel,
    NonEmpty,
    Sourced,
    config_path,
    load_config,
    validate,
)
from pipelines.contract import CONTRACT_VERSION, InstrumentSpec, load_instruments

ANCHORS = ("start_date", "planned_end")
TIMEPOINTS = ("baseline", "post_treatment", "follow_up")

Method = Literal["sum", "mean"]
SdMethod = Literal["fixed", "sample_baseline"]
Positive = Sourced[float]


class ScoringConfigError(ValueError):
    """The scoring configuration is inconsistent with the contract or lacks provenance."""


class ScoringRule(Cited):
    method: Method
    higher_is_better: bool
    min: float
    max: float


class MissingRule(Cited):
    """Prorate when at most `max_missing` items are unanswered, otherwise no score."""

    max_missing: int = Field(ge=0)


class Band(ConfigModel):
    min: float
    label: NonEmpty


class SeverityBands(Cited):
    """Bands by inclusive lower bound; a score takes the highest band it reaches."""

    bands: tuple[Band, ...] = Field(min_length=1)

    @field_validator("bands")
    @classmethod
    def _ordered(cls, bands: tuple[Band, ...]) -> tuple[Band, ...]:
        if any(a.min >= b.min for a, b in pairwise(bands)):
            raise ValueError("band bounds must increase strictly")
        if len({b.label for b in bands}) != len(bands):
            raise ValueError("band labels must be present and distinct")
        return bands


class Norms(Cited):
    mean: float
    sd: float = Field(gt=0)


class Reliability(Sourced[float]):
    kind: NonEmpty

    @field_validator("value")
    @classmethod
    def _below_one(cls, value: float) -> float:
        if not 0 < value < 1:
            raise ValueError("reliability must be above 0 and below 1")
        return value


class SdSpec(Cited):
    method: SdMethod
    value: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _fixed_needs_value(self) -> SdSpec:
        if self.method == "fixed" and self.value is None:
            raise ValueError("a fixed SD needs its value")
        return self


class ReliableChangeBlock(ConfigModel):
    reliability: Reliability
    sd: SdSpec


class ClinicalSignificanceBlock(ConfigModel):
    available: bool
    reason: str = ""
    functional: Norms | None = None
    dysfunctional: Norms | None = None

    @model_validator(mode="after")
    def _norms_or_reason(self) -> ClinicalSignificanceBlock:
        with_norms = self.functional is not None and self.dysfunctional is not None
        if (self.available and not with_norms) or (not self.available and not self.reason):
            raise ValueError("set available: true with norms, or false with a reason")
        return self


class McidBlock(ConfigModel):
    points: Positive | None = None
    percent: Positive | None = None
    # Why a scale has no MCID, or how the two relate.
    note: str = ""


class ScaleBlock(ConfigModel):
    label: NonEmpty
    scoring: ScoringRule
    missing: MissingRule
    severity_bands: SeverityBands | None = None
    caseness_min: Positive | None = None
    mcid: McidBlock
    reliable_change: ReliableChangeBlock | None = None
    clinical_significance: ClinicalSignificanceBlock
    change_outcome: bool


class NeverImpute(Cited):
    items: tuple[int, ...] = Field(min_length=1)


class InstrumentBlock(ConfigModel):
    never_impute_items: NeverImpute | None = None
    scales: dict[str, ScaleBlock]


class TalkingTherapiesBlock(ConfigModel):
    instrument: str
    scale: str
    caseness_min: Positive
    reliable_change_points: Positive


class Definition(Cited):
    rule: NonEmpty


class TalkingTherapiesFile(ConfigModel):
    depression: TalkingTherapiesBlock
    anxiety: TalkingTherapiesBlock
    definitions: dict[str, Definition]


class Window(Cited):
    """Days relative to `anchor`; the administration nearest `target_days` is used."""

    anchor: Literal[ANCHORS]
    from_days: int
    to_days: int
    target_days: int

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if not self.from_days <= self.target_days <= self.to_days:
            raise ValueError("need from_days <= target_days <= to_days")
        return self


class Timepoints(ConfigModel):
    baseline: Window
    post_treatment: Window
    follow_up: Window


class ReliableChangeCriterion(ConfigModel):
    z_critical: Positive


class Responder(ConfigModel):
    moderate_percent: Positive
    substantial_percent: Positive

    @model_validator(mode="after")
    def _ordered(self) -> Responder:
        if not self.moderate_percent.value < self.substantial_percent.value:
            raise ValueError("moderate_percent must be below substantial_percent")
        return self


class ScoringFile(ConfigModel):
    """config/scoring.yaml, before it is checked against the contract."""

    schema_version: Literal[1]
    contract_version: str
    reliable_change: ReliableChangeCriterion
    immpact_responder: Responder
    talking_therapies: TalkingTherapiesFile
    timepoints: Timepoints
    instruments: dict[str, InstrumentBlock]


@dataclass(frozen=True)
class ReliableChangeSpec:
    """Inputs of the Jacobson-Truax index: reliability and the SD it is scaled by.

    `sd_method` is `fixed` (use `sd_value`) or `sample_baseline` (use the SD of the
    cohort's baseline scores, as in Jacobson & Truax's pre-treatment SD).
    """

    reliability: Sourced
    reliability_kind: str
    sd_method: SdMethod
    sd_value: float | None
    sd_source: str
    sd_evidence: str
    sd_note: str = ""


@dataclass(frozen=True)
class ClinicalSignificance:
    """Functional and dysfunctional norms for Jacobson-Truax criterion c."""

    functional: Norms
    dysfunctional: Norms


@dataclass(frozen=True)
class ScaleConfig:
    instrument: str
    name: str
    label: str
    items: tuple[int, ...]
    scoring: ScoringRule
    missing: MissingRule
    severity_bands: SeverityBands | None
    caseness_min: Sourced | None
    mcid_points: Sourced | None
    mcid_percent: Sourced | None
    reliable_change: ReliableChangeSpec | None
    clinical_significance: ClinicalSignificance | None
    clinical_significance_note: str
    change_outcome: bool

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def min_answered(self) -> int:
        return self.n_items - self.missing.max_missing


@dataclass(frozen=True)
class InstrumentConfig:
    code: str
    item_min: int
    item_max: int
    scales: Mapping[str, ScaleConfig]
    never_impute_items: tuple[int, ...]


@dataclass(frozen=True)
class TalkingTherapiesMeasure:
    instrument: str
    scale: str
    caseness_min: Sourced
    reliable_change_points: Sourced


@dataclass(frozen=True)
class TalkingTherapiesConfig:
    depression: TalkingTherapiesMeasure
    anxiety: TalkingTherapiesMeasure
    definitions: Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class TimepointWindow:
    """Days relative to `anchor`; the administration nearest `target_days` is used."""

    name: str
    anchor: str
    from_days: int
    to_days: int
    target_days: int
    source: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class ScoringConfig:
    instruments: Mapping[str, InstrumentConfig]
    rci_z: Sourced
    responder_moderate: Sourced
    responder_substantial: Sourced
    talking_therapies: TalkingTherapiesConfig
    timepoints: Mapping[str, TimepointWindow]

    def scale(self, instrument: str, scale: str) -> ScaleConfig:
        return self.instruments[instrument].scales[scale]

    def scales(self) -> tuple[ScaleConfig, ...]:
        """Every configured scale, in contract order."""
        return tuple(s for ins in self.instruments.values() for s in ins.scales.values())


def _within(value: float, lo: float, hi: float) -> bool:
    return lo < value <= hi


class _Contract:
    """Checks a validated file against the contract's instruments, collecting every
    problem so one run reports them all."""

    def __init__(self, contract: Mapping[str, InstrumentSpec]) -> None:
        self.contract = contract
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def check_range(
        self, sourced: Sourced, path: str, lo: float, hi: float, *, open_: bool
    ) -> None:
        value = sourced.value
        below = value <= lo if open_ else value < lo
        if below or value > hi:
            self.fail(f"{path}.value", f"{value} outside {'(' if open_ else '['}{lo}, {hi}]")

    def scale(self, block: ScaleBlock, path: str, spec: InstrumentSpec, name: str) -> ScaleConfig:
        items = spec.subscales[name]
        rule = block.scoring
        k = len(items) if rule.method == "sum" else 1
        if (rule.min, rule.max) != (spec.item_min * k, spec.item_max * k):
            self.fail(
                f"{path}.scoring",
                f"range [{rule.min}, {rule.max}] disagrees with the contract's items for "
                f"{rule.method}",
            )
        if block.missing.max_missing >= len(items):
            self.fail(
                f"{path}.missing.max_missing", f"expected an integer in [0, {len(items) - 1}]"
            )
        bands = block.severity_bands
        if bands is not None and bands.bands[0].min != rule.min:
            self.fail(f"{path}.severity_bands", "the first band must start at the scale minimum")
        if bands is not None and bands.bands[-1].min > rule.max:
            self.fail(f"{path}.severity_bands", "band bounds must stay within the range")
        if block.caseness_min is not None:
            self.check_range(
                block.caseness_min, f"{path}.caseness_min", rule.min, rule.max, open_=False
            )
        span = rule.max - rule.min
        for part, sourced, hi in (
            ("points", block.mcid.points, span),
            ("percent", block.mcid.percent, 100.0),
        ):
            if sourced is not None:
                self.check_range(sourced, f"{path}.mcid.{part}", 0, hi, open_=True)
        significance = block.clinical_significance
        change = block.reliable_change
        return ScaleConfig(
            instrument=spec.code,
            name=name,
            label=block.label,
            items=items,
            scoring=rule,
            missing=block.missing,
            severity_bands=bands,
            caseness_min=block.caseness_min,
            mcid_points=block.mcid.points,
            mcid_percent=block.mcid.percent,
            reliable_change=None
            if change is None
            else ReliableChangeSpec(
                reliability=change.reliability,
                reliability_kind=change.reliability.kind,
                sd_method=change.sd.method,
                sd_value=change.sd.value,
                sd_source=change.sd.source,
                sd_evidence=change.sd.evidence,
                sd_note=change.sd.note,
            ),
            clinical_significance=ClinicalSignificance(
                significance.functional, significance.dysfunctional
            )
            if significance.available
            and significance.functional is not None
            and significance.dysfunctional is not None
            else None,
            clinical_significance_note=significance.reason,
            change_outcome=block.change_outcome,
        )

    def instrument(
        self, block: InstrumentBlock, path: str, spec: InstrumentSpec
    ) -> InstrumentConfig:
        if set(block.scales) != set(spec.subscales):
            self.fail(
                f"{path}.scales",
                f"scales {sorted(block.scales)} differ from the contract's "
                f"{sorted(spec.subscales)}",
            )
        scales = {
            name: self.scale(block.scales[name], f"{path}.scales.{name}", spec, name)
            for name in spec.subscales
            if name in block.scales
        }
        never = block.never_impute_items.items if block.never_impute_items else ()
        if any(i not in range(1, spec.n_items + 1) for i in never):
            self.fail(f"{path}.never_impute_items", f"items must be in 1..{spec.n_items}")
        return InstrumentConfig(
            spec.code, spec.item_min, spec.item_max, MappingProxyType(scales), tuple(never)
        )

    def talking_therapies(
        self, block: TalkingTherapiesFile, instruments: Mapping[str, InstrumentConfig]
    ) -> TalkingTherapiesConfig:
        measures = []
        for role in ("depression", "anxiety"):
            path = f"talking_therapies.{role}"
            measure: TalkingTherapiesBlock = getattr(block, role)
            scales = (
                instruments[measure.instrument].scales if measure.instrument in instruments else {}
            )
            if measure.scale not in scales:
                self.fail(path, f"unknown instrument/scale {measure.instrument}/{measure.scale}")
            else:
                rule = scales[measure.scale].scoring
                self.check_range(
                    measure.caseness_min, f"{path}.caseness_min", rule.min, rule.max, open_=False
                )
                self.check_range(
                    measure.reliable_change_points,
                    f"{path}.reliable_change_points",
                    0,
                    rule.max - rule.min,
                    open_=True,
                )
            measures.append(
                TalkingTherapiesMeasure(
                    measure.instrument,
                    measure.scale,
                    measure.caseness_min,
                    measure.reliable_change_points,
                )
            )
        definitions = {
            name: definition.model_dump(exclude_defaults=True)
            for name, definition in block.definitions.items()
        }
        return TalkingTherapiesConfig(measures[0], measures[1], MappingProxyType(definitions))


def _build(file: ScoringFile, contract_version: str) -> ScoringConfig:
    """The contract's scales configured as the file says; every mismatch reported."""
    if file.contract_version != contract_version:
        raise ScoringConfigError(f"contract_version: expected {contract_version!r}")
    contract = load_instruments(contract_version)
    check = _Contract(contract)
    if set(file.instruments) != set(contract):
        check.fail(
            "instruments",
            f"{sorted(file.instruments)} differ from the contract's {sorted(contract)}",
        )
    instruments = MappingProxyType(
        {
            code: check.instrument(file.instruments[code], f"instruments.{code}", spec)
            for code, spec in contract.items()
            if code in file.instruments
        }
    )
    responder = file.immpact_responder
    for name in ("moderate_percent", "substantial_percent"):
        check.check_range(getattr(responder, name), f"immpact_responder.{name}", 0, 100, open_=True)
    rci_z = file.reliable_change.z_critical
    check.check_range(rci_z, "reliable_change.z_critical", 0, 10, open_=True)
    talking_therapies = check.talking_therapies(file.talking_therapies, instruments)
    if check.errors:
        raise ScoringConfigError("invalid scoring config:\n  " + "\n  ".join(check.errors))
    return ScoringConfig(
        instruments=instruments,
        rci_z=rci_z,
        responder_moderate=responder.moderate_percent,
        responder_substantial=responder.substantial_percent,
        talking_therapies=talking_therapies,
        timepoints=MappingProxyType(
            {
                name: TimepointWindow(name=name, **window.model_dump())
                for name, window in file.timepoints
            }
        ),
    )


def parse_scoring_config(raw: Any, contract_version: str = CONTRACT_VERSION) -> ScoringConfig:
    """Validate a parsed YAML document against the contract and build the typed config."""
    file = validate(ScoringFile, raw, "config/scoring.yaml", ScoringConfigError)
    return _build(file, contract_version)


def default_config_path() -> Path:
    return config_path("scoring.yaml")


@cache
def _load(path: Path) -> ScoringConfig:
    return _build(load_config(ScoringFile, path, ScoringConfigError), CONTRACT_VERSION)


def load_scoring_config(path: Path | None = None) -> ScoringConfig:
    """The scoring policy, validated; cached per file because it is read-only."""
    return _load((path or default_config_path()).resolve())
