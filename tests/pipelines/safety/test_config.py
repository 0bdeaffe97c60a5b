"""The safety policy refuses numbers without provenance and values outside the contract."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from pipelines.paths import resource_dir
from pipelines.safety.config import SafetyConfigError, load_safety_config, parse_safety_config
from pipelines.safety.tables import indicator_table, policy_table

RAW = yaml.safe_load(Path(resource_dir("config") / "safety.yaml").read_text())


def _broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


def test_the_shipped_policy_loads_and_every_number_has_a_source():
    config = load_safety_config()
    table = policy_table(config)
    assert table.height == len(config.sourced_values())
    assert table["source"].str.len_chars().min() > 10
    assert set(table["evidence"]) <= {"V", "S", "U"}
    indicators = indicator_table(config)
    assert (
        indicators.filter(indicators["published_fallback"].is_null())["fallback_source"]
        .str.len_chars()
        .min()
        > 10
    )
    assert set(indicators["family"]) == {
        "deterioration",
        "item9",
        "adverse_event",
        "disengagement",
        "process",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["cusum"]["odds_ratio"].pop("source"), "missing source"),
        (lambda r: r["funnel"]["alarm_level"].update(evidence="X"), "evidence"),
        (lambda r: r["indicators"]["serious_adverse_event"].update(family="other"), "family"),
        (
            lambda r: r["indicators"]["self_harm_event"].update(filter={"category": ["bruise"]}),
            "not in contract",
        ),
        (lambda r: r["disengagement"].update(reasons=["bored"]), "not in contract"),
        (
            lambda r: r["process_of_care"].update(contact_event_types=["telepathy"]),
            "not in contract",
        ),
        (
            lambda r: r["indicators"]["item9_new_or_worse"].pop("fallback_note"),
            "no published fallback",
        ),
        (lambda r: r["cusum"]["restart_fraction"].update(value=1.0), "restart_fraction"),
    ],
)
def test_invalid_policies_are_refused(change, message):
    with pytest.raises(SafetyConfigError, match=message):
        parse_safety_config(_broken(change))


def test_restricting_to_unknown_indicators_is_refused():
    with pytest.raises(SafetyConfigError):
        load_safety_config().restricted(("nope",))
