"""The demo writes a mix of contract versions (programs on v1, on v2, one switching at the
middle batch) and plants two v2 truths: an effect that depends on concurrent care, and
barriers concentrated in one group. Programs the plan leaves on v1 are byte-identical to
a run with no v2 at all, so every earlier truth still holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import load_contract
from pipelines.demo import generate
from pipelines.demo.contract_v2 import load_v2_plan
from pipelines.ingestion.manifest import MANIFEST_NAME, batch_version
from tests.pipelines.demo.conftest import CONFIGS

pytestmark = pytest.mark.xdist_group("demo_generator")
PLAN = load_v2_plan()
V1_ONLY = PLAN.model_copy(
    update={
        "v2_programs": (),
        "switch_program": None,
        "care_modification": PLAN.care_modification.model_copy(update={"programs": ()}),
    }
)


def _digests(landing: Path, program: str) -> dict[str, str]:
    return {
        str(path.relative_to(landing)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((landing / program).rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def v1_only(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("v1_only")
    truth = generate(root / "landing", root / "truth.json", CONFIGS["main"], V1_ONLY)
    return root / "landing", truth


def test_programs_follow_the_plan_one_switching_at_the_middle_batch(main):
    batches = main.truth.window["batches"]
    middle = batches[len(batches) // 2]
    assert main.truth.contract_v2["programs"] == {
        "ICBT01": batches[0],
        "ICBT05": middle,
        "ICBT06": batches[0],
        "INPERSON_ON": batches[0],
    }
    versions = {
        (path.parts[-3], path.parts[-2]): batch_version(path.parent).version
        for path in main.landing.files
    }
    for (program, batch), version in versions.items():
        first = main.truth.contract_v2["programs"].get(program)
        assert version == ("v2" if first is not None and batch >= first else "v1")
    switching = {b: v for (p, b), v in versions.items() if p == "ICBT05"}
    assert {"v1", "v2"} == set(switching.values())
    manifests = sorted(main.landing_dir.rglob(MANIFEST_NAME))
    assert {(m.parts[-3], m.parts[-2]) for m in manifests} == {
        key for key, version in versions.items() if version == "v2"
    }


def test_v2_rows_carry_the_v2_fields_and_v1_rows_do_not(main):
    episodes = main.landing.tables["episodes"]
    v2_fields = [
        f.name
        for f in load_contract("v2")["episodes"].fields
        if f.name not in load_contract("v1")["episodes"].columns
    ]
    v1_rows = episodes.filter(pl.col("_version") == "v1")
    assert v1_rows.select(pl.col(v2_fields).is_null().all()).row(0) == (True,) * len(v2_fields)
    v2_rows = episodes.filter(pl.col("_version") == "v2")
    assert v2_rows["device_access"].null_count() == 0
    stopped = v2_rows.filter(pl.col("discharge_reason").is_in(["dropped_out", "not_started"]))
    assert stopped["stop_reason"].drop_nulls().len() > 0.7 * stopped.height
    others = v2_rows.filter(~pl.col("discharge_reason").is_in(["dropped_out", "not_started"]))
    assert others["stop_reason"].null_count() == others.height
    experience = main.landing.tables["patient_experience"]
    assert set(experience["_version"]) == {"v2"}
    assert experience.height > 0 and set(experience["item_number"]) == {1, 2, 3, 4, 5}


def test_programs_left_on_v1_are_byte_identical_to_a_run_without_v2(main, v1_only):
    landing, truth = v1_only
    assert truth.contract_v2["programs"] == {}
    for program in ("ICBT02", "ICBT03", "ICBT07", "INPERSON_BC"):
        assert _digests(main.landing_dir, program) == _digests(landing, program), program
    assert main.truth.drift_plant == truth.drift_plant
    for program in set(main.truth.programs) - set(main.truth.contract_v2["programs"]):
        assert main.truth.programs[program] == truth.programs[program], program
    # Outcomes move only where the care gap is planted (and, through PHQ-9, what rests on
    # it there: deterioration, item 9 and the adverse events and discharges it prompts).
    for program in set(main.truth.effects) - set(PLAN.care_modification.programs):
        assert main.truth.effects[program] == truth.effects[program], program
        assert main.truth.deterioration[program] == truth.deterioration[program], program
    # The care plant is centred: a care program's overall effect moves by noise only.
    for program in PLAN.care_modification.programs:
        planted = main.truth.effects[program]["PHQ9.total"]["true_difference_in_change"]
        without = truth.effects[program]["PHQ9.total"]["true_difference_in_change"]
        assert abs(planted - without) < 0.6, program


def test_the_care_gap_is_planted_in_the_care_programs(main, v1_only):
    care = main.truth.contract_v2["care_modification"]
    assert care["enabled"] and set(care["by_program"]) == set(PLAN.care_modification.programs)
    for program, entry in care["by_program"].items():
        assert entry["with_care"]["n"] > 15 and entry["without_care"]["n"] > 15, program
        # Realised, not nominal: rounding, the floor of the scale and deteriorating
        # episodes (which take no effect, and which the main run's safety plant makes
        # common in ICBT01) shrink it.
        assert (
            PLAN.care_modification.gap_phq9_points / 3
            < entry["gap"]
            <= PLAN.care_modification.gap_phq9_points + 1
        ), program


def test_barriers_are_concentrated_in_older_rural_and_remote_patients(main):
    realised = main.truth.contract_v2["barriers"]["realised"]
    group, others = realised["group"], realised["others"]
    assert group["stopped_with_reason"] >= 5
    assert group["barrier_share"] > others["barrier_share"] + 0.25
