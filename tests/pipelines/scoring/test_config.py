"""The scoring policy file: complete against the contract, sourced, and strictly validated."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from pipelines.contract import load_instruments
from pipelines.evidence import EVIDENCE_LEVELS
from pipelines.paths import resource_dir
from pipelines.scoring.config import (
    ScoringConfig,
    ScoringConfigError,
    default_config_path,
    parse_scoring_config,
)


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return yaml.safe_load(default_config_path().read_text(encoding="utf-8"))


def _provenance(obj: Any, path: str = "config") -> list[tuple[str, str, str]]:
    """Every (path, source, evidence) pair in the typed config, found by walking it."""
    found = []
    if dataclasses.is_dataclass(obj) or isinstance(obj, BaseModel):
        names = (
            set(type(obj).model_fields)
            if isinstance(obj, BaseModel)
            else {f.name for f in dataclasses.fields(obj)}
        )
        if "source" in names:
            found.append((path, obj.source, obj.evidence))
        if "sd_source" in names:
            found.append((f"{path}.sd", obj.sd_source, obj.sd_evidence))
        for name in sorted(names):
            found += _provenance(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, dict | tuple) or hasattr(obj, "items"):
        items = obj.items() if hasattr(obj, "items") else enumerate(obj)
        for key, value in items:
            found += _provenance(value, f"{path}[{key}]")
    return found


def test_default_path_resolves_through_resource_dir() -> None:
    assert default_config_path() == resource_dir("config") / "scoring.yaml"


def test_every_contract_scale_is_configured_with_contract_items(config: ScoringConfig) -> None:
    contract = load_instruments()
    assert list(config.instruments) == list(contract)
    for code, spec in contract.items():
        assert {k: s.items for k, s in config.instruments[code].scales.items()} == spec.subscales


def test_every_number_has_a_source_and_an_evidence_level(config: ScoringConfig) -> None:
    provenance = _provenance(config)
    assert len(provenance) > 50
    for path, source, evidence in provenance:
        assert source.strip(), path
        assert evidence in EVIDENCE_LEVELS, path


def test_headline_thresholds(config: ScoringConfig) -> None:
    phq, gad = config.scale("PHQ9", "total"), config.scale("GAD7", "total")
    assert phq.caseness_min and phq.caseness_min.value == 10
    assert gad.caseness_min and gad.caseness_min.value == 8
    assert phq.missing.max_missing == 2
    assert config.scale("BPI_SF", "interference").min_answered == 4
    assert config.scale("BPI_SF", "severity").min_answered == 4
    tt = config.talking_therapies
    assert (
        tt.depression.reliable_change_points.value,
        tt.anxiety.reliable_change_points.value,
    ) == (6, 4)
    assert (config.responder_moderate.value, config.responder_substantial.value) == (30, 50)
    assert config.rci_z.value == 1.96
    assert config.instruments["PHQ9"].never_impute_items == (9,)
    assert config.scale("PSEQ", "total").scoring.higher_is_better
    assert not config.scale("PCS", "total").scoring.higher_is_better


def test_timepoint_windows(config: ScoringConfig) -> None:
    base, post, follow = (config.timepoints[k] for k in ("baseline", "post_treatment", "follow_up"))
    assert (base.anchor, base.from_days, base.to_days) == ("start_date", -28, 7)
    assert post.anchor == "planned_end" and post.from_days <= 0 <= post.to_days
    assert follow.anchor == "planned_end" and follow.target_days == 91


def _broken(raw: dict[str, Any], edit) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    edit(doc)
    return doc


PHQ = ("instruments", "PHQ9", "scales", "total")


def _at(doc: dict[str, Any], *path: str) -> dict[str, Any]:
    for key in path:
        doc = doc[key]
    return doc


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["instruments"].update(XYZ=d["instruments"]["PEG"]),
            "differ from the contract",
        ),
        (lambda d: d["instruments"].pop("PEG"), "differ from the contract"),
        (lambda d: _at(d, "instruments", "PCS", "scales").pop("rumination"), "differ from"),
        (lambda d: _at(d, "instruments", "PCS", "scales").update(worry={}), "worry: missing"),
        (lambda d: _at(d, *PHQ, "caseness_min").pop("evidence"), "missing evidence"),
        (lambda d: _at(d, *PHQ, "caseness_min").update(evidence="X"), "evidence must be one of"),
        (lambda d: _at(d, *PHQ, "caseness_min").pop("source"), "missing source"),
        (lambda d: _at(d, *PHQ, "caseness_min").update(value=28), "outside"),
        (lambda d: _at(d, *PHQ, "scoring").update(max=30), "disagrees with the contract"),
        (lambda d: _at(d, *PHQ, "scoring").update(method="median"), "'sum' or 'mean'"),
        (lambda d: _at(d, *PHQ, "missing").update(max_missing=9), "max_missing"),
        (lambda d: _at(d, *PHQ, "severity_bands", "bands")[2].update(min=4), "increase strictly"),
        (lambda d: _at(d, *PHQ, "reliable_change", "reliability").update(value=1.0), "below 1"),
        (lambda d: _at(d, *PHQ, "reliable_change", "sd").update(method="guess"), "sd.method"),
        (lambda d: _at(d, *PHQ, "clinical_significance").pop("reason"), "clinical_significance"),
        (lambda d: _at(d, "instruments", "PHQ9", "never_impute_items").update(items=[10]), "1..9"),
        (lambda d: d["talking_therapies"]["anxiety"].update(scale="nope"), "unknown instrument"),
        (lambda d: d["timepoints"]["baseline"].update(from_days=10), "target_days"),
        (lambda d: d["timepoints"]["follow_up"].update(anchor="discharge"), "anchor"),
        (lambda d: d["immpact_responder"]["moderate_percent"].update(value=60), "moderate_percent"),
        (lambda d: d.update(contract_version="v9"), "contract_version"),
    ],
)
def test_invalid_configs_are_refused(raw: dict[str, Any], edit, message: str) -> None:
    with pytest.raises(ScoringConfigError, match=message):
        parse_scoring_config(_broken(raw, edit))


def test_norms_enable_criterion_c(raw: dict[str, Any]) -> None:
    norms = {"mean": 3.0, "sd": 3.0, "source": "test", "evidence": "U"}
    doc = _broken(
        raw,
        lambda d: _at(d, *PHQ).update(
            clinical_significance={
                "available": True,
                "functional": norms,
                "dysfunctional": {**norms, "mean": 15.0, "sd": 5.0},
            }
        ),
    )
    significance = parse_scoring_config(doc).scale("PHQ9", "total").clinical_significance
    assert significance and significance.dysfunctional.mean == 15.0
