"""The typed shape every `config/*.yaml` file is read through.

Each config file has one pydantic model built from `ConfigModel`: unknown keys are
refused (a misspelt or dead switch fails at load instead of being silently ignored) and a
loaded config cannot be changed. A number that comes from a source is a `Sourced` value:
the value, the citation and how sure the citation is (`pipelines.evidence`); an
operational setting that no source decides is a `Noted` value, which says why. A failure
is reported as one sentence naming the file and the dotted path of every bad key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from pipelines.evidence import EVIDENCE_LEVELS
from pipelines.paths import resource_dir

T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)


def _known_evidence(level: str) -> str:
    if level not in EVIDENCE_LEVELS:
        raise ValueError(f"evidence must be one of {EVIDENCE_LEVELS}, not {level!r}")
    return level


EvidenceLevel = Annotated[str, AfterValidator(_known_evidence)]
NonEmpty = Annotated[str, Field(min_length=1)]


class ConfigModel(BaseModel):
    """A block of a config file: every key known, nothing changed after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Cited(ConfigModel):
    """Where a block's numbers come from, when one citation covers several of them."""

    source: NonEmpty
    evidence: EvidenceLevel
    note: str = ""

    def cite(self) -> str:
        """The citation as reference tables show it: "source [evidence]"."""
        return f"{self.source} [{self.evidence}]"


class Sourced(Cited, Generic[T]):
    """One configured value with its source and evidence level."""

    value: T


class Judged(ConfigModel, Generic[T]):
    """A project's own choice, no published number: the value, how sure, and why."""

    value: T
    evidence: EvidenceLevel
    note: NonEmpty


class Noted(ConfigModel, Generic[T]):
    """An operational setting no published source decides: the value and why it is so."""

    value: T
    note: NonEmpty


class ConfigError(ValueError):
    """A config file does not match its model; the message names the file and the keys."""


def describe(error: ValidationError, where: str) -> str:
    """One sentence naming `where` (the file) and each bad key by its dotted path."""
    problems = []
    for detail in error.errors():
        path = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == "missing":
            parent = ".".join(str(part) for part in detail["loc"][:-1])
            problems.append(f"{parent or 'top level'}: missing {detail['loc'][-1]}")
        elif detail["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            problems.append(f"{path}: unknown key")
        else:
            message = detail["msg"].removeprefix("Value error, ")
            problems.append(f"{path}: {message}" if path else message)
    return f"{where}: " + "; ".join(problems) + "."


def validate(
    model: type[Model], raw: Any, where: str, error: type[ValueError] = ConfigError
) -> Model:
    """`raw` (parsed YAML) as `model`, or `error` naming `where` and the bad keys."""
    try:
        return model.model_validate(raw)
    except ValidationError as failure:
        raise error(describe(failure, where)) from None


def config_path(name: str) -> Path:
    """The project's config file `name` (e.g. "safety.yaml")."""
    return resource_dir("config") / name


def load_config(model: type[Model], path: Path, error: type[ValueError] = ConfigError) -> Model:
    """Read a YAML config file into its model."""
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return validate(model, raw, _shown(path), error)


def _shown(path: Path) -> str:
    """config/<name> for the project's own files, the full path for any other."""
    folder = resource_dir("config")
    return f"config/{path.name}" if path.resolve().parent == folder.resolve() else str(path)
