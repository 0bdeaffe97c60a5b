"""Benchmark: the whole pipeline at national scale, beside a bare DuckDB floor.

For each size (episodes), in one run:

1. Demo data are generated for one month more than the benchmark builds (`--months` + 1,
   same seed), and the newest month is held back: it is the incremental batch, so both
   measurements use the same consistent data set.
2. Full rebuild: `icbt run --no-brief` in a fresh process (each program's partition runs in
   parallel worker processes, then the national run) on an empty warehouse with
   `--months` monthly batches: wall time, CPU time of all processes and their ratio
   (parallelism), peak resident memory of all processes together (sampled). Per Dagster
   step, summed over the programs' runs: wall time (from the runs' event logs), peak
   memory, rows (rows read from landing files for ingestion, rows written otherwise).
3. Incremental: the held-back month is dropped into the landing zone and `icbt run`
   runs again on the built warehouse.
4. Floor, in a fresh process each: the same landing files read by bare DuckDB into
   tables (`read_csv`/`read_parquet`/`read_json`) and a representative aggregate over
   them (sql/benchmarks/bare_aggregates.sql); for the incremental batch, the new files
   appended to that floor database and the aggregate recomputed.
5. Dashboard callback latency against the largest size's published warehouse, by
   `benchmarks/dashboard_latency.py`.

Results, with the machine's description, go to benchmarks/RESULTS.md between markers.
`make bench` runs 10 thousand, 100 thousand and 1 million episodes (about an hour and
25 GB of temporary files on two cores); `--sizes` picks others.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.sql import read_sql  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
DASHBOARD_LATENCY = Path(__file__).with_name("dashboard_latency.py")
BIN = Path(sys.executable).parent
BEGIN, END = "<!-- BEGIN MEASURED -->", "<!-- END MEASURED -->"
FORMATS = ("parquet", "csv", "jsonl")
# Goals of issue #10 on the 2-core, 24 GB machine (at one million episodes); the dashboard
# goal is issue #11's (benchmarks/dashboard_latency.py).
GOAL_SIZE = 1_000_000
GOAL_FULL_SECONDS = 180.0
GOAL_FLOOR_RATIO = 3.0
GOAL_FULL_PEAK_GB = 4.0
GOAL_INCREMENTAL_SECONDS = 30.0
GOAL_DASHBOARD_P95_MS = 100.0
BENCH_KEY = "5a" * 32  # a fixed pseudonymisation key: benchmark data are synthetic


class PeakSampler:
    """Samples the resident memory of a process and all its children until stopped.

    The samples are kept with their times so each Dagster step's peak can be read off
    its own interval.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.process = psutil.Process(pid)
        self.interval = interval
        self.samples: list[tuple[float, int, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> tuple[float, int, float]:
        """Time, resident bytes and CPU seconds (user + system) of the process tree."""
        rss, cpu = 0, 0.0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                rss += proc.memory_info().rss
                times = proc.cpu_times()
                cpu += times.user + times.system
            except psutil.Error:
                continue
        return time.time(), rss, cpu

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self._sample())
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((rss for t, rss, _ in self.samples if start <= t <= end), default=0)

    def cpu(self, start: float = 0.0, end: float = float("inf")) -> float:
        """CPU seconds spent between two times: less sensitive than wall time to other
        jobs sharing the machine."""
        inside = [cpu for t, _, cpu in self.samples if start <= t <= end]
        return inside[-1] - inside[0] if len(inside) > 1 else 0.0


@dataclass
class Measured:
    """One command run in a fresh process: wall time and peak memory of its tree."""

    seconds: float
    peak_bytes: int
    cpu_seconds: float
    sampler: PeakSampler | None = field(default=None, repr=False)


def measure(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    with log.open("ab") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        sampler = PeakSampler(proc.pid)
        code = proc.wait()
        seconds = time.perf_counter() - start
        sampler.stop()
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {code}; see {log}")
    return Measured(seconds, sampler.peak(), sampler.cpu(), sampler)


def pipeline_env(data_dir: Path, memory_limit: str | None, threads: int | None) -> dict[str, str]:
    """The landing files are hard links of files the generator finished writing, so the
    settle time (a wait for senders that write in place) is zero: a run's wall time is
    the pipeline's, not a sleep."""
    env = dict(
        os.environ,
        ICBT_DATA_DIR=str(data_dir),
        ICBT_PSEUDONYM_KEY=BENCH_KEY,
        ICBT_SETTLE_SECONDS="0",
    )
    env.pop("ICBT_PSEUDONYM_KEY_FILE", None)
    if memory_limit:
        env["ICBT_DUCKDB_MEMORY_LIMIT"] = memory_limit
    if threads:
        env["ICBT_DUCKDB_THREADS"] = str(threads)
    return env


# --- data -------------------------------------------------------------------------------


@dataclass
class Generated:
    episodes: int
    months: int
    seconds: float
    peak_bytes: int
    files: int
    bytes: int
    rows: dict[str, int]
    newest_batch: str


def landing_files(landing: Path) -> list[Path]:
    """Contract files of a landing zone (programs/batches/table.ext), hidden files skipped."""
    return sorted(p for p in landing.glob("*/*/*") if p.is_file() and not p.name.startswith("."))


def generate(size: int, months: int, work: Path, log: Path) -> Generated:
    """Demo data for `months` + 1 batches, reused from an earlier run of the same size."""
    target = work / "generated"
    marker = target / "benchmark.json"
    if marker.exists():
        cached = Generated(**json.loads(marker.read_text()))
        if (cached.episodes, cached.months) == (size, months + 1):
            return cached
    shutil.rmtree(target, ignore_errors=True)
    env = pipeline_env(target, None, None)
    run = measure(
        [str(BIN / "icbt"), "generate", "--episodes", str(size), "--months", str(months + 1)],
        env,
        log,
    )
    files = landing_files(target / "landing")
    rows = count_rows(files)
    generated = Generated(
        episodes=size,
        months=months + 1,
        seconds=run.seconds,
        peak_bytes=run.peak_bytes,
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        rows=rows,
        newest_batch=max(p.parent.name for p in files),
    )
    marker.write_text(json.dumps(asdict(generated)))
    return generated


def count_rows(files: list[Path]) -> dict[str, int]:
    """Rows per contract table, counted by DuckDB's readers."""
    import duckdb

    con = duckdb.connect()
    rows: dict[str, int] = {}
    for table, groups in files_by_table(files).items():
        rows[table] = sum(
            relation(con, fmt, paths).count("*").fetchall()[0][0] for fmt, paths in groups.items()
        )
    return rows


def files_by_table(files: list[Path]) -> dict[str, dict[str, list[str]]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for path in files:
        table, fmt = path.name.split(".", 1)
        grouped.setdefault(table, {}).setdefault(fmt, []).append(str(path))
    return grouped


def relation(con, fmt: str, paths: list[str]):
    """DuckDB's own reader for one format: what a bare load would use. Columns are
    matched by name, as contract v1 and v2 files of one table differ in their columns."""
    if fmt == "parquet":
        return con.read_parquet(paths, union_by_name=True)
    if fmt == "csv":
        return con.read_csv(paths, header=True, union_by_name=True)
    return con.read_json(paths, format="newline_delimited", union_by_name=True)


def aligned(rel, columns: list[str]):
    """`rel` with `columns` in their order, empty where it has none of them."""
    import duckdb

    return rel.select(
        *[
            duckdb.ColumnExpression(c)
            if c in rel.columns
            else duckdb.ConstantExpression(None).alias(c)
            for c in columns
        ]
    )


def link_landing(source: Path, target: Path, *, batches: set[str] | None, skip: str | None) -> None:
    """Hard-link landing files (instant, no extra disk): only `batches`, or all but `skip`."""
    for path in landing_files(source):
        batch = path.parent.name
        if (batches is not None and batch not in batches) or batch == skip:
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, destination)


# --- the pipeline -------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    peak_bytes: int
    rows: int
    cpu_seconds: float = 0.0


@dataclass
class PipelineRun:
    seconds: float
    peak_bytes: int
    cpu_seconds: float
    rows_read: int
    steps: list[Step]


def run_pipeline(data_dir: Path, env: dict[str, str], log: Path) -> PipelineRun:
    """`icbt run` in a fresh process; per-step figures from the run's Dagster event log."""
    run = measure([str(BIN / "icbt"), "run", "--no-brief"], env, log)
    assert run.sampler is not None
    steps, rows_read = step_figures(data_dir / "dagster_home", run.sampler)
    return PipelineRun(run.seconds, run.peak_bytes, run.cpu_seconds, rows_read, steps)


def step_figures(dagster_home: Path, sampler: PeakSampler) -> tuple[list[Step], int]:
    """Per step, summed over every run of the latest `icbt run` (partition runs of many
    programs run at once, so the steps' wall times add up to more than the run's)."""
    import dagster as dg

    from pipelines.progress import SESSION_TAG

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        session = instance.get_runs(limit=1)[0].tags[SESSION_TAG]
        runs = instance.get_runs(filters=dg.RunsFilter(tags={SESSION_TAG: session}))
        rows_read = sum(int(run.tags.get("icbt/rows_read", 0)) for run in runs)
        first_start: dict[str, float] = {}
        steps: dict[str, Step] = {}
        for run in runs:
            starts: dict[str, float] = {}
            for entry in instance.all_logs(run.run_id):
                event = entry.dagster_event
                if event is None or entry.step_key is None:
                    continue
                key = entry.step_key
                if event.event_type_value == "STEP_START":
                    starts[key] = entry.timestamp
                    first_start[key] = min(first_start.get(key, entry.timestamp), entry.timestamp)
                elif event.event_type_value == "ASSET_MATERIALIZATION":
                    metadata = event.event_specific_data.materialization.metadata
                    count = metadata.get("dagster/row_count")
                    step = steps.setdefault(key, Step(key, 0.0, 0, 0))
                    step.rows += int(count.value) if count is not None else 0
                elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
                    step = steps.setdefault(key, Step(key, 0.0, 0, 0))
                    step.seconds += entry.timestamp - starts[key]
                    step.cpu_seconds += sampler.cpu(starts[key], entry.timestamp)
                    step.peak_bytes = max(
                        step.peak_bytes, sampler.peak(starts[key], entry.timestamp)
                    )
    if "raw_landing" in steps:
        steps["raw_landing"].rows = rows_read
    return sorted(steps.values(), key=lambda s: first_start[s.name]), rows_read


# --- the floor --------------------------------------------------------------------------


def floor(landing: Path, database: Path, batches: list[str] | None, out: Path) -> None:
    """Bare DuckDB: read the landing files into tables, then aggregate (a fresh process)."""
    import duckdb

    files = [p for p in landing_files(landing) if batches is None or p.parent.name in batches]
    con = duckdb.connect(
        str(database),
        config={"threads": os.cpu_count() or 1, "preserve_insertion_order": False},
    )
    start = time.perf_counter()
    existing = {name for (name,) in con.execute("SHOW TABLES").fetchall()}
    for table, groups in files_by_table(files).items():
        name = f"bare_{table}"
        # The widest reader first: a table's formats may hold contract v1 and v2 files.
        readers = [relation(con, fmt, groups[fmt]) for fmt in FORMATS if fmt in groups]
        for rel in sorted(readers, key=lambda r: len(r.columns), reverse=True):
            if name in existing:
                aligned(rel, con.table(name).columns).insert_into(name)
            else:
                rel.create(name)
                existing.add(name)
    con.execute("CHECKPOINT")
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    con.execute(read_sql("benchmarks/bare_aggregates.sql"))
    con.execute("CHECKPOINT")
    aggregated = time.perf_counter() - start
    out.write_text(json.dumps({"load_seconds": loaded, "aggregate_seconds": aggregated}))


@dataclass
class Floor:
    load_seconds: float
    aggregate_seconds: float
    peak_bytes: int

    @property
    def seconds(self) -> float:
        return self.load_seconds + self.aggregate_seconds


def run_floor(landing: Path, database: Path, batches: list[str] | None, log: Path) -> Floor:
    out = database.with_suffix(".json")
    cmd = [sys.executable, __file__, "--floor", str(landing), str(database), str(out)]
    if batches:
        cmd += ["--batches", *batches]
    run = measure(cmd, dict(os.environ), log)
    figures = json.loads(out.read_text())
    return Floor(figures["load_seconds"], figures["aggregate_seconds"], run.peak_bytes)


# --- one size ------------------------------------------------------------------------------


@dataclass
class SizeResult:
    episodes: int
    started: str
    load_average: str
    generated: Generated
    full: PipelineRun
    incremental: PipelineRun
    floor_full: Floor
    floor_incremental: Floor
    incremental_rows: int
    published_bytes: int
    dashboard: str | None = None


def bench_size(
    size: int, months: int, work: Path, memory_limit: str | None, threads: int | None
) -> SizeResult:
    work.mkdir(parents=True, exist_ok=True)
    started = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load_average = "{:.1f} / {:.1f} / {:.1f}".format(*os.getloadavg())
    log = work / "benchmark.log"
    generated = generate(size, months, work, log)
    source = work / "generated" / "landing"
    data_dir = work / "run"
    shutil.rmtree(data_dir, ignore_errors=True)
    link_landing(source, data_dir / "landing", batches=None, skip=generated.newest_batch)
    env = pipeline_env(data_dir, memory_limit, threads)
    full = run_pipeline(data_dir, env, log)
    floor_db = work / "floor.duckdb"
    floor_db.unlink(missing_ok=True)
    floor_full = run_floor(data_dir / "landing", floor_db, None, log)
    link_landing(source, data_dir / "landing", batches={generated.newest_batch}, skip=None)
    incremental = run_pipeline(data_dir, env, log)
    floor_incremental = run_floor(data_dir / "landing", floor_db, [generated.newest_batch], log)
    return SizeResult(
        episodes=size,
        started=started,
        load_average=load_average,
        generated=generated,
        full=full,
        incremental=incremental,
        floor_full=floor_full,
        floor_incremental=floor_incremental,
        incremental_rows=incremental.rows_read,
        published_bytes=(data_dir / "warehouse" / "observatory.duckdb").stat().st_size,
    )


def dashboard_latency(warehouse: Path, log: Path) -> str:
    """The dashboard's own latency benchmark against a published warehouse, as it prints."""
    result = subprocess.run(
        [sys.executable, str(DASHBOARD_LATENCY), "--warehouse", str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    with log.open("a") as out:
        out.write(result.stdout + result.stderr)
    if result.returncode != 0:
        failure = f"The benchmark failed (exit {result.returncode}); see {log}."
        return f"{result.stdout.strip()}\n\n{failure}"
    return result.stdout.strip()


def save_result(result: SizeResult, path: Path) -> None:
    path.write_text(json.dumps(asdict(result)))


def load_result(path: Path) -> SizeResult:
    """A size measured by an earlier invocation (sizes can be run one at a time)."""
    raw = json.loads(path.read_text())
    runs = {
        name: PipelineRun(**{**raw[name], "steps": [Step(**s) for s in raw[name]["steps"]]})
        for name in ("full", "incremental")
    }
    floors = {name: Floor(**raw[name]) for name in ("floor_full", "floor_incremental")}
    return SizeResult(**{**raw, "generated": Generated(**raw["generated"]), **runs, **floors})


# --- the report ----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on, including how busy the machine was."""
    import dagster
    import duckdb
    import polars

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    disk = shutil.disk_usage(ROOT)
    return {
        "cpu": f"{cpu}, {psutil.cpu_count()} logical CPUs",
        "memory": f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM",
        "disk": f"{disk.total / 2**30:.0f} GiB volume, {disk.free / 2**30:.0f} GiB free",
        "os": f"{platform.system()} {platform.release()}",
        "versions": (
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"Polars {polars.__version__}, Dagster {dagster.__version__}"
        ),
    }


def _gb(n: int) -> str:
    return f"{n / 2**30:.2f} GB"


def _s(x: float) -> str:
    return f"{x:,.1f} s"


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if rows and seconds > 0 else "-"


def _goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(results: list[SizeResult], host: dict[str, str], limit: str) -> str:
    lines = [
        f"Machine: {host['cpu']}; {host['memory']}; {host['disk']}; {host['os']}; "
        f"{host['versions']}. DuckDB memory_limit {limit}, threads 2. Each size's start "
        "time and load average (1/5/15 min) are given in its section.",
        "",
        "### Summary against the goals",
        "",
        "| episodes | landing rows | generate | full rebuild | its CPU | parallelism "
        "| peak memory | bare floor | ratio | incremental batch | its CPU | its floor | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rows = sum(r.generated.rows.values())
        lines.append(
            f"| {r.episodes:,} | {rows:,} | {_s(r.generated.seconds)} | {_s(r.full.seconds)} "
            f"| {_s(r.full.cpu_seconds)} | {r.full.cpu_seconds / r.full.seconds:.2f} "
            f"| {_gb(r.full.peak_bytes)} | {_s(r.floor_full.seconds)} "
            f"| {r.full.seconds / r.floor_full.seconds:.1f}x | {_s(r.incremental.seconds)} "
            f"| {_s(r.incremental.cpu_seconds)} "
            f"| {_s(r.floor_incremental.seconds)} "
            f"| {r.incremental.seconds / r.floor_incremental.seconds:.1f}x |"
        )
    goal = next((r for r in results if r.episodes == GOAL_SIZE), None)
    lines += ["", f"Goals at {GOAL_SIZE:,} episodes:", ""]
    if goal is None:
        lines.append(f"- not measured in this run (sizes: {[r.episodes for r in results]})")
    else:
        lines += [
            f"- full rebuild under {GOAL_FULL_SECONDS:.0f} s: {_s(goal.full.seconds)}, "
            f"{_goal(goal.full.seconds < GOAL_FULL_SECONDS)}",
            f"- full rebuild within {GOAL_FLOOR_RATIO:.0f}x the bare floor: "
            f"{goal.full.seconds / goal.floor_full.seconds:.1f}x, "
            f"{_goal(goal.full.seconds < GOAL_FLOOR_RATIO * goal.floor_full.seconds)}",
            f"- peak memory of all processes under {GOAL_FULL_PEAK_GB:.0f} GB: "
            f"{_gb(goal.full.peak_bytes)}, "
            f"{_goal(goal.full.peak_bytes < GOAL_FULL_PEAK_GB * 1e9)}",
            f"- incremental monthly batch under {GOAL_INCREMENTAL_SECONDS:.0f} s: "
            f"{_s(goal.incremental.seconds)}, "
            f"{_goal(goal.incremental.seconds < GOAL_INCREMENTAL_SECONDS)}",
            f"- dashboard p95 under {GOAL_DASHBOARD_P95_MS:.0f} ms: see the dashboard section",
        ]
    for r in results:
        lines += render_size(r)
    return "\n".join(lines)


def render_size(r: SizeResult) -> list[str]:
    g = r.generated
    lines = [
        "",
        f"### {r.episodes:,} episodes",
        "",
        f"Started {r.started}, load average {r.load_average}. "
        f"Generated {g.months} monthly batches ({g.files:,} files, {g.bytes / 2**20:,.0f} MiB) "
        f"in {_s(g.seconds)}, peak {_gb(g.peak_bytes)}; the newest batch ({g.newest_batch}) "
        "was held back as the incremental batch. Rows: "
        + ", ".join(f"{t} {n:,}" for t, n in sorted(g.rows.items()))
        + f". Published warehouse {r.published_bytes / 2**20:,.0f} MiB.",
        "",
    ]
    for title, run, fl in (
        ("Full rebuild", r.full, r.floor_full),
        ("Incremental monthly batch", r.incremental, r.floor_incremental),
    ):
        lines += [
            f"{title}: {_s(run.seconds)} wall (process start to exit), "
            f"{_s(run.cpu_seconds)} CPU, peak "
            f"{_gb(run.peak_bytes)}, {run.rows_read:,} landing rows read "
            f"({_rate(run.rows_read, run.seconds)} rows/s). Bare DuckDB floor: load "
            f"{_s(fl.load_seconds)}, aggregate {_s(fl.aggregate_seconds)}, peak "
            f"{_gb(fl.peak_bytes)}; pipeline / floor = {run.seconds / fl.seconds:.1f}x "
            f"(ingestion step / bare load = "
            f"{_ingestion(run) / fl.load_seconds:.1f}x).",
            "",
            "| step | wall | CPU | peak RSS | rows | rows/s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {s.name} | {_s(s.seconds)} | {_s(s.cpu_seconds)} | {_gb(s.peak_bytes)} "
            f"| {s.rows:,} | {_rate(s.rows, s.seconds)} |"
            for s in sorted(run.steps, key=lambda s: -s.seconds)
            if s.seconds >= 0.5
        ]
        quick = [s for s in run.steps if s.seconds < 0.5]
        lines += [
            "",
            f"{len(quick)} further steps took under 0.5 s each "
            f"({_s(sum(s.seconds for s in quick))} together). A step's wall time is summed "
            "over its partition runs, which overlap, so the steps add up to more than the "
            "run; its CPU and peak memory are those of all the run's processes while it ran, "
            "shared with the steps running beside it.",
            "",
        ]
    if r.dashboard is not None:
        # The latency script's own Markdown, its heading one level below this size's.
        lines += [r.dashboard.replace("## Dashboard latency", "#### Dashboard latency", 1)]
    return lines


def _ingestion(run: PipelineRun) -> float:
    return next((s.seconds for s in run.steps if s.name == "raw_landing"), 0.0)


def write_results(text: str, path: Path) -> None:
    """Replace the measured block of the results file, keeping the prose around it."""
    current = path.read_text() if path.exists() else f"# Scale benchmark\n\n{BEGIN}\n{END}\n"
    head, rest = current.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--work-dir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--memory-limit", default=None, help="ICBT_DUCKDB_MEMORY_LIMIT")
    parser.add_argument("--threads", type=int, default=None, help="ICBT_DUCKDB_THREADS")
    parser.add_argument(
        "--skip-dashboard", action="store_true", help="no dashboard latency measurement"
    )
    parser.add_argument("--floor", nargs=3, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--batches", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(*args.floor[:2], args.batches, args.floor[2])
        return
    host = machine()
    limit = args.memory_limit or os.environ.get("ICBT_DUCKDB_MEMORY_LIMIT", "1500MB")
    for size in sorted(args.sizes):
        print(f"{size:,} episodes ...", flush=True)
        result = bench_size(
            size, args.months, args.work_dir / str(size), args.memory_limit, args.threads
        )
        if size == max(args.sizes) and not args.skip_dashboard:
            result.dashboard = dashboard_latency(
                args.work_dir / str(size) / "run" / "warehouse" / "observatory.duckdb",
                args.work_dir / str(size) / "benchmark.log",
            )
        save_result(result, args.work_dir / str(size) / "result.json")
        print(
            f"  full {result.full.seconds:.1f} s, peak {_gb(result.full.peak_bytes)}; "
            f"incremental {result.incremental.seconds:.1f} s",
            flush=True,
        )
        measured = sorted(args.work_dir.glob("*/result.json"), key=lambda p: int(p.parent.name))
        results = [load_result(path) for path in measured]
        write_results(render(results, host, limit), args.results)
    print(f"Results: {args.results}")


if __name__ == "__main__":
    main()
