"""Benchmark: load throughput of the validate-and-load path against a bare DuckDB read.

For CSV and Parquet, a 10-million-row `prom_responses` file (the largest table a program
sends) is loaded two ways, each in a fresh process so memory is measured alone:

- bare: `CREATE TABLE ... AS SELECT * FROM read_csv/read_parquet(file)` into a new DuckDB
  file, DuckDB's own fastest path;
- pipeline: `LandingLoader.load_file`, everything a delivery goes through: hashing,
  strict reading, the identifier gate, contract validation (pandera, cross-field and
  referential rules against 166,667 already loaded episodes), keyed-hash pseudonyms and
  the insert with its ledger entry, in one transaction.

Each is run `--repeats` times, alternating, and the median is reported with the peak
resident memory of the process. Results go to benchmarks/RESULTS-ingestion.md. Run with
`make bench-ingestion` (several minutes; about 2 GB of temporary files).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

ROWS = 10_000_000
GOAL_RATIO = 3.0
ITEMS = {"PHQ9": (9, 3), "GAD7": (7, 3), "PEG": (3, 10), "BPI_SF": (11, 10)}
ROWS_PER_EPISODE = 2 * sum(n for n, _ in ITEMS.values())  # two administrations of each
PROGRAM = "BENCH01"
BATCH = "2026-01"
RESULTS = Path(__file__).with_name("RESULTS-ingestion.md")


def make_files(workdir: Path, rows: int) -> dict[str, Path]:
    """Landing files: one program row, the episodes, and `rows` PROM item answers as
    CSV and as Parquet (the same rows), realistic in keys, dates and skipped items."""
    rng = np.random.default_rng(20261125)
    n_episodes = -(-rows // ROWS_PER_EPISODE)
    keys = pl.Series("episode_key", rng.integers(10**11, 10**12, n_episodes)).cast(pl.Utf8)
    keys = ("E" + keys).unique(maintain_order=True)
    n_episodes = keys.len()
    starts = pl.Series(rng.integers(0, 600, n_episodes)).cast(pl.Int32)
    base = date(2024, 1, 1)
    episodes = pl.DataFrame({"episode_key": keys, "day": starts}).with_columns(
        ("P" + pl.col("episode_key").str.slice(1)).alias("patient_key"),
        pl.lit(PROGRAM).alias("program_id"),
        pl.lit("self").alias("referral_source"),
        (pl.lit(base) + pl.duration(days=pl.col("day"))).alias("referral_date"),
        pl.lit("25-34").alias("age_band"),
        pl.lit("female").alias("sex"),
        pl.lit("urban").alias("rurality"),
        pl.lit("en").alias("language"),
        pl.lit("action").alias("readiness_stage"),
    )
    parts = []
    for administration, offset in enumerate((7, 70)):
        for instrument, (n_items, _top) in ITEMS.items():
            part = episodes.select("episode_key", "day").join(
                pl.DataFrame({"item_number": np.arange(1, n_items + 1, dtype=np.int64)}),
                how="cross",
            )
            parts.append(
                part.with_columns(
                    pl.lit(instrument).alias("instrument"),
                    (pl.lit(base) + pl.duration(days=pl.col("day") + offset)).alias(
                        "administered_date"
                    ),
                    pl.lit(administration).alias("_order"),
                )
            )
    prom = (
        pl.concat(parts)
        .head(rows)
        .with_columns(
            pl.Series("r", rng.random(rows)),
            pl.Series("v", rng.integers(0, 11, rows)),
        )
        .with_columns(
            pl.when(pl.col("r") < 0.015)
            .then(None)
            .otherwise(
                pl.col("v")
                % (
                    pl.col("instrument").replace_strict(
                        {k: top + 1 for k, (_, top) in ITEMS.items()}, return_dtype=pl.Int64
                    )
                )
            )
            .alias("value")
        )
        .select("episode_key", "instrument", "administered_date", "item_number", "value")
        .sample(fraction=1.0, shuffle=True, seed=7)
    )
    landing = workdir / "landing" / PROGRAM / BATCH
    landing.mkdir(parents=True, exist_ok=True)
    files = {
        "programs": landing / "programs.csv",
        "episodes": landing / "episodes.csv",
        "csv": workdir / "prom_responses.csv",
        "parquet": workdir / "prom_responses.parquet",
    }
    files["programs"].write_text(
        "program_id,program_name,delivery_mode,therapist_trained_in_chronic_pain,length_weeks,"
        "module_count,topics,funding,reimbursement_eligibility,province,status\n"
        f"{PROGRAM},Benchmark program,self_guided,false,8,6,sleep,public,"
        "free_at_point_of_care,ON,available\n"
    )
    episodes.drop("day").with_columns(
        pl.lit(None, pl.Utf8).alias(c)
        for c in ("enrolment_date", "start_date", "end_date", "discharge_reason")
    ).select(
        "patient_key",
        "episode_key",
        "program_id",
        "referral_source",
        "referral_date",
        "enrolment_date",
        "start_date",
        "end_date",
        "discharge_reason",
        "age_band",
        "sex",
        "rurality",
        "language",
        "readiness_stage",
    ).write_csv(files["episodes"])
    prom.write_csv(files["csv"])
    prom.write_parquet(files["parquet"])
    return files


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_bare(fmt: str, source: Path, database: Path) -> dict:
    statement = (
        "CREATE TABLE bare AS SELECT * FROM read_csv($path)"
        if fmt == "csv"
        else "CREATE TABLE bare AS SELECT * FROM read_parquet($path)"
    )
    from pipelines.resources import Warehouse

    # The pipeline's own connection settings (threads, memory, insertion order, storage
    # version), so the two differ only in what they do with the file.
    with Warehouse(database=str(database), threads=2, memory_limit="6GB").connect() as con:
        started = time.perf_counter()
        con.execute(statement, {"path": str(source)})
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        [(rows,)] = con.execute("SELECT count(*) FROM bare").fetchall()
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": _peak_rss_mb()}


def measure_pipeline(fmt: str, source: Path, database: Path, landing: Path, profiler=None) -> dict:
    from pipelines.ingestion.landing import classify
    from pipelines.ingestion.loader import LandingLoader
    from pipelines.ingestion.readers import scan_file
    from pipelines.resources import Warehouse

    target = landing / PROGRAM / BATCH / f"prom_responses.{fmt}"
    for stale in target.parent.glob("prom_responses.*"):
        stale.unlink()
    os.link(source, target)
    warehouse = Warehouse(database=str(database), threads=2, memory_limit="6GB")
    with warehouse.connect() as con:
        loader = LandingLoader(con, b"b" * 32, today=date(2026, 11, 25), run_id="bench")
        for table in ("programs", "episodes"):
            f = classify(landing, landing / PROGRAM / BATCH / f"{table}.csv")
            loader.load_file(f, scan_file(f.path), replace=False)
        f = classify(landing, target)
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        outcome = loader.load_file(f, scan_file(f.path), replace=False)
        con.execute("CHECKPOINT")
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
    target.unlink()
    return {
        "seconds": seconds,
        "rows": outcome.rows_loaded,
        "quarantined": outcome.rows_quarantined,
        "peak_rss_mb": _peak_rss_mb(),
    }


STAGES = {
    "hash and line counts": ("readers.py", "scan_file"),
    "read": ("readers.py", "read_landing_file"),
    "identifier gate": ("identifiers.py", "find_identifier_values"),
    "validation (without pseudonyms)": ("validation.py", "validate"),
    "pseudonyms (HMAC, key to id)": ("pseudonymise.py", "__call__"),
    "insert and ledger (one transaction)": ("loader.py", "_insert"),
}


def profile_pipeline(fmt: str, source: Path, database: Path, landing: Path) -> dict:
    """Seconds per stage of the validate-and-load path, from a profiled run (not timed:
    profiling adds a little to every Python call)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    total = measure_pipeline(fmt, source, database, landing, profiler)["seconds"]
    stats = pstats.Stats(profiler).stats
    seconds = {
        stage: max(
            (v[3] for (file, _, name), v in stats.items() if file.endswith(suffix) and name == fn),
            default=0.0,
        )
        for stage, (suffix, fn) in STAGES.items()
    }
    # validate() includes the pseudonymisation it calls; report them apart.
    seconds["validation (without pseudonyms)"] -= seconds["pseudonyms (HMAC, key to id)"]
    return {"stages": seconds, "seconds": total}


def _child(args: list[str]) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs, {memory:.0f} GiB RAM; "
        f"{platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}, Polars {pl.__version__}; DuckDB threads = 2; "
        f"load average at start {load[0]:.1f}"
    )


def run(rows: int, repeats: int, workdir: Path) -> str:
    started = time.perf_counter()
    files = make_files(workdir, rows)
    made = time.perf_counter() - started
    machine = _machine()
    lines: list[str] = []
    stages: list[str] = []
    for fmt in ("csv", "parquet"):
        bare, pipeline = [], []
        for attempt in range(repeats):
            database = workdir / f"{fmt}-{attempt}"
            bare.append(
                _child(["--measure", "bare", fmt, str(files[fmt]), f"{database}-bare.duckdb"])
            )
            pipeline.append(
                _child(
                    [
                        "--measure",
                        "pipeline",
                        fmt,
                        str(files[fmt]),
                        f"{database}-pipe.duckdb",
                        str(workdir / "landing"),
                    ]
                )
            )
            for path in workdir.glob(f"{fmt}-{attempt}-*"):
                path.unlink()
        assert all(r["rows"] == rows for r in bare), bare
        assert all(r["rows"] == rows and r["quarantined"] == 0 for r in pipeline), pipeline
        b = statistics.median(r["seconds"] for r in bare)
        p = statistics.median(r["seconds"] for r in pipeline)
        profile = _child(
            [
                "--measure",
                "profile",
                fmt,
                str(files[fmt]),
                str(workdir / f"{fmt}-profile.duckdb"),
                str(workdir / "landing"),
            ]
        )
        (workdir / f"{fmt}-profile.duckdb").unlink()
        stages.append(
            f"| {fmt.upper()} | "
            + " | ".join(
                f"{s:.1f} s ({s / profile['seconds']:.0%})" for s in profile["stages"].values()
            )
            + " |"
        )
        lines.append(
            f"| {fmt.upper()} | {files[fmt].stat().st_size / 2**20:,.0f} MiB "
            f"| {b:.2f} s | {rows / b:,.0f} | {max(r['peak_rss_mb'] for r in bare):,.0f} MiB "
            f"| {p:.2f} s | {rows / p:,.0f} | {max(r['peak_rss_mb'] for r in pipeline):,.0f} MiB "
            f"| {p / b:.2f}x | {'met' if p / b <= GOAL_RATIO else 'missed'} |"
        )
        print(lines[-1], flush=True)
    return (
        f"Run on {datetime.now():%Y-%m-%d %H:%M} ({rows:,} rows, median of {repeats}, "
        f"test files made in {made:.0f} s).\n\nMachine: {machine}.\n\n"
        "| format | file | bare DuckDB read | bare rows/s | bare peak RSS "
        "| validate and load | rows/s | peak RSS | ratio | goal (<= 3x) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n" + "\n".join(lines) + "\n\n"
        "Where the validate-and-load time goes (one profiled run per format; shares of that "
        "run):\n\n"
        f"| format | {' | '.join(STAGES)} |\n|---|{'---:|' * len(STAGES)}\n"
        + "\n".join(stages)
        + "\n"
    )


def write_results(table: str) -> None:
    """Replace the measured part of RESULTS-ingestion.md, keeping its commentary."""
    begin, end = "<!-- BEGIN MEASURED -->", "<!-- END MEASURED -->"
    text = RESULTS.read_text() if RESULTS.exists() else f"{begin}\n{end}\n"
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    RESULTS.write_text(f"{head}{begin}\n{table}{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, fmt, source, database, *landing = args.measure
        if kind == "bare":
            result = measure_bare(fmt, Path(source), Path(database))
        elif kind == "profile":
            result = profile_pipeline(fmt, Path(source), Path(database), Path(landing[0]))
        else:
            result = measure_pipeline(fmt, Path(source), Path(database), Path(landing[0]))
        print(json.dumps(result))
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="icbt-bench-"))
    try:
        table = run(args.rows, args.repeats, workdir)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.rows == ROWS:
        write_results(table)
    print(table)


if __name__ == "__main__":
    main()
