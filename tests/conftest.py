"""Shared fixtures: one demo warehouse built the real way, for every test that needs one.

`demo_build` generates seeded demo data, materializes every asset through a real Dagster
run of the `build_warehouse` job into a temporary data directory, and returns the
settings, the generator's truth and a record of the run. Under pytest-xdist every worker
asks for it; the first builds it while holding a file lock in the directory the workers
share, and the others wait and read the same warehouse and run record, so the suite
builds it once. Tests that use it carry the `demo_build` marker (`needs_demo_build`), so
`pytest -m "not demo_build"` runs the fast tests alone.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from pipelines.cli import prepare_dagster_home
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.demo.truth import Truth, load_truth
from pipelines.ingestion.pseudonymise import create_key_file
from pipelines.orchestration import BuildReport, build_all
from pipelines.settings import Settings

DEMO_CONFIG = GeneratorConfig(n_episodes=4_000, seed=11, months=9, end_month=date(2026, 9, 1))
needs_demo_build = pytest.mark.demo_build


@dataclass(frozen=True)
class RunRecord:
    """What tests read from the build's Dagster run, in a form any worker can load."""

    run_id: str
    success: bool
    materialized: frozenset[dg.AssetKey]
    check_evaluations: tuple[dg.AssetCheckEvaluation, ...]

    @classmethod
    def of(cls, report: BuildReport, instance: dg.DagsterInstance) -> RunRecord:
        """Every run of one `build_all`, read back from the Dagster instance."""
        materialized: set[dg.AssetKey] = set()
        evaluations: list[dg.AssetCheckEvaluation] = []
        for run in report.runs:
            for record in instance.get_records_for_run(run.run_id, limit=100_000).records:
                event = record.event_log_entry.dagster_event
                if event is None:
                    continue
                if event.is_step_materialization:
                    materialized.add(event.asset_key)
                elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
                    evaluations.append(event.event_specific_data)
        return cls(
            run_id=report.runs[-1].run_id,
            success=report.success,
            materialized=frozenset(materialized),
            check_evaluations=tuple(evaluations),
        )

    def get_asset_check_evaluations(self) -> list[dg.AssetCheckEvaluation]:
        return list(self.check_evaluations)

    def dump(self, path: Path) -> None:
        record = {
            "run_id": self.run_id,
            "success": self.success,
            "materialized": sorted(self.materialized, key=lambda k: k.to_user_string()),
            "check_evaluations": list(self.check_evaluations),
        }
        path.write_text(dg.serialize_value(record))

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        record = dg.deserialize_value(path.read_text())
        return cls(
            run_id=record["run_id"],
            success=record["success"],
            materialized=frozenset(record["materialized"]),
            check_evaluations=tuple(record["check_evaluations"]),
        )


@dataclass(frozen=True)
class DemoBuild:
    settings: Settings
    truth: Truth
    result: RunRecord


def settings_for(data_dir: Path) -> Settings:
    """Settings rooted in a test's own directory, with its own pseudonymisation key."""
    settings = Settings(
        data_dir=data_dir,
        duckdb_memory_limit="2GB",
        duckdb_threads=2,
        duckdb_storage_version="v1.5.0",
        pseudonym_key_file=data_dir / "secrets" / "pseudonym.key",
    )
    create_key_file(settings.pseudonym_key_file)
    return settings


def build_warehouse(settings: Settings, config: GeneratorConfig) -> DemoBuild:
    """Demo data, then what `icbt run` does, with its Dagster home in the data directory."""
    truth = generate(settings.landing_dir, settings.demo_dir / "truth.json", config)
    prepare_dagster_home(settings)
    report = build_all(settings, workers=2)
    with dg.DagsterInstance.get() as instance:
        return DemoBuild(settings, truth, RunRecord.of(report, instance))


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    data_dir = shared / "demo_build"
    record = data_dir / "run.json"
    with _exclusive(shared / "demo_build.lock"):
        if not record.exists():
            data_dir.mkdir(exist_ok=True)
            build = build_warehouse(settings_for(data_dir), DEMO_CONFIG)
            build.result.dump(record)
            return build
    settings = settings_for(data_dir)
    return DemoBuild(settings, load_truth(settings.demo_dir / "truth.json"), RunRecord.load(record))


@dataclass(frozen=True)
class DemoBrief:
    """The evidence brief of the demo build's snapshot, written by the real Dagster job."""

    snapshot_id: str
    folder: Path
    run_id: str


@pytest.fixture(scope="session")
def demo_brief(demo_build: DemoBuild) -> DemoBrief:
    """Run the `write_evidence_brief` job once per suite (workers share it like the build)."""
    from pipelines.brief.assets import BRIEF_JOB, current_snapshot
    from pipelines.definitions import build_definitions
    from pipelines.publishing.snapshots import snapshot_database

    settings = demo_build.settings
    record = settings.data_dir / "brief_run.txt"
    with _exclusive(settings.data_dir.parent / "demo_brief.lock"):
        if not record.exists():
            job = build_definitions(settings).resolve_job_def(BRIEF_JOB)
            with dg.DagsterInstance.ephemeral() as instance:
                result = job.execute_in_process(instance=instance)
            record.write_text(result.run_id)
    snapshot_id = current_snapshot(settings.published_database)
    folder = snapshot_database(snapshot_id, settings).parent
    return DemoBrief(snapshot_id, folder, record.read_text())
