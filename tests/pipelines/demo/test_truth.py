"""truth.json: round trip, counts that match the files, and effects on the observed scale."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date

import polars as pl
import pytest

from pipelines.demo import GeneratorConfig, Truth, load_truth
from pipelines.demo.config import default_end_month
from pipelines.demo.generator import check

# One worker builds the shared generated runs (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo_generator")


def test_truth_round_trips(main):
    assert load_truth(main.truth_path) == main.truth
    raw = json.loads(main.truth_path.read_text())
    assert list(raw) == [f.name for f in fields(Truth)]
    assert raw["seed"] == 11 and raw["config"]["n_episodes"] == 3000


def test_episode_counts_match_the_files(main):
    truth = main.truth
    eps = main.landing.tables["episodes"]
    latest = eps.sort("_batch").group_by("_program", "episode_key").last()
    per_program = dict(latest.group_by("_program").len().iter_rows())
    assert sum(p["episodes"]["referred"] for p in truth.programs.values()) == 3000
    for pid, program in truth.programs.items():
        counts = program["episodes"]
        assert counts["referred"] == per_program.get(pid, 0), pid
        mine = latest.filter(pl.col("_program") == pid)
        assert counts["started"] == mine["start_date"].is_not_null().sum(), pid
        assert counts["ongoing"] == mine["end_date"].is_null().sum(), pid
        done = (mine["discharge_reason"] == "completed").sum()
        assert program["completion"]["completed"] == done, pid
    available = [p for p in truth.programs.values() if p["status"] == "available"]
    volumes = [p["episodes"]["referred"] for p in available]
    assert max(volumes) >= 4 * min(volumes), "volume should vary a lot between programs"


def test_in_development_programs_are_tiny(main):
    truth = main.truth
    pilots = [pid for pid, p in truth.programs.items() if p["status"] == "in_development"]
    assert sorted(pilots) == sorted(truth.in_development_programs) and len(pilots) == 2
    for pid in pilots:
        assert 2 <= truth.programs[pid]["episodes"]["referred"] <= 12, pid
    in_person = [p for p in truth.programs.values() if p["delivery_mode"] == "in_person"]
    assert len(in_person) == 4
    assert min(p["episodes"]["referred"] for p in in_person) > 100
    uncovered = {p["province"] for p in truth.programs.values()} - {
        p["province"] for p in in_person
    }
    assert sorted(uncovered) == truth.provinces_without_in_person and uncovered


def _effects(truth: Truth, skip: set[str]):
    for pid, outcomes in truth.effects.items():
        program = truth.programs[pid]
        if pid in skip or program["status"] != "available":
            continue
        for key, e in outcomes.items():
            yield pid, program, key, e, truth.outcomes[key]["mcid"]


def test_true_effects_on_the_observed_scale_are_close_to_nominal(main):
    planted = {main.config.safety_program, main.config.drift_program}
    for pid, program, key, e, mcid in _effects(main.truth, planted):
        if program["delivery_mode"] == "in_person":
            assert e["true_difference_in_change"] == 0.0
            assert e["mean_change"] == e["mean_change_as_in_person"]
        elif e["n"] >= 60:
            gap = abs(e["true_difference_in_change"] - e["nominal"])
            assert gap <= 0.3 * mcid, (pid, key, e)


def test_clear_verdicts_are_planted(main):
    truth = main.truth
    for key, e in truth.effects["ICBT02"].items():
        worse = -1 if truth.outcomes[key]["higher_is_better"] else 1
        assert worse * e["true_difference_in_change"] >= 0.6 * truth.outcomes[key]["mcid"], key
    for key, e in truth.effects["ICBT06"].items():
        better = 1 if truth.outcomes[key]["higher_is_better"] else -1
        assert better * e["true_difference_in_change"] >= 0.6 * truth.outcomes[key]["mcid"], key
    override = truth.effects["ICBT05"]["PHQ9.total"]
    assert override["nominal"] == -3.0
    assert abs(override["true_difference_in_change"] + 3.0) < 0.3 * 3.7


def test_delivery_mode_effects_pool_their_programs(main):
    truth = main.truth
    modes = truth.delivery_mode_effects
    assert set(modes) == {"self_guided", "guided_asynchronous", "therapist_realtime", "in_person"}
    assert all(v["true_difference_in_change"] == 0.0 for v in modes["in_person"].values())
    for mode, outcomes in modes.items():
        for key, pooled in outcomes.items():
            members = [
                e[key]
                for pid, e in truth.effects.items()
                if truth.programs[pid]["delivery_mode"] == mode and key in e
            ]
            assert pooled["n"] == sum(e["n"] for e in members)
            lo = min(e["true_difference_in_change"] for e in members if e["n"])
            hi = max(e["true_difference_in_change"] for e in members if e["n"])
            assert lo - 1e-9 <= pooled["true_difference_in_change"] <= hi + 1e-9, (mode, key)
    assert truth.reference["PHQ9.total"]["mean_change"] < -2.0


def test_completion_and_deterioration_look_like_routine_care(main):
    truth = main.truth

    def pooled_rate(mode: str, part: str) -> float:
        ps = [p for p in truth.programs.values() if p["delivery_mode"] == mode]
        return sum(p["completion"][part] for p in ps) / sum(
            p["completion"]["started_ended"] for p in ps
        )

    assert 0.55 < pooled_rate("guided_asynchronous", "completed") < 0.8  # 63-76% (Dear 2023)
    assert pooled_rate("self_guided", "completed") < pooled_rate("guided_asynchronous", "completed")
    clinics = [pid for pid, p in truth.programs.items() if p["delivery_mode"] == "in_person"]
    n = sum(v["n"] for pid in clinics for v in truth.deterioration[pid].values())
    worse = sum(v["deteriorated"] for pid in clinics for v in truth.deterioration[pid].values())
    assert 0.03 < worse / n < 0.11  # 5-10% in face-to-face therapy (Rozental 2014)
    per_episode = truth.rows["per_episode"]
    assert 60 <= per_episode["prom_responses"] <= 100
    assert 35 <= per_episode["engagement_events"] <= 65


def test_configuration_is_checked():
    with pytest.raises(ValueError, match="safety_program"):
        check(GeneratorConfig(safety_program="NOPE"))
    with pytest.raises(ValueError, match="does not measure"):
        check(GeneratorConfig(effect_overrides={"ICBT03": {"PCS.total": 2.0}}))
    with pytest.raises(ValueError, match="not an iCBT"):
        check(GeneratorConfig(effect_overrides={"INPERSON_ON": {"PHQ9.total": 2.0}}))
    with pytest.raises(ValueError, match="outside"):
        GeneratorConfig(end_month=date(2025, 12, 1), months=3, drift_from_month=date(2025, 1, 1))
    assert GeneratorConfig(end_month=date(2025, 12, 17)).end_month == date(2025, 12, 1)
    assert default_end_month(date(2026, 1, 15)) == date(2025, 12, 1)
