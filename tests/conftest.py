"""Shared fixtures: one demo warehouse built the real way, for every test that needs one.

`demo_build` generates seeded demo data, materializes every asset through a real Dagster
run of the `build_warehouse` job into a temporary data directory, and returns the
settings, the generator's truth and the run result. It is session-scoped; tests that use
it carry `pytest.mark.xdist_group("demo_build")` (via `needs_demo_build`) so that under
`pytest -n 2 --dist loadgroup` it is built once, on one worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import BUILD_JOB, build_definitions
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.demo.truth import Truth
from pipelines.ingestion.pseudonymise import create_key_file
from pipelines.settings import Settings

DEMO_CONFIG = GeneratorConfig(n_episodes=4_000, seed=11, months=9, end_month=date(2026, 9, 1))
needs_demo_build = pytest.mark.xdist_group("demo_build")


@dataclass(frozen=True)
class DemoBuild:
    settings: Settings
    truth: Truth
    result: dg.ExecuteInProcessResult


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
    truth = generate(settings.landing_dir, settings.demo_dir / "truth.json", config)
    job = build_definitions(settings).resolve_job_def(BUILD_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance)
    return DemoBuild(settings, truth, result)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    return build_warehouse(settings_for(tmp_path_factory.mktemp("observatory")), DEMO_CONFIG)
