"""The Kubernetes deployment (deploy/, pipelines/deployment.py) agrees with the code, without
a cluster: the code location loads with the k8s_job_executor configured from the Helm values'
environment, and the values, the image and the volume claim name the same module, paths,
run limits and memory the code expects. The image is not built here (no network for its base)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from pipelines.definitions import build_definitions
from pipelines.deployment import (
    STEP_MEMORY_ENV,
    StepPodResources,
    kubernetes_definitions,
)
from pipelines.orchestration import INGEST_JOB, NATIONAL_JOB
from pipelines.partitions import NATIONAL_WRITER_TAG
from pipelines.paths import PROJECT_ROOT
from tests.conftest import settings_for

DEPLOY = PROJECT_ROOT / "deploy"
BYTES = {"GB": 1000**3, "Gi": 1024**3, "MB": 1000**2, "Mi": 1024**2}


def _values() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def _code_location(values: dict[str, Any]) -> dict[str, Any]:
    (deployment,) = values["dagster-user-deployments"]["deployments"]
    return deployment


def _env(deployment: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["value"] for item in deployment["env"]}


def _bytes(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([A-Za-z]+)", quantity).groups()
    return int(number) * BYTES[unit]


def _dockerfile_cmd() -> list[str]:
    (line,) = [
        ln for ln in (DEPLOY / "Dockerfile").read_text().splitlines() if ln.startswith("CMD")
    ]
    return json.loads(line.removeprefix("CMD").strip())


def test_code_location_loads_with_the_k8s_executor_from_the_values_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _env(_code_location(_values()))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ICBT_DATA_DIR", str(tmp_path / "data"))

    defs = importlib.import_module("pipelines.deployment").defs
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def(INGEST_JOB)
    assert job.executor_def.name == "k8s"
    config = job.executor_def.config_schema.resolve_config({})
    assert config.success, config.errors
    quantities = {"cpu": env["ICBT_DUCKDB_THREADS"], "memory": env[STEP_MEMORY_ENV]}
    assert config.value["config"]["step_k8s_config"]["container_config"]["resources"] == {
        "requests": quantities,
        "limits": quantities,
    }


def test_in_process_definitions_are_unchanged(tmp_path: Path) -> None:
    resources = StepPodResources(cpu=2, memory="4Gi")
    k8s = kubernetes_definitions(settings_for(tmp_path), resources).resolve_job_def(INGEST_JOB)
    local = build_definitions(settings_for(tmp_path)).resolve_job_def(INGEST_JOB)
    assert local.executor_def.name == "in_process"
    assert set(k8s.asset_layer.executable_asset_keys) == set(
        local.asset_layer.executable_asset_keys
    )


def test_step_memory_must_come_from_the_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(STEP_MEMORY_ENV, raising=False)
    with pytest.raises(RuntimeError, match=STEP_MEMORY_ENV):
        StepPodResources.from_env(settings_for(tmp_path))


def test_values_image_and_claim_name_what_the_code_expects(tmp_path: Path) -> None:
    values = _values()
    deployment = _code_location(values)
    env = _env(deployment)

    # The code server loads the module and attribute the image's own command loads.
    assert deployment["dagsterApiGrpcArgs"] == [
        "--module-name",
        "pipelines.deployment",
        "--attribute",
        "defs",
    ]
    cmd = _dockerfile_cmd()
    assert cmd[cmd.index("--module-name") + 1] == "pipelines.deployment"
    assert cmd[cmd.index("--attribute") + 1] == "defs"
    assert cmd[cmd.index("--port") + 1] == str(deployment["port"])
    assert deployment["includeConfigInLaunchedRuns"]["enabled"] is True

    # Every pod mounts the one ReadWriteMany claim at the data directory.
    pvc = yaml.safe_load((DEPLOY / "pvc.yaml").read_text())
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    (volume,) = deployment["volumes"]
    assert volume["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]
    (mount,) = deployment["volumeMounts"]
    assert mount["name"] == volume["name"]
    assert mount["mountPath"] == env["ICBT_DATA_DIR"]
    assert f"ICBT_DATA_DIR={env['ICBT_DATA_DIR']}" in (DEPLOY / "Dockerfile").read_text()

    # DuckDB spills before the step pod reaches its memory limit.
    assert _bytes(env["ICBT_DUCKDB_MEMORY_LIMIT"]) < _bytes(env[STEP_MEMORY_ENV])

    # Runs and steps in pods, storage in PostgreSQL, the run queue on.
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    assert values["postgresql"]["enabled"] is True
    assert values["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"

    # One national run at a time, all its steps in one process: one writer of the file.
    concurrency = values["concurrency"]
    assert concurrency["enabled"] is True
    resources = StepPodResources(cpu=2, memory=env[STEP_MEMORY_ENV])
    national = kubernetes_definitions(settings_for(tmp_path), resources).resolve_job_def(
        NATIONAL_JOB
    )
    assert national.executor_def.name == "in_process"
    [(writer_key, writer_value)] = NATIONAL_WRITER_TAG.items()
    assert national.tags[writer_key] == writer_value

    # No two runs of one partition key, nor of one program's months, at the same time.
    limits = {limit["key"]: limit for limit in concurrency["runs"]["tagConcurrencyLimits"]}
    assert limits[writer_key] == {"key": writer_key, "value": writer_value, "limit": 1}
    for key in ("dagster/partition", "dagster/partition/program"):
        assert limits[key] == {
            "key": key,
            "value": {"applyLimitPerUniqueValue": True},
            "limit": 1,
        }


def test_image_installs_the_deploy_extra_from_the_lock() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    installs = [ln for ln in dockerfile.splitlines() if "uv sync" in ln]
    assert installs and all("--frozen" in ln and "--extra deploy" in ln for ln in installs)
    lock = (PROJECT_ROOT / "uv.lock").read_text()
    assert 'name = "dagster-k8s"' in lock and 'name = "dagster-postgres"' in lock
