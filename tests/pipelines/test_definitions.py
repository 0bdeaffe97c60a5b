"""The code location loads: every asset, check, job, schedule and sensor resolves, and
`dagster definitions validate -w workspace.yaml` (what `dagster dev` loads) passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.brief.assets import BRIEF_JOB
from pipelines.definitions import build_definitions
from pipelines.orchestration import INGEST_JOB, NATIONAL_JOB, PROGRAM_JOB
from pipelines.paths import PROJECT_ROOT
from tests.conftest import settings_for

LAYERS = {"staging_", "int_", "mart_"}


def test_every_definition_resolves(tmp_path: Path) -> None:
    defs = build_definitions(settings_for(tmp_path))
    repository = defs.get_repository_def()
    assets = {key.to_user_string() for key in repository.asset_graph.get_all_asset_keys()}
    jobs = [defs.resolve_job_def(name) for name in (INGEST_JOB, PROGRAM_JOB, NATIONAL_JOB)]
    brief = defs.resolve_job_def(BRIEF_JOB)
    # The brief's own job writes it after publication; every other asset is in one job.
    assert set(brief.asset_layer.executable_asset_keys) == {dg.AssetKey("evidence_brief")}
    selected = [set(job.asset_layer.executable_asset_keys) for job in jobs]
    selected.append({dg.AssetKey("evidence_brief")})
    assert set.union(*selected) == repository.asset_graph.executable_asset_keys
    assert sum(map(len, selected)) == len(repository.asset_graph.executable_asset_keys)
    assert {"raw_episodes", "published_warehouse"} <= assets
    assert all(any(a.startswith(layer) for a in assets) for layer in LAYERS)
    assert repository.asset_graph.asset_check_keys, "no asset checks"
    assert {s.name for s in repository.schedule_defs} == {"build_national_daily"}
    targets = {s.name: [t.job_name for t in s.targets] for s in repository.sensor_defs}
    assert targets == {
        "landing_zone_sensor": [INGEST_JOB],
        "safety_alert_sensor": [],
        "safety_review_email_sensor": [],
        "evidence_brief_after_publication": [BRIEF_JOB],
    }


def test_dagster_validates_the_workspace(tmp_path: Path) -> None:
    env = {**os.environ, "ICBT_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation" in result.stderr + result.stdout
