"""Every config file validates against its model; an unknown key or evidence level fails
with a message naming the file and the key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from dashboards.auth import SignInRules
from dashboards.suppression import SuppressionRules
from pipelines.config_models import ConfigError, Sourced, config_path, load_config, validate
from pipelines.demo.contract_v2 import V2Plan
from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessFile
from pipelines.engagement.config import EngagementConfig
from pipelines.ingestion.rules import IngestionRules
from pipelines.paths import resource_dir
from pipelines.publishing.snapshots import PublishingConfig
from pipelines.quality.config import DqChecks, QualityConfig
from pipelines.safety.config import SafetyFile
from pipelines.safety.review import ReviewRules
from pipelines.scoring.config import ScoringFile

MODELS: dict[str, type[BaseModel]] = {
    "demo_contract_v2.yaml": V2Plan,
    "dq_checks.yaml": DqChecks,
    "effectiveness.yaml": EffectivenessFile,
    "engagement.yaml": EngagementConfig,
    "ingestion.yaml": IngestionRules,
    "literature_benchmarks.yaml": BenchmarkConfig,
    "publishing.yaml": PublishingConfig,
    "quality.yaml": QualityConfig,
    "safety.yaml": SafetyFile,
    "safety_review.yaml": ReviewRules,
    "scoring.yaml": ScoringFile,
    "sign_in.yaml": SignInRules,
    "suppression.yaml": SuppressionRules,
}


def _raw(name: str) -> dict[str, Any]:
    return yaml.safe_load(config_path(name).read_text())


def _write(tmp_path: Path, name: str, raw: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw))
    return path


def _first_block(raw: dict[str, Any]) -> tuple[str | int, ...] | None:
    """The key path of the first mapping nested under the top level (or in a list there)."""
    for key, value in raw.items():
        if isinstance(value, dict) and value:
            return (key,)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return (key, 0)
    return None


def _find_evidence(raw: Any, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """The path of the first block that carries an evidence level."""
    if isinstance(raw, dict):
        if "evidence" in raw:
            return path
        children = raw.items()
    elif isinstance(raw, list):
        children = enumerate(raw)
    else:
        return None
    for key, value in children:
        found = _find_evidence(value, (*path, key))
        if found is not None:
            return found
    return None


def _at(raw: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        raw = raw[key]
    return raw


@pytest.mark.parametrize("name", sorted(MODELS))
def test_each_config_file_validates(name: str) -> None:
    load_config(MODELS[name], config_path(name))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_unknown_top_level_key_names_the_file_and_the_key(name: str, tmp_path: Path) -> None:
    raw = _raw(name) | {"unexpected_switch": True}
    with pytest.raises(ConfigError, match=rf"{name}: .*unexpected_switch: unknown key"):
        load_config(MODELS[name], _write(tmp_path, name, raw))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_unknown_nested_key_names_its_dotted_path(name: str, tmp_path: Path) -> None:
    raw = copy.deepcopy(_raw(name))
    block = _first_block(raw)
    assert block is not None, f"{name} has no nested block"
    _at(raw, block)["unexpected_switch"] = 1
    dotted = ".".join(map(str, block)) + ".unexpected_switch"
    # Under a mapping of named entries (safety.yaml's indicators) the key is a new entry
    # that is not a valid one; anywhere else it is an unknown key. Both name the path.
    with pytest.raises(ConfigError, match=rf"{name}: .*{dotted}: "):
        load_config(MODELS[name], _write(tmp_path, name, raw))


@pytest.mark.parametrize("name", sorted(n for n in MODELS if _find_evidence(_raw(n)) is not None))
def test_an_unknown_evidence_level_is_refused(name: str, tmp_path: Path) -> None:
    raw = copy.deepcopy(_raw(name))
    where = _find_evidence(raw)
    assert where is not None
    _at(raw, where)["evidence"] = "probably"
    with pytest.raises(ConfigError, match=r"evidence must be one of \('V', 'S', 'U'\)"):
        load_config(MODELS[name], _write(tmp_path, name, raw))


def test_every_config_file_has_a_model() -> None:
    files = {path.name for path in resource_dir("config").glob("*.yaml")}
    assert files <= set(MODELS), f"config files without a model: {sorted(files - set(MODELS))}"


def test_a_sourced_value_needs_its_source_and_evidence() -> None:
    model = Sourced[float]
    assert validate(model, {"value": 1, "source": "x", "evidence": "V"}, "f").cite() == "x [V]"
    with pytest.raises(ConfigError, match="f: top level: missing source"):
        validate(model, {"value": 1, "evidence": "V"}, "f")
    with pytest.raises(ConfigError, match="f: source: String should have at least 1 character"):
        validate(model, {"value": 1, "source": "", "evidence": "V"}, "f")
    with pytest.raises(ConfigError, match="f: value: Input should be a valid number"):
        validate(model, {"value": "many", "source": "x", "evidence": "U"}, "f")


def test_an_unknown_key_in_a_list_entry_names_its_index(tmp_path: Path) -> None:
    raw = copy.deepcopy(_raw("literature_benchmarks.yaml"))
    raw["benchmarks"][1]["colour"] = "blue"
    path = _write(tmp_path, "literature_benchmarks.yaml", raw)
    with pytest.raises(
        ConfigError, match=r"literature_benchmarks.yaml: benchmarks.1.colour: unknown"
    ):
        load_config(BenchmarkConfig, path)
