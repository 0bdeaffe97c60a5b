"""The code location as it runs on Kubernetes (see deploy/): one pod per partition step.

`kubernetes_definitions(settings)` is `build_definitions` with Dagster's `k8s_job_executor`
for the partition jobs: the Helm chart's K8sRunLauncher starts one pod per run (one
program's months, or one program's tables), and that run's worker starts a Kubernetes Job
per step, sized by `StepPodResources`.
Volumes, environment variables and secrets come from the user code deployment in
deploy/values.yaml (`includeConfigInLaunchedRuns`), so every step pod mounts the same data
directory (the Parquet lake and the national DuckDB files) as the code server.

The national job keeps the in-process executor: all its steps run in its run's pod, the one
process that holds the national DuckDB file read-write, and its runs carry
`NATIONAL_WRITER_TAG`, which the run queue (deploy/values.yaml, `tagConcurrencyLimits`)
admits one at a time.

The Helm chart's code server loads `defs` from this module (`dagster api grpc -m
pipelines.deployment -a defs`), configured from the environment the chart sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_k8s import k8s_job_executor

from pipelines.definitions import build_definitions
from pipelines.settings import STEP_MEMORY_ENV, Environment, Settings


@dataclass(frozen=True)
class StepPodResources:
    """What each step pod asks Kubernetes for.

    CPU follows DuckDB's thread count (`ICBT_DUCKDB_THREADS`), the only part of a step that
    uses more than one core. Memory is the pod's limit (`ICBT_K8S_STEP_MEMORY`, a Kubernetes
    quantity such as `4Gi`); DuckDB's own limit (`ICBT_DUCKDB_MEMORY_LIMIT`) must sit below
    it so that DuckDB spills to disk before the kernel kills the pod.
    """

    cpu: int
    memory: str

    @classmethod
    def from_env(cls, settings: Settings) -> StepPodResources:
        memory = Environment.read().k8s_step_memory
        if not memory:
            raise RuntimeError(
                f"{STEP_MEMORY_ENV} is not set: the step pods' memory limit comes from "
                "deploy/values.yaml (the user code deployment's env)."
            )
        return cls(cpu=settings.duckdb_threads, memory=memory)


def step_executor_config(resources: StepPodResources) -> dict[str, Any]:
    """`k8s_job_executor` configuration: every step pod requests what it is limited to.

    Requests equal to limits give the pods Kubernetes' Guaranteed class, so a node never
    holds more DuckDB memory limits than it has memory. Namespace, image, volumes and
    environment are left to the run launcher and the user code deployment, which the
    executor inherits.
    """
    quantities = {"cpu": str(resources.cpu), "memory": resources.memory}
    return {
        "step_k8s_config": {
            "container_config": {"resources": {"requests": quantities, "limits": quantities}}
        }
    }


def kubernetes_definitions(settings: Settings, resources: StepPodResources) -> dg.Definitions:
    """The project's definitions with each step run in its own Kubernetes pod."""
    executor = k8s_job_executor.configured(step_executor_config(resources), name="k8s")
    return build_definitions(settings, executor=executor)


def __getattr__(name: str) -> dg.Definitions:
    """`defs` for the code server, built when Dagster asks for it: importing this module
    (tests, tools) needs no Kubernetes settings."""
    if name != "defs":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    settings = Settings.from_env()
    return kubernetes_definitions(settings, StepPodResources.from_env(settings))
