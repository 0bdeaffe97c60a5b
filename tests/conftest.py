"""Shared fixtures: one demo warehouse built the real way, for every test that needs one.

`demo_build` generates seeded demo data, materializes every asset through a real Dagster
run of the `build_warehouse` job into a temporary data directory, and returns the
settings, the generator's truth and a record of the run. The suite builds it once, in
the background: when a session has tests that use it, the first process to start a test
(an xdist worker, or pytest itself) starts the build in a child process holding a file
lock in the directory the workers share, and the tests that use it run last, so every
worker runs the other tests meanwhile instead of waiting. `demo_build` waits for the lock
and reads the same warehouse and run record (it builds in its own process if the child
left none, so a failed build fails the test with its own error). Tests that use it carry
the `demo_build` marker (`needs_demo_build`), so `pytest -m "not demo_build"` runs the
fast tests alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
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
from pipelines.settings import SETTLE_ENV, Settings

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
    """Demo data, then what `icbt run` does, with its Dagster home in the data directory.

    The generator has finished writing every file when the build starts, so the landing
    zone's settle time (a wait for senders that write in place, tested on its own in
    tests/pipelines/ingestion/test_landing.py) is zero, as for the ingestion tests."""
    truth = generate(settings.landing_dir, settings.demo_dir / "truth.json", config)
    prepare_dagster_home(settings)
    with pytest.MonkeyPatch.context() as env:
        env.setenv(SETTLE_ENV, "0")
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


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory every xdist worker of this session sees (pytest's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_into(data_dir: Path) -> DemoBuild:
    """Build afresh: a failed background build may have left part of one."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir()
    build = build_warehouse(settings_for(data_dir), DEMO_CONFIG)
    build.result.dump(data_dir / "run.json")
    return build


def _uses_demo_build(item: pytest.Item) -> bool:
    return "demo_build" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use the demo build run last: the others run while it builds."""
    items.sort(key=_uses_demo_build)


@pytest.fixture(scope="session", autouse=True)
def demo_build_in_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Start building the demo warehouse in a child process, if this session's tests use
    it and no other worker has started it. The child inherits the lock's open file and
    holds it until it has written the build (or failed)."""
    child = None
    if any(_uses_demo_build(item) for item in request.session.items):
        shared = _shared_dir(tmp_path_factory)
        data_dir = shared / "demo_build"
        with (shared / "demo_build.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pass  # another worker's child is building it
            else:
                if not (data_dir / "run.json").exists():
                    with (shared / "demo_build.log").open("w") as log:
                        child = subprocess.Popen(
                            [sys.executable, "-m", "tests.conftest", str(data_dir)],
                            cwd=Path(__file__).resolve().parents[1],
                            stdout=log,
                            stderr=subprocess.STDOUT,
                            pass_fds=[lock.fileno()],
                        )
    yield
    if child is not None:
        # Another worker may still be waiting for it, unless the session is being stopped.
        if request.session.shouldstop or request.session.shouldfail:
            child.terminate()
        child.wait()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    shared = _shared_dir(tmp_path_factory)
    data_dir = shared / "demo_build"
    record = data_dir / "run.json"
    with _exclusive(shared / "demo_build.lock"):
        if not record.exists():
            return _build_into(data_dir)
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


if __name__ == "__main__":
    # The background build `demo_build_in_background` starts: the lock's file is inherited.
    _build_into(Path(sys.argv[1]))
