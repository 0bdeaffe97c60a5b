"""What a person sees while `icbt run` works: progress read back from Dagster's own records.

`icbt run` tags every run it starts with `icbt/session=<id>` and silences Dagster's console
logger (`quiet_console`). `SessionProgress` polls the Dagster instance for that session's
runs and their new event records, and shows partitions and steps done out of total, the
step running now, elapsed time and rows materialized (`dagster/row_count`): on a terminal as
one line redrawn in place, elsewhere (CI, a pipe) as one line per finished step. Every
event goes to a log file, with full tracebacks; a failed step ends the display with one
plain paragraph naming the error, the step, its partition and that file.

Reading the instance rather than hooking the executor means the same display follows runs
in this process, in worker processes, or in pods, as long as they share the instance.
The `render_*` functions are pure, so tests call them with made-up progress.
"""

from __future__ import annotations

import copy
import logging
import shutil
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

SESSION_TAG = "icbt/session"
ROW_COUNT = "dagster/row_count"
POLL_SECONDS = 0.5

# Dagster's console logger prints every event from DEBUG up, and step failures (ERROR) with
# their tracebacks; the display and the log file say all of it, so the console logger is
# limited to CRITICAL, which Dagster's own events never use.
QUIET_CONSOLE_RUN_CONFIG: dict[str, Any] = {
    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}}
}

_PARTITION_TAG = "dagster/partition"
_RANGE_START_TAG = "dagster/asset_partition_range_start"
_RANGE_END_TAG = "dagster/asset_partition_range_end"
_RUN_ENDS = {
    dg.DagsterEventType.RUN_SUCCESS,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.RUN_CANCELED,
}


def quiet_console(run_config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`run_config` with Dagster's console logger silenced (a copy; the input is unchanged)."""
    merged = copy.deepcopy(dict(run_config or {}))
    merged.setdefault("loggers", {}).update(copy.deepcopy(QUIET_CONSOLE_RUN_CONFIG["loggers"]))
    return merged


def log_file_path(data_dir: Path, started: datetime) -> Path:
    """`<data>/logs/run-<UTC timestamp>.log`: one file per `icbt run`, sortable by name."""
    return data_dir / "logs" / f"run-{started.astimezone(UTC):%Y%m%dT%H%M%SZ}.log"


@dataclass(frozen=True)
class Progress:
    """Everything the display shows at one moment."""

    elapsed_seconds: float
    partitions_done: int
    partitions_total: int
    steps_done: int
    steps_total: int
    rows: int
    running: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepFailure:
    """A failed step (or a run that failed outside any step: `step` is None)."""

    step: str | None
    partition: str | None
    message: str


def format_duration(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _counts(progress: Progress) -> str:
    parts = [f"steps {progress.steps_done}/{progress.steps_total}"]
    if progress.partitions_total:
        parts.insert(0, f"partitions {progress.partitions_done}/{progress.partitions_total}")
    return " | ".join(parts)


def step_label(step: str | None, partition: str | None) -> str:
    name = step or "run"
    return f"{name} [{partition}]" if partition else name


def render_line(progress: Progress, width: int) -> str:
    """The terminal's single line, cut to `width` characters."""
    if progress.running:
        more = f" +{len(progress.running) - 1}" if len(progress.running) > 1 else ""
        current = f"{progress.running[0]}{more}"
    else:
        current = "waiting"
    line = (
        f"{_counts(progress)} | {current} | {format_duration(progress.elapsed_seconds)}"
        f" | {progress.rows:,} rows"
    )
    return line if len(line) <= width else line[: max(width - 1, 0)] + "…"


def render_stage(
    progress: Progress, step: str, partition: str | None, rows: int | None, seconds: float
) -> str:
    """One finished step, for output that is not a terminal; `rows` is None for a step
    that reported none (an asset check, an asset without a row count)."""
    counted = f", {rows:,} rows" if rows is not None else ""
    return (
        f"[{format_duration(progress.elapsed_seconds)}] done {step_label(step, partition)}"
        f" in {format_duration(seconds)}{counted} | {_counts(progress)}"
    )


def render_summary(progress: Progress, log_path: Path, *, interrupted: bool = False) -> str:
    """The last line when no step failed; `interrupted` when the caller stopped early."""
    verb = "Stopped after" if interrupted else "Done in"
    return (
        f"{verb} {format_duration(progress.elapsed_seconds)}: {_counts(progress)},"
        f" {progress.rows:,} rows. Full log: {log_path}"
    )


def render_failure(failure: StepFailure, log_path: Path) -> str:
    """One plain paragraph: what failed, where, and where the traceback is."""
    from pipelines.storage_errors import storage_problem

    where = f"Step {failure.step}" if failure.step else "A run"
    if failure.partition:
        where += f" for partition {failure.partition}"
    problem = storage_problem(failure.message)
    if problem is not None:
        return (
            f"{where} could not write its files: {problem}; free some space or fix the data "
            f"directory's permissions and run again (nothing half-written was published; "
            f"the full log is in {log_path})."
        )
    message = " ".join(failure.message.split())
    return (
        f"{where} failed: {message} "
        f"Steps that depend on it were not run. The full event log, with the traceback, "
        f"is in {log_path}"
    )


def partition_label(tags: Mapping[str, str]) -> str | None:
    """A run's partition as people read it: `batch=2024-05 program=P03`, `P03`, or a range."""
    dimensions = {
        key.removeprefix(f"{_PARTITION_TAG}/"): value
        for key, value in tags.items()
        if key.startswith(f"{_PARTITION_TAG}/")
    }
    if dimensions:
        return " ".join(f"{name}={value}" for name, value in sorted(dimensions.items()))
    if _PARTITION_TAG in tags:
        return tags[_PARTITION_TAG]
    if _RANGE_START_TAG in tags:
        return f"{tags[_RANGE_START_TAG]}...{tags.get(_RANGE_END_TAG, '')}"
    return None


def _error_message(error: SerializableErrorInfo) -> str:
    """The user's own error, not Dagster's wrapper around it."""
    while error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    return error.message.strip()


@dataclass
class _RunState:
    partition: str | None
    steps_total: int
    cursor: str | None = None
    steps_done: int = 0
    finished: bool = False
    succeeded: bool = False
    failed_steps: int = 0
    started: dict[str, float] = field(default_factory=dict)
    step_rows: dict[str, int] = field(default_factory=dict)


class SessionProgress:
    """Follows the runs of one `icbt run` session; call `poll()` in a loop, or use it as a
    context manager that polls every 0.5 s in a background thread, then `close()`s."""

    def __init__(
        self,
        instance: dg.DagsterInstance,
        session_id: str,
        log_path: Path,
        *,
        stream: TextIO | None = None,
        terminal: bool | None = None,
        partitions_total: int | None = None,
    ) -> None:
        self._instance = instance
        self._session_id = session_id
        self.log_path = log_path
        self._stream = stream or sys.stderr
        self._terminal = self._stream.isatty() if terminal is None else terminal
        self._partitions_expected = partitions_total
        self._runs: dict[str, _RunState] = {}
        self._rows = 0
        self._failures: list[StepFailure] = []
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("a", encoding="utf-8")
        self._log.write(f"# icbt run session {session_id}, started {datetime.now(UTC):%FT%TZ}\n")
        self._write(f"Full log: {log_path}\n")

    @property
    def failures(self) -> list[StepFailure]:
        return list(self._failures)

    def progress(self) -> Progress:
        partitioned = [s for s in self._runs.values() if s.partition is not None]
        return Progress(
            elapsed_seconds=time.monotonic() - self._started,
            partitions_done=sum(s.succeeded for s in partitioned),
            partitions_total=max(self._partitions_expected or 0, len(partitioned)),
            steps_done=sum(s.steps_done for s in self._runs.values()),
            steps_total=sum(s.steps_total for s in self._runs.values()),
            rows=self._rows,
            running=tuple(
                step_label(step, s.partition)
                for s in self._runs.values()
                if not s.finished
                for step in s.started
            ),
        )

    def poll(self) -> None:
        """Read the session's new runs and events, log them and redraw."""
        with self._lock:
            # Oldest first, so lines and failures come in the order the runs were created.
            records = self._instance.get_run_records(
                filters=dg.RunsFilter(tags={SESSION_TAG: self._session_id}), ascending=True
            )
            for run in (record.dagster_run for record in records):
                state = self._runs.get(run.run_id) or self._track(run)
                if state is None or state.finished:
                    continue
                self._read_events(run.run_id, state)
            if self._terminal:
                width = shutil.get_terminal_size().columns - 1
                self._write(f"\r\x1b[2K{render_line(self.progress(), width)}")

    def close(self, *, interrupted: bool = False) -> list[StepFailure]:
        """Last poll, then the summary or one paragraph per failure; returns the failures.
        `interrupted`: the caller stopped before its runs ended (an exception, Ctrl-C)."""
        self.poll()
        with self._lock:
            if self._terminal:
                self._write("\r\x1b[2K")
            if self._failures:
                for failure in self._failures:
                    self._write(render_failure(failure, self.log_path) + "\n")
            else:
                summary = render_summary(self.progress(), self.log_path, interrupted=interrupted)
                self._write(summary + "\n")
            self._log.close()
        return self.failures

    def __enter__(self) -> SessionProgress:
        self._thread = threading.Thread(target=self._poll_until_stopped, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.close(interrupted=exc_type is not None)

    def _poll_until_stopped(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.poll()

    def _track(self, run: dg.DagsterRun) -> _RunState | None:
        if run.execution_plan_snapshot_id is None:
            return None
        plan = self._instance.get_execution_plan_snapshot(run.execution_plan_snapshot_id)
        steps = plan.step_keys_to_execute or [step.key for step in plan.steps]
        state = _RunState(partition=partition_label(run.tags), steps_total=len(steps))
        self._runs[run.run_id] = state
        return state

    def _read_events(self, run_id: str, state: _RunState) -> None:
        while True:
            page = self._instance.get_records_for_run(run_id, cursor=state.cursor, limit=1000)
            for record in page.records:
                self._handle(run_id, state, record.event_log_entry)
            state.cursor = page.cursor
            if not page.has_more:
                break
        self._log.flush()

    def _handle(self, run_id: str, state: _RunState, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        self._log_entry(run_id, state, entry)
        if event is None:
            return
        step = event.step_key
        kind = event.event_type
        if kind == dg.DagsterEventType.STEP_START:
            state.started[step] = entry.timestamp
        elif kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
            rows = event.event_specific_data.materialization.metadata.get(ROW_COUNT)
            if rows is not None:
                state.step_rows[step] = state.step_rows.get(step, 0) + int(rows.value)
                self._rows += int(rows.value)
        elif kind == dg.DagsterEventType.STEP_SUCCESS:
            state.steps_done += 1
            began = state.started.pop(step, entry.timestamp)
            if not self._terminal:
                line = render_stage(
                    self.progress(),
                    step,
                    state.partition,
                    state.step_rows.get(step),
                    entry.timestamp - began,
                )
                self._write(line + "\n")
        elif kind == dg.DagsterEventType.STEP_FAILURE:
            state.started.pop(step, None)
            state.failed_steps += 1
            data = event.step_failure_data
            if data.user_failure_data is not None and data.user_failure_data.description:
                message = data.user_failure_data.description
            elif data.error is not None:
                message = _error_message(data.error)
            else:
                message = entry.user_message
            self._failures.append(StepFailure(step, state.partition, message))
        elif kind in _RUN_ENDS:
            state.finished = True
            state.succeeded = kind == dg.DagsterEventType.RUN_SUCCESS
            error = getattr(event.event_specific_data, "error", None)
            if not state.succeeded and state.failed_steps == 0:
                message = _error_message(error) if error is not None else entry.user_message
                self._failures.append(StepFailure(None, state.partition, message))

    def _log_entry(self, run_id: str, state: _RunState, entry: dg.EventLogEntry) -> None:
        event = entry.dagster_event
        stamp = datetime.fromtimestamp(entry.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        kind = event.event_type_value if event is not None else "LOG"
        level = logging.getLevelName(entry.level)
        where = step_label(entry.step_key, state.partition) if entry.step_key else "-"
        self._log.write(f"{stamp} {level} run={run_id} {where} {kind}: {entry.user_message}\n")
        error = None
        if event is not None and event.event_type == dg.DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
        elif event is not None and event.event_type in _RUN_ENDS:
            error = getattr(event.event_specific_data, "error", None)
        if error is not None:
            self._log.write(error.to_string() + "\n")

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
