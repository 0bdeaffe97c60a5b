"""Process standards by delivery mode: a self-guided program is held to the standard
that applies to it (recorded once, with its source) and a breach its design guarantees
is not compared; every other program and indicator is untouched."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from pipelines.paths import resource_dir
from pipelines.safety.config import SafetyConfigError, load_safety_config, parse_safety_config
from pipelines.safety.standards import THERAPIST_CONTACT, apply_standards, process_standards

CONFIG = load_safety_config()
RAW = yaml.safe_load(Path(resource_dir("config") / "safety.yaml").read_text())
PROGRAMS = pl.DataFrame(
    {
        "program_id": ["SELF", "GUIDED", "CLINIC"],
        "delivery_mode": ["self_guided", "guided_asynchronous", "in_person"],
    }
)


def test_each_program_gets_the_standard_of_its_delivery_mode_with_a_source():
    table = process_standards(PROGRAMS, CONFIG)
    rows = {r["program_id"]: r for r in table.iter_rows(named=True)}
    assert set(table["indicator"]) == {"item9_follow_up_breach"}
    assert table.height == 3  # recorded once per program and process indicator
    assert rows["SELF"]["standard"] == "automated_crisis_pathway"
    assert rows["SELF"]["measured"] is False
    assert "No published standard" in rows["SELF"]["source"]
    assert rows["SELF"]["source"].endswith("[U]")
    for program in ("GUIDED", "CLINIC"):
        assert (rows[program]["standard"], rows[program]["measured"]) == (THERAPIST_CONTACT, True)
        assert "business day" in rows[program]["description"]


def _unit(program: str, indicator: str) -> dict:
    return {
        "indicator": indicator,
        "program_id": program,
        "month": date(2026, 1, 1),
        "event": True,
        "expected": 0.2,
        "reference": "all_in_person",
        "reference_method": "crude",
        "reference_logit_se": 0.1,
    }


def test_only_the_unmeasured_standards_units_lose_their_comparison():
    units = pl.DataFrame(
        [
            _unit("SELF", "item9_follow_up_breach"),
            _unit("SELF", "item9_new_or_worse"),
            _unit("GUIDED", "item9_follow_up_breach"),
        ]
    )
    applied = apply_standards(units, process_standards(PROGRAMS, CONFIG))
    assert applied.columns == units.columns
    breach, worsening, guided = applied.iter_rows(named=True)
    assert breach["expected"] is None and breach["reference_logit_se"] is None
    assert breach["reference"] == "standard:automated_crisis_pathway"
    assert breach["reference_method"] == "not_measured"
    assert breach["event"] is True  # still counted
    assert worsening == units.row(1, named=True)
    assert guided == units.row(2, named=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(measurable=True), "measurable must be false"),
        (lambda s: s.pop("source"), "missing source"),
        (lambda s: s.update(evidence="X"), "evidence"),
    ],
)
def test_a_mode_standard_needs_a_source_and_cannot_claim_to_be_measured(change, message):
    raw = copy.deepcopy(RAW)
    change(raw["process_of_care"]["standards_by_delivery_mode"]["self_guided"])
    with pytest.raises(SafetyConfigError, match=message):
        parse_safety_config(raw)


def test_a_mode_standard_must_name_a_contract_delivery_mode():
    raw = copy.deepcopy(RAW)
    modes = raw["process_of_care"]["standards_by_delivery_mode"]
    modes["telepathic"] = modes["self_guided"]
    with pytest.raises(SafetyConfigError, match="not in contract"):
        parse_safety_config(raw)
