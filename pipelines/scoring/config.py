"""Typed, validated view of `config/scoring.yaml`.

Scoring thresholds decide who counts as a case, a responder or a deterioration, so the
loader refuses a file that names instruments or scales missing from the data contract,
whose ranges disagree with the contract's item ranges, or whose numbers lack a source and
an evidence level. Item membership of each scale is taken from the contract, never from
the YAML, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import yaml

from pipelines.contract import CONTRACT_VERSION, InstrumentSpec, load_instruments
from pipelines.evidence import EVIDENCE_LEVELS
from pipelines.paths import resource_dir

ANCHORS = ("start_date", "planned_end")
TIMEPOINTS = ("baseline", "post_treatment", "follow_up")

Method = Literal["sum", "mean"]
SdMethod = Literal["fixed", "sample_baseline"]


class ScoringConfigError(ValueError):
    """The scoring configuration is inconsistent with the contract or lacks provenance."""


@dataclass(frozen=True)
class Sourced:
    """A published number with where it comes from and how well that was checked."""

    value: float
    source: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class ScoringRule:
    method: Method
    higher_is_better: bool
    min: float
    max: float
    source: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class MissingRule:
    """Prorate when at most `max_missing` items are unanswered, otherwise no score."""

    max_missing: int
    source: str
    evidence: str
    note: str = ""


@dataclass(frozen=True)
class Band:
    min: float
    label: str


@dataclass(frozen=True)
class SeverityBands:
    """Bands by inclusive lower bound; a score takes the highest band it reaches."""

    bands: tuple[Band, ...]
    source: str
    evidence: str
    note: str = ""


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
class Norms:
    mean: float
    sd: float
    source: str
    evidence: str


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


class _Reader:
    """Collects every problem in the file so one run reports them all."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def mapping(self, raw: Any, path: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.fail(path, "expected a mapping")
            return {}
        return raw

    def number(self, raw: dict[str, Any], key: str, path: str) -> float:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{key}", "expected a number")
            return float("nan")
        return float(value)

    def provenance(self, raw: dict[str, Any], path: str) -> tuple[str, str, str]:
        source, evidence = raw.get("source"), raw.get("evidence")
        if not isinstance(source, str) or not source.strip():
            self.fail(path, "missing source")
        if evidence not in EVIDENCE_LEVELS:
            self.fail(path, f"evidence must be one of {EVIDENCE_LEVELS}, got {evidence!r}")
        return str(source), str(evidence), str(raw.get("note", ""))

    def sourced(
        self, raw: Any, path: str, lo: float, hi: float, *, lo_open: bool = False
    ) -> Sourced:
        block = self.mapping(raw, path)
        value = self.number(block, "value", path)
        below = value <= lo if lo_open else value < lo
        if below or value > hi:
            self.fail(f"{path}.value", f"{value} outside {'(' if lo_open else '['}{lo}, {hi}]")
        return Sourced(value, *self.provenance(block, path))

    def optional_sourced(self, raw: Any, path: str, lo: float, hi: float) -> Sourced | None:
        return None if raw is None else self.sourced(raw, path, lo, hi, lo_open=True)


def _scoring(r: _Reader, raw: Any, path: str, spec: InstrumentSpec, n: int) -> ScoringRule:
    block = r.mapping(raw, path)
    method = block.get("method")
    if method not in ("sum", "mean"):
        r.fail(f"{path}.method", f"expected sum or mean, got {method!r}")
    hib = block.get("higher_is_better")
    if not isinstance(hib, bool):
        r.fail(f"{path}.higher_is_better", "expected true or false")
    lo, hi = r.number(block, "min", path), r.number(block, "max", path)
    k = n if method == "sum" else 1
    if (lo, hi) != (spec.item_min * k, spec.item_max * k):
        r.fail(path, f"range [{lo}, {hi}] disagrees with the contract's items for {method}")
    return ScoringRule(cast(Method, method), bool(hib), lo, hi, *r.provenance(block, path))


def _missing(r: _Reader, raw: Any, path: str, n: int) -> MissingRule:
    block = r.mapping(raw, path)
    k = block.get("max_missing")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < n:
        r.fail(f"{path}.max_missing", f"expected an integer in [0, {n - 1}]")
        k = 0
    return MissingRule(k, *r.provenance(block, path))


def _bands(r: _Reader, raw: Any, path: str, rule: ScoringRule) -> SeverityBands | None:
    if raw is None:
        return None
    block = r.mapping(raw, path)
    bands = []
    for i, item in enumerate(block.get("bands") or []):
        b = r.mapping(item, f"{path}.bands[{i}]")
        bands.append(Band(r.number(b, "min", f"{path}.bands[{i}]"), str(b.get("label", ""))))
    bounds = [b.min for b in bands]
    if not bands or bounds[0] != rule.min:
        r.fail(path, "the first band must start at the scale minimum")
    if any(a >= b for a, b in pairwise(bounds)) or bounds[-1:] > [rule.max]:
        r.fail(path, "band bounds must increase strictly and stay within the range")
    if any(not b.label for b in bands) or len({b.label for b in bands}) != len(bands):
        r.fail(path, "band labels must be present and distinct")
    return SeverityBands(tuple(bands), *r.provenance(block, path))


def _reliable_change(r: _Reader, raw: Any, path: str) -> ReliableChangeSpec | None:
    if raw is None:
        return None
    block = r.mapping(raw, path)
    rel_raw = r.mapping(block.get("reliability"), f"{path}.reliability")
    reliability = r.sourced(rel_raw, f"{path}.reliability", 0, 1, lo_open=True)
    if reliability.value >= 1:
        r.fail(f"{path}.reliability", "reliability must be below 1")
    sd = r.mapping(block.get("sd"), f"{path}.sd")
    method = sd.get("method")
    value = None
    if method == "fixed":
        value = r.number(sd, "value", f"{path}.sd")
        if not value > 0:
            r.fail(f"{path}.sd.value", "must be positive")
    elif method != "sample_baseline":
        r.fail(f"{path}.sd.method", f"expected fixed or sample_baseline, got {method!r}")
    source, evidence, note = r.provenance(sd, f"{path}.sd")
    kind = str(rel_raw.get("kind", ""))
    return ReliableChangeSpec(
        reliability, kind, cast(SdMethod, method), value, source, evidence, note
    )


def _norms(r: _Reader, raw: Any, path: str) -> Norms:
    block = r.mapping(raw, path)
    mean, sd = r.number(block, "mean", path), r.number(block, "sd", path)
    if not sd > 0:
        r.fail(f"{path}.sd", "must be positive")
    source, evidence, _ = r.provenance(block, path)
    return Norms(mean, sd, source, evidence)


def _scale(r: _Reader, raw: Any, path: str, spec: InstrumentSpec, name: str) -> ScaleConfig:
    block = r.mapping(raw, path)
    items = spec.subscales[name]
    scoring = _scoring(r, block.get("scoring"), f"{path}.scoring", spec, len(items))
    span = scoring.max - scoring.min
    mcid = r.mapping(block.get("mcid"), f"{path}.mcid")
    cs = r.mapping(block.get("clinical_significance"), f"{path}.clinical_significance")
    significance = None
    if cs.get("available") is True:
        significance = ClinicalSignificance(
            _norms(r, cs.get("functional"), f"{path}.clinical_significance.functional"),
            _norms(r, cs.get("dysfunctional"), f"{path}.clinical_significance.dysfunctional"),
        )
    elif cs.get("available") is not False or not cs.get("reason"):
        r.fail(
            f"{path}.clinical_significance",
            "set available: true with norms, or false with a reason",
        )
    caseness = block.get("caseness_min")
    outcome = block.get("change_outcome")
    if not isinstance(outcome, bool):
        r.fail(f"{path}.change_outcome", "expected true or false")
    label = block.get("label")
    if not isinstance(label, str) or not label.strip():
        r.fail(f"{path}.label", "expected the outcome's display label")
    return ScaleConfig(
        instrument=spec.code,
        name=name,
        label=str(label),
        items=items,
        scoring=scoring,
        missing=_missing(r, block.get("missing"), f"{path}.missing", len(items)),
        severity_bands=_bands(r, block.get("severity_bands"), f"{path}.severity_bands", scoring),
        caseness_min=None
        if caseness is None
        else r.sourced(caseness, f"{path}.caseness_min", scoring.min, scoring.max),
        mcid_points=r.optional_sourced(mcid.get("points"), f"{path}.mcid.points", 0, span),
        mcid_percent=r.optional_sourced(mcid.get("percent"), f"{path}.mcid.percent", 0, 100),
        reliable_change=_reliable_change(
            r, block.get("reliable_change"), f"{path}.reliable_change"
        ),
        clinical_significance=significance,
        clinical_significance_note=str(cs.get("reason", "")),
        change_outcome=bool(outcome),
    )


def _instrument(r: _Reader, raw: Any, path: str, spec: InstrumentSpec) -> InstrumentConfig:
    block = r.mapping(raw, path)
    scales_raw = r.mapping(block.get("scales"), f"{path}.scales")
    if set(scales_raw) != set(spec.subscales):
        r.fail(
            f"{path}.scales",
            f"scales {sorted(scales_raw)} differ from the contract's {sorted(spec.subscales)}",
        )
    scales = {
        name: _scale(r, scales_raw[name], f"{path}.scales.{name}", spec, name)
        for name in spec.subscales
        if name in scales_raw
    }
    never = ()
    if "never_impute_items" in block:
        ni = r.mapping(block["never_impute_items"], f"{path}.never_impute_items")
        never = tuple(ni.get("items", []))
        if not never or any(i not in range(1, spec.n_items + 1) for i in never):
            r.fail(f"{path}.never_impute_items", f"items must be in 1..{spec.n_items}")
        r.provenance(ni, f"{path}.never_impute_items")
    return InstrumentConfig(
        spec.code, spec.item_min, spec.item_max, MappingProxyType(scales), never
    )


def _talking_therapies(
    r: _Reader, raw: Any, instruments: Mapping[str, InstrumentConfig]
) -> TalkingTherapiesConfig:
    block = r.mapping(raw, "talking_therapies")
    measures = []
    for role in ("depression", "anxiety"):
        path = f"talking_therapies.{role}"
        m = r.mapping(block.get(role), path)
        ins, scale = str(m.get("instrument")), str(m.get("scale"))
        if ins not in instruments or scale not in instruments[ins].scales:
            r.fail(path, f"unknown instrument/scale {ins}/{scale}")
            lo, hi = 0.0, float("inf")
        else:
            rule = instruments[ins].scales[scale].scoring
            lo, hi = rule.min, rule.max
        measures.append(
            TalkingTherapiesMeasure(
                ins,
                scale,
                r.sourced(m.get("caseness_min"), f"{path}.caseness_min", lo, hi),
                r.sourced(
                    m.get("reliable_change_points"),
                    f"{path}.reliable_change_points",
                    0,
                    hi - lo,
                    lo_open=True,
                ),
            )
        )
    definitions = r.mapping(block.get("definitions"), "talking_therapies.definitions")
    for name, d in definitions.items():
        r.provenance(r.mapping(d, f"talking_therapies.definitions.{name}"), name)
    return TalkingTherapiesConfig(
        measures[0], measures[1], MappingProxyType({k: dict(v) for k, v in definitions.items()})
    )


def _timepoints(r: _Reader, raw: Any) -> Mapping[str, TimepointWindow]:
    block = r.mapping(raw, "timepoints")
    windows = {}
    for name in TIMEPOINTS:
        path = f"timepoints.{name}"
        w = r.mapping(block.get(name), path)
        days = {k: w.get(k) for k in ("from_days", "to_days", "target_days")}
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in days.values()):
            r.fail(path, "from_days, to_days and target_days must be integers")
            days = dict.fromkeys(days, 0)
        elif not days["from_days"] <= days["target_days"] <= days["to_days"]:
            r.fail(path, "need from_days <= target_days <= to_days")
        if w.get("anchor") not in ANCHORS:
            r.fail(f"{path}.anchor", f"expected one of {ANCHORS}")
        source, evidence, note = r.provenance(w, path)
        windows[name] = TimepointWindow(
            name,
            str(w.get("anchor")),
            days["from_days"],
            days["to_days"],
            days["target_days"],
            source,
            evidence,
            note,
        )
    return MappingProxyType(windows)


def parse_scoring_config(raw: Any, contract_version: str = CONTRACT_VERSION) -> ScoringConfig:
    """Validate a parsed YAML document against the contract and build the typed config."""
    r = _Reader()
    doc = r.mapping(raw, "<root>")
    if doc.get("schema_version") != 1:
        r.fail("schema_version", "expected 1")
    if doc.get("contract_version") != contract_version:
        r.fail("contract_version", f"expected {contract_version!r}")
    contract = load_instruments(contract_version)
    inst_raw = r.mapping(doc.get("instruments"), "instruments")
    if set(inst_raw) != set(contract):
        r.fail("instruments", f"{sorted(inst_raw)} differ from the contract's {sorted(contract)}")
    instruments = MappingProxyType(
        {
            code: _instrument(r, inst_raw[code], f"instruments.{code}", spec)
            for code, spec in contract.items()
            if code in inst_raw
        }
    )
    rc = r.mapping(doc.get("reliable_change"), "reliable_change")
    responder = r.mapping(doc.get("immpact_responder"), "immpact_responder")
    moderate = r.sourced(
        responder.get("moderate_percent"),
        "immpact_responder.moderate_percent",
        0,
        100,
        lo_open=True,
    )
    substantial = r.sourced(
        responder.get("substantial_percent"),
        "immpact_responder.substantial_percent",
        0,
        100,
        lo_open=True,
    )
    if not moderate.value < substantial.value:
        r.fail("immpact_responder", "moderate_percent must be below substantial_percent")
    config = ScoringConfig(
        instruments=instruments,
        rci_z=r.sourced(rc.get("z_critical"), "reliable_change.z_critical", 0, 10, lo_open=True),
        responder_moderate=moderate,
        responder_substantial=substantial,
        talking_therapies=_talking_therapies(r, doc.get("talking_therapies"), instruments),
        timepoints=_timepoints(r, doc.get("timepoints")),
    )
    if r.errors:
        raise ScoringConfigError("invalid scoring config:\n  " + "\n  ".join(r.errors))
    return config


def default_config_path() -> Path:
    return resource_dir("config") / "scoring.yaml"


@cache
def _load(path: Path) -> ScoringConfig:
    return parse_scoring_config(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_scoring_config(path: Path | None = None) -> ScoringConfig:
    """The scoring policy, validated; cached per file because it is read-only."""
    return _load((path or default_config_path()).resolve())
