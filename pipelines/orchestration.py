"""What `icbt run` does: each program's partitions in parallel, then the national build.

1. Find the deliveries (program, month) whose files are new or changed since the lake's
   ledger last saw them, and the programs whose per-program tables an earlier version of
   the code wrote (they lack a column the current SQL makes: rebuilt from the lake, no
   delivery read again), and register new programs as partitions.
2. For each such program, in a pool of worker processes: one run of `ingest_deliveries`
   over its months (a partition range, loaded in month order), then one run of
   `build_program` for its partition. Programs never share a file, so they run at once.
3. One run of `build_national`, which alone writes the national DuckDB file and
   publishes it.

Every run goes through the Dagster instance in DAGSTER_HOME, so the UI shows each
partition's history, and carries the tag `icbt/session` so a progress display can
follow one invocation's runs (`pipelines.progress`); Dagster's own console lines are
silenced, the full event log stays in the run storage.
"""

from __future__ import annotations

import multiprocessing
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import dagster as dg

from pipelines.ingestion.landing import StrayFile, discover, settling
from pipelines.ingestion.loader import _fingerprint, file_version
from pipelines.ingestion.pseudonymise import MissingPseudonymKeyError
from pipelines.lake import PROGRAM_MODELS, Lake, lake_schemas
from pipelines.partitions import PROGRAM, batch_ranges, range_tags
from pipelines.progress import SESSION_TAG, quiet_console
from pipelines.settings import Settings, worker_count
from pipelines.sql import read_sql, run_sql

INGEST_JOB = "ingest_deliveries"
PROGRAM_JOB = "build_program"
NATIONAL_JOB = "build_national"


@dataclass(frozen=True)
class RunOutcome:
    job: str
    run_id: str
    success: bool
    program_id: str | None = None
    error: str | None = None


@dataclass
class BuildReport:
    session_id: str
    pending: dict[str, list[str]] = field(default_factory=dict)
    runs: list[RunOutcome] = field(default_factory=list)
    strays: list[StrayFile] = field(default_factory=list)
    settling: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(run.success for run in self.runs)

    @property
    def failures(self) -> list[RunOutcome]:
        return [run for run in self.runs if not run.success]


def pending_deliveries(
    landing_dir: Path, lake: Lake, exclude: set[str] | None = None
) -> dict[str, list[str]]:
    """Months per program whose landing files the lake's ledger has not seen as they are.

    A file counts as seen when its size, modification and status-change times and inode
    match the fingerprint recorded when it was last loaded, and its batch's manifest.json
    still declares the contract version the ledger read it under; anything else (a new
    file, a corrected re-delivery, a touched file, a corrected or added manifest) sends its
    month back through ingestion, where content hashes and versions decide what actually
    changed. `exclude` names files still being written.
    """
    import duckdb

    con = duckdb.connect()
    try:
        lake.register_views(con, ("ingest_file_fingerprints", "ingest_load_ledger"))
        seen = {
            source: tuple(fingerprint)
            for source, *fingerprint, _ in run_sql(
                con, read_sql("ingestion/file_fingerprints.sql")
            ).fetchall()
        }
        read_under = {
            source: version
            for source, _, _, version in run_sql(
                con, read_sql("ingestion/latest_file_hashes.sql")
            ).fetchall()
        }
    finally:
        con.close()
    pending: dict[str, set[str]] = {}
    deliveries, _ = discover(landing_dir)
    for delivery in deliveries:
        if exclude and delivery.relative_path in exclude:
            continue
        path = delivery.relative_path
        touched = seen.get(path) != _fingerprint(delivery.path)
        if touched or read_under.get(path) != file_version(delivery):
            pending.setdefault(delivery.program_id, set()).add(delivery.batch_id)
    return {program: sorted(months) for program, months in sorted(pending.items())}


def outdated_programs(lake: Lake) -> list[str]:
    """Programs whose per-program tables were written by an earlier version of the code,
    without a column the current SQL makes (contract v2's fields of staging_episodes):
    rebuilding them from the lake's raw rows makes them current again."""
    import pyarrow.parquet as pq

    schemas = lake_schemas()
    outdated: set[str] = set()
    for table in PROGRAM_MODELS:
        expected = set(schemas[table].names)
        for file in lake.files(table):
            if not expected <= set(pq.read_schema(file).names):
                folder = Path(file).relative_to(lake.root / table).parts[0]
                outdated.add(folder.removeprefix("program_id="))
    return sorted(outdated)


@cache
def _job(settings: Settings, job_name: str) -> dg.JobDefinition:
    """Definitions are built once per process: a worker runs many programs' jobs."""
    from pipelines.definitions import build_definitions

    return build_definitions(settings).resolve_job_def(job_name)


def _execute(settings: Settings, job_name: str, session_id: str, **kwargs) -> RunOutcome:
    job = _job(settings, job_name)
    tags = {SESSION_TAG: session_id, **kwargs.pop("tags", {})}
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags=tags,
            run_config=quiet_console(),
            **kwargs,
        )
    error = None
    if not result.success:
        failures = [e for e in result.all_events if e.is_step_failure]
        error = (
            "; ".join(
                f"{e.step_key}: {_root_cause(e.step_failure_data.error)}"
                for e in failures
                if e.step_failure_data.error is not None
            )
            or "the run failed before any step (see the Dagster UI)"
        )
    return RunOutcome(job_name, result.run_id, result.success, tags.get("icbt/program"), error)


def _root_cause(error) -> str:
    """The innermost error's message: what went wrong, not Dagster's wrapper around it."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def build_program(settings: Settings, program_id: str, months: list[str], session_id: str):
    """Load one program's pending months, then rebuild its per-program tables."""
    outcomes = []
    for first, last in batch_ranges(months):
        outcome = _execute(
            settings,
            INGEST_JOB,
            session_id,
            tags={**range_tags(program_id, first, last), "icbt/program": program_id},
        )
        outcomes.append(outcome)
        if not outcome.success:
            return outcomes
    outcomes.append(
        _execute(
            settings,
            PROGRAM_JOB,
            session_id,
            partition_key=program_id,
            tags={"icbt/program": program_id},
        )
    )
    return outcomes


def wait_until_settled(landing_dir: Path, settle_seconds: float) -> list[str]:
    """Wait (at most `settle_seconds`) until every delivery file has been quiet for the
    settle time; the files that changed again meanwhile, which this build leaves alone."""
    files, _ = discover(landing_dir)
    young = settling(files, settle_seconds, time.time())
    if young:
        newest = max(f.path.lstat().st_mtime for f in young)
        time.sleep(max(0.0, min(settle_seconds, newest + settle_seconds - time.time())))
        young = settling(discover(landing_dir)[0], settle_seconds, time.time())
    return [f.relative_path for f in young]


def plan(settings: Settings, settle_seconds: float | None = None) -> BuildReport:
    """What a build will do: the pending deliveries, with new programs registered as
    partitions so their runs can start. Files still being written are waited for once
    (the settle time) and left for the next build if they keep changing."""
    from pipelines.resources import LandingZone

    report = BuildReport(uuid.uuid4().hex)
    landing = LandingZone.from_settings(settings)
    settle = landing.settle if settle_seconds is None else settle_seconds
    report.settling = wait_until_settled(settings.landing_dir, settle)
    try:
        key = landing.pseudonym_key()
    except MissingPseudonymKeyError:
        key = None  # the ingestion runs report the missing key
    report.strays = discover(settings.landing_dir, key)[1]
    lake = Lake(settings.lake_dir)
    pending = pending_deliveries(settings.landing_dir, lake, exclude=set(report.settling))
    for program in outdated_programs(lake):
        pending.setdefault(program, [])  # no month to load: its tables are rebuilt
    report.pending = dict(sorted(pending.items()))
    with dg.DagsterInstance.get() as instance:
        known = set(instance.get_dynamic_partitions(PROGRAM))
        new = [program for program in report.pending if program not in known]
        if new:
            instance.add_dynamic_partitions(PROGRAM, new)
    return report


def build_all(
    settings: Settings, *, workers: int | None = None, report: BuildReport | None = None
) -> BuildReport:
    """Everything `icbt run` does (after `plan`, unless given its `report`); DAGSTER_HOME
    must name a persistent instance."""
    report = report or plan(settings)
    workers = workers or default_workers(len(report.pending))
    if report.pending:
        if workers == 1:
            for program, months in report.pending.items():
                report.runs += build_program(settings, program, months, report.session_id)
        else:
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
                futures = [
                    pool.submit(build_program, settings, program, months, report.session_id)
                    for program, months in report.pending.items()
                ]
                for future in futures:
                    report.runs += future.result()
    if report.success:
        report.runs.append(_execute(settings, NATIONAL_JOB, report.session_id))
    return report


def default_workers(programs: int) -> int:
    """One worker per core (or ICBT_WORKERS), never more than there are programs to build."""
    return max(1, min(programs, worker_count()))
