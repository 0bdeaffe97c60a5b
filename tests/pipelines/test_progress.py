"""The progress display of `icbt run` (pipelines/progress.py): the pure rendering functions
with known answers, and the display following real Dagster runs of a tiny asset graph (two
program partitions, then a national step that fails) on a temporary instance."""

import io
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from pipelines.progress import (
    SESSION_TAG,
    Progress,
    SessionProgress,
    StepFailure,
    format_duration,
    log_file_path,
    partition_label,
    quiet_console,
    render_failure,
    render_line,
    render_stage,
    render_summary,
)

PROGRAMS = dg.StaticPartitionsDefinition(["P01", "P02", "P03"])
REFUSAL = "3 programs lack an in-person cohort"
NO_ITEMS = "batch 2024-05 has no PROM items"
ROWS_LANDED = {"P01": 10, "P02": 20, "P03": 30}
ROWS_SCORED = 5


@dg.asset(partitions_def=PROGRAMS)
def landed(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    context.log.debug("reading landing files")
    return dg.MaterializeResult(metadata={"dagster/row_count": ROWS_LANDED[context.partition_key]})


@dg.asset(partitions_def=PROGRAMS, deps=[landed])
def scored(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    if context.partition_key == "P03":
        raise dg.Failure(description=NO_ITEMS)
    return dg.MaterializeResult(metadata={"dagster/row_count": ROWS_SCORED})


@dg.asset(deps=[scored])
def national() -> None:
    raise ValueError(REFUSAL)


PARTITION_JOB = dg.define_asset_job("partition_job", selection=[landed, scored])
TINY = dg.Definitions(assets=[landed, scored, national], jobs=[PARTITION_JOB])
EXAMPLE = Progress(
    elapsed_seconds=75.4,
    partitions_done=3,
    partitions_total=16,
    steps_done=41,
    steps_total=160,
    rows=1_234_567,
    running=("int_prom_scores [P04]", "staging_episodes [P05]"),
)


def test_format_duration() -> None:
    assert format_duration(0) == "0:00"
    assert format_duration(65.9) == "1:05"
    assert format_duration(3725) == "1:02:05"


def test_render_line_shows_counts_current_step_time_and_rows() -> None:
    line = render_line(EXAMPLE, width=200)
    assert line == (
        "partitions 3/16 | steps 41/160 | int_prom_scores [P04] +1 | 1:15 | 1,234,567 rows"
    )
    cut = render_line(EXAMPLE, width=30)
    assert len(cut) == 30 and cut.endswith("…")
    idle = Progress(0, 0, 0, 0, 0, 0)
    assert render_line(idle, width=200) == "steps 0/0 | waiting | 0:00 | 0 rows"


def test_render_stage_and_summary() -> None:
    assert render_stage(EXAMPLE, "int_prom_scores", "P04", 52_000, 3.2) == (
        "[1:15] done int_prom_scores [P04] in 0:03, 52,000 rows | partitions 3/16 | steps 41/160"
    )
    assert render_stage(EXAMPLE, "episodes_unique", None, None, 0.4) == (
        "[1:15] done episodes_unique in 0:00 | partitions 3/16 | steps 41/160"
    )
    assert render_summary(EXAMPLE, Path("/d/logs/run.log")) == (
        "Done in 1:15: partitions 3/16 | steps 41/160, 1,234,567 rows. Full log: /d/logs/run.log"
    )
    assert render_summary(EXAMPLE, Path("x"), interrupted=True).startswith("Stopped after 1:15: ")


def test_render_failure_is_one_plain_paragraph() -> None:
    failure = StepFailure("comparisons", None, "ValueError: no cohort\n  for outcome bpi\n")
    paragraph = render_failure(failure, Path("/d/logs/run.log"))
    assert "\n" not in paragraph
    assert paragraph.startswith("Step comparisons failed: ValueError: no cohort for outcome bpi ")
    assert paragraph.endswith("is in /d/logs/run.log")
    in_partition = render_failure(StepFailure("landed", "program=P01", "E"), Path("x"))
    assert in_partition.startswith("Step landed for partition program=P01 failed: E ")
    assert render_failure(StepFailure(None, None, "pod evicted"), Path("x")).startswith(
        "A run failed: pod evicted "
    )


def test_partition_label() -> None:
    assert partition_label({"dagster/partition": "P03"}) == "P03"
    multi = {
        "dagster/partition": "2024-05|P03",
        "dagster/partition/program": "P03",
        "dagster/partition/batch": "2024-05",
    }
    assert partition_label(multi) == "batch=2024-05 program=P03"
    ranged = {
        "dagster/asset_partition_range_start": "2024-01|P03",
        "dagster/asset_partition_range_end": "2024-12|P03",
    }
    assert partition_label(ranged) == "2024-01|P03...2024-12|P03"
    assert partition_label({"icbt/session": "x"}) is None


def test_quiet_console_keeps_other_config_and_copies() -> None:
    original = {"ops": {"a": {"config": {"n": 1}}}}
    merged = quiet_console(original)
    assert merged == {
        "ops": {"a": {"config": {"n": 1}}},
        "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
    }
    assert original == {"ops": {"a": {"config": {"n": 1}}}}


def test_log_file_path_is_utc_and_sortable(tmp_path: Path) -> None:
    started = datetime(2026, 12, 7, 3, 4, 5, tzinfo=UTC)
    assert log_file_path(tmp_path, started) == tmp_path / "logs" / "run-20261207T030405Z.log"


@pytest.fixture
def instance(tmp_path: Path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as test_instance:
        yield test_instance


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_display_follows_real_runs_and_ends_with_the_failure(
    tmp_path: Path, instance: dg.DagsterInstance, capfd: pytest.CaptureFixture[str]
) -> None:
    session = str(uuid.uuid4())
    tags = {SESSION_TAG: session}
    log_path = log_file_path(tmp_path / "data", datetime.now(UTC))
    out = io.StringIO()
    display = SessionProgress(
        instance, session, log_path, stream=out, terminal=False, partitions_total=3
    )

    # A partition through dg.materialize, one through the job, one whose scoring fails, then
    # the failing national step.
    first = dg.materialize(
        [landed, scored],
        partition_key="P01",
        instance=instance,
        tags=tags,
        run_config=quiet_console(),
    )
    display.poll()
    second = TINY.resolve_job_def("partition_job").execute_in_process(
        partition_key="P02", instance=instance, tags=tags, run_config=quiet_console()
    )
    display.poll()
    third = dg.materialize(
        [landed, scored],
        partition_key="P03",
        instance=instance,
        tags=tags,
        run_config=quiet_console(),
        raise_on_error=False,
    )
    last = dg.materialize(
        [landed, scored, national],
        selection=[national],
        instance=instance,
        tags=tags,
        run_config=quiet_console(),
        raise_on_error=False,
    )
    failures = display.close()
    assert first.success and second.success and not third.success and not last.success

    lines = _lines(out.getvalue())
    assert lines[0] == f"Full log: {log_path}"
    stages = lines[1:-2]
    assert [re.sub(r"^\[\d+:\d\d\] ", "", s).split(" in ")[0] for s in stages] == [
        "done landed [P01]",
        "done scored [P01]",
        "done landed [P02]",
        "done scored [P02]",
        "done landed [P03]",
    ]
    assert stages[0].endswith(", 10 rows | partitions 0/3 | steps 1/2")
    assert stages[2].endswith(", 20 rows | partitions 1/3 | steps 3/4")
    assert stages[4].endswith(", 30 rows | partitions 2/3 | steps 5/6")
    assert failures == [
        StepFailure("scored", "P03", NO_ITEMS),
        StepFailure("national", None, f"ValueError: {REFUSAL}"),
    ]
    assert lines[-2:] == [render_failure(failure, log_path) for failure in failures]
    assert lines[-2].startswith(f"Step scored for partition P03 failed: {NO_ITEMS} ")
    assert "Traceback" not in out.getvalue() and "Stack Trace" not in out.getvalue()

    # Dagster's console logger printed nothing of the runs, not even the failure.
    console = capfd.readouterr()
    for noise in ("STEP_START", "reading landing files", "STEP_FAILURE", REFUSAL, NO_ITEMS):
        assert noise not in console.err + console.out

    # The log file holds every event of every run, and the failure's traceback.
    logged = log_path.read_text()
    for result in (first, second, third, last):
        records = instance.get_records_for_run(result.run_id).records
        assert len(records) > 5
        assert logged.count(f"run={result.run_id} ") == len(records)
    assert "DEBUG run=" in logged and "reading landing files" in logged
    assert f"ValueError: {REFUSAL}" in logged and "raise ValueError(REFUSAL)" in logged


def test_terminal_display_redraws_one_line_from_a_background_thread(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    session = str(uuid.uuid4())
    log_path = tmp_path / "logs" / "run.log"
    out = io.StringIO()
    with SessionProgress(instance, session, log_path, stream=out, terminal=True) as display:
        for program in ("P01", "P02"):
            dg.materialize(
                [landed, scored],
                partition_key=program,
                instance=instance,
                tags={SESSION_TAG: session},
                run_config=quiet_console(),
            )
    assert display.failures == []
    text = out.getvalue()
    assert "done " not in text, "a terminal gets one redrawn line, not a line per step"
    assert text.count("\n") == 2, "the 'Full log' line and the summary"
    redraws = [part for part in text.split("\r\x1b[2K") if part]
    assert re.fullmatch(
        r"partitions 2/2 \| steps 4/4 \| waiting \| \d+:\d\d \| 40 rows", redraws[-2]
    )
    assert redraws[-1] == (
        f"Done in {redraws[-1].split()[2]} partitions 2/2 | steps 4/4, 40 rows. "
        f"Full log: {log_path}\n"
    )


def test_a_caller_stopping_early_is_not_reported_as_done(
    tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    session = str(uuid.uuid4())
    out = io.StringIO()
    with (
        pytest.raises(KeyboardInterrupt),
        SessionProgress(instance, session, tmp_path / "run.log", stream=out, terminal=False),
    ):
        dg.materialize(
            [landed, scored],
            partition_key="P01",
            instance=instance,
            tags={SESSION_TAG: session},
            run_config=quiet_console(),
        )
        raise KeyboardInterrupt
    last = _lines(out.getvalue())[-1]
    assert last.startswith("Stopped after ") and "partitions 1/1 | steps 2/2, 15 rows" in last
