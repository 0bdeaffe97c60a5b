"""The input data contract, loaded from `contracts/<version>/`.

The JSON files are the single source of truth: the generator writes columns in their
order, the validator checks rows against them, and docs/data-contract.md describes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pipelines.paths import resource_dir

CONTRACT_VERSION = "v1"
"""The version a delivery follows when its batch has no manifest (every delivery made
before contract v2 existed)."""
CONTRACT_VERSIONS = ("v1", "v2")
LATEST_VERSION = CONTRACT_VERSIONS[-1]
TABLES = ("programs", "episodes", "prom_responses", "engagement_events", "adverse_events")
"""Contract v1's tables, in load order."""
ALL_TABLES = (*TABLES, "patient_experience")
"""Every table of any version, in load order: episodes before the rows that refer to them."""


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # Frictionless Table Schema type: string, integer, number, boolean, date, datetime
    description: str
    required: bool
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class TableContract:
    name: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    primary_key: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


@dataclass(frozen=True)
class InstrumentSpec:
    code: str
    title: str
    source: str
    item_min: int
    item_max: int
    item_labels: tuple[str, ...]
    subscales: dict[str, tuple[int, ...]]

    @property
    def n_items(self) -> int:
        return len(self.item_labels)


def contract_dir(version: str = CONTRACT_VERSION) -> Path:
    return resource_dir("contracts") / version


def _field(raw: dict) -> FieldSpec:
    c = raw.get("constraints", {})
    return FieldSpec(
        name=raw["name"],
        type=raw["type"],
        description=raw.get("description", ""),
        required=bool(c.get("required", False)),
        enum=tuple(c["enum"]) if "enum" in c else None,
        minimum=c.get("minimum"),
        maximum=c.get("maximum"),
        pattern=c.get("pattern"),
        max_length=c.get("maxLength"),
    )


@cache
def load_contract(version: str = CONTRACT_VERSION) -> dict[str, TableContract]:
    """All tables of a contract version, keyed by table name, in `ALL_TABLES` order."""
    tables = {}
    for name in ALL_TABLES:
        path = contract_dir(version) / f"{name}.schema.json"
        if not path.exists():
            continue
        raw = json.loads(path.read_text())
        tables[name] = TableContract(
            name=raw["name"],
            title=raw["title"],
            description=raw["description"],
            fields=tuple(_field(f) for f in raw["fields"]),
            primary_key=tuple(raw["primaryKey"]),
        )
    return tables


@cache
def load_instruments(version: str = CONTRACT_VERSION) -> dict[str, InstrumentSpec]:
    """Instrument structure (items, ranges, subscales), keyed by instrument code."""
    raw = json.loads((contract_dir(version) / "instruments.json").read_text())
    return {
        code: InstrumentSpec(
            code=code,
            title=spec["title"],
            source=spec["source"],
            item_min=spec["item_min"],
            item_max=spec["item_max"],
            item_labels=tuple(spec["items"]),
            subscales={k: tuple(v) for k, v in spec["subscales"].items()},
        )
        for code, spec in raw["instruments"].items()
    }


@dataclass(frozen=True)
class ExperienceSpec:
    """The patient-experience questionnaire of contract v2 (`experience.json`)."""

    code: str
    title: str
    source: str
    certainty: str
    answer_min: int
    answer_max: int
    answer_labels: tuple[str, ...]
    item_labels: tuple[str, ...]


@cache
def load_experience(version: str = LATEST_VERSION) -> ExperienceSpec:
    """Items and answer codes of the patient-experience questionnaire."""
    raw = json.loads((contract_dir(version) / "experience.json").read_text())
    return ExperienceSpec(
        code=raw["code"],
        title=raw["title"],
        source=raw["source"],
        certainty=raw["certainty"],
        answer_min=raw["answer_min"],
        answer_max=raw["answer_max"],
        answer_labels=tuple(raw["answers"]),
        item_labels=tuple(raw["items"]),
    )
