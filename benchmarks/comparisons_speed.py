"""Benchmark: the effectiveness comparisons, one version of the code against another.

    .venv/bin/python benchmarks/comparisons_speed.py --warehouse PATH [--baseline REV]

Reads the comparisons' input once from a warehouse (the three `queries/effectiveness_*.sql`
the `comparisons` asset reads) into Parquet, then times `run_comparisons` of two versions
of `pipelines/`, each run in a fresh process on the same input: the code at the git
revision `--baseline` (extracted with `git archive`, with its own `sql/` and `config/`)
and the working tree. Runs alternate, `--repeats` of each; the medians of wall time, CPU
time (all threads and worker processes) and peak resident memory are reported.

It also checks that both versions compare the same things the same way: the same
comparison, diagnostic and balance rows, the same verdicts and diagnostic statuses; and
it lists every number column that differs by more than rounding, with how many rows and
by how much. The Markdown section goes to `--out` (benchmarks/RESULTS-comparisons.md);
the exit code is 1 when rows, verdicts or statuses differ.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import duckdb
import polars as pl

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("RESULTS-comparisons.md")
INPUTS = ("episodes", "programs", "outcomes")
TABLES = {
    "comparisons": ("comparison_id",),
    "diagnostics": ("comparison_id", "diagnostic"),
    "balance": ("comparison_id", "covariate"),
}
STATUS_COLUMNS = (
    "verdict",
    "sensitivity_verdict",
    "verdict_display",
    "diagnostics_failed",
    "status",
)
ROUNDING = 1e-9


def export_inputs(warehouse: Path, target: Path) -> dict[str, int]:
    """The comparisons' input rows, read with the pipeline's own SQL files."""
    sys.path.insert(0, str(PROJECT_ROOT))
    from pipelines.sql import read_sql

    counts = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name in INPUTS:
            frame = con.sql(read_sql(f"queries/effectiveness_{name}.sql")).pl()
            frame.write_parquet(target / f"{name}.parquet")
            counts[name] = frame.height
    return counts


def extract(revision: str, target: Path) -> str:
    """`pipelines/`, `sql/` and `config/` as they were at `revision`; returns its hash."""
    commit = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", revision],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", commit, "pipelines", "sql", "config"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return commit


def worker(code: Path, inputs: Path, output: Path) -> None:
    """One timed run of `run_comparisons` of the code under `code` (a fresh process)."""
    sys.path.insert(0, str(code))
    from pipelines.effectiveness.comparisons import Outcome, run_comparisons
    from pipelines.effectiveness.config import load_benchmarks, load_effectiveness_config

    episodes = pl.read_parquet(inputs / "episodes.parquet")
    programs = pl.read_parquet(inputs / "programs.parquet")
    outcomes = [Outcome(*row) for row in pl.read_parquet(inputs / "outcomes.parquet").rows()]
    config, benchmarks = load_effectiveness_config(), load_benchmarks()
    wall, cpu = time.perf_counter(), _cpu_seconds()
    results = list(run_comparisons(episodes, programs, outcomes, config, benchmarks))
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
    rows = {
        "comparisons": [r.row for r in results],
        "diagnostics": [d for r in results for d in r.diagnostics],
        "balance": [b for r in results for b in r.balance],
    }
    for name, table in rows.items():
        pl.DataFrame(table, infer_schema_length=None).write_parquet(output / f"{name}.parquet")
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    (output / "timing.json").write_text(
        json.dumps({"wall": wall, "cpu": cpu, "peak_gb": peak / 1024**2, "rows": len(results)})
    )


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_run(code: Path, inputs: Path, output: Path) -> dict:
    output.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            "--code",
            str(code),
            "--inputs",
            str(inputs),
            "--output",
            str(output),
        ],
        check=True,
        cwd=code,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    return json.loads((output / "timing.json").read_text())


def differences(before: Path, after: Path) -> tuple[list[str], list[dict]]:
    """What differs between two runs' outputs: problems (missing rows, a changed verdict
    or diagnostic status), and each number column that differs beyond rounding, with
    how many rows and by how much (relative to the larger value, at least 1)."""
    problems, numbers = [], []
    for name, keys in TABLES.items():
        old = pl.read_parquet(before / f"{name}.parquet")
        new = pl.read_parquet(after / f"{name}.parquet")
        if set(old.columns) != set(new.columns):
            problems.append(f"{name}: columns differ: {set(old.columns) ^ set(new.columns)}")
            continue
        joined = old.join(new, on=list(keys), how="full", suffix="_new", nulls_equal=True)
        unmatched = joined.filter(
            pl.any_horizontal(pl.col(k).is_null() | pl.col(f"{k}_new").is_null() for k in keys)
        )
        if old.height != new.height or unmatched.height:
            problems.append(
                f"{name}: {old.height} rows before, {new.height} after, "
                f"{unmatched.height} without a counterpart"
            )
        joined = joined.filter(pl.all_horizontal(pl.col(f"{k}_new").is_not_null() for k in keys))
        for column in old.columns:
            if column in keys:
                continue
            a, b = pl.col(column), pl.col(f"{column}_new")
            if column in STATUS_COLUMNS:
                changed = joined.filter(~a.eq_missing(b)).height
                if changed:
                    problems.append(f"{name}.{column}: {changed} rows differ")
            elif old.schema[column].is_numeric():
                if joined.filter(a.is_null() != b.is_null()).height:
                    problems.append(f"{name}.{column}: values missing in one version only")
                relative = (a - b).abs() / pl.max_horizontal(a.abs(), b.abs(), pl.lit(1.0))
                differing = joined.filter(relative > ROUNDING)
                if differing.height:
                    outcomes = (
                        sorted(set(differing["comparison_id"].str.split("|").list.get(1)))
                        if "comparison_id" in differing.columns
                        else []
                    )
                    numbers.append(
                        {
                            "column": f"{name}.{column}",
                            "rows": differing.height,
                            "of": joined.height,
                            "largest": differing.select(relative.max()).item(),
                            "outcomes": outcomes,
                        }
                    )
    return problems, numbers


def report(args: argparse.Namespace, commit: str, counts: dict, runs: dict, check) -> str:
    problems, numbers = check
    medians = {
        label: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "peak_gb")}
        for label, rs in runs.items()
    }
    before, after = medians["baseline"], medians["working tree"]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Effectiveness comparisons: speed",
        "",
        "Written by `benchmarks/comparisons_speed.py`; do not edit by hand.",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} "
        f"({os.cpu_count()} cores, load average after the runs {load}); warehouse "
        f"`{args.warehouse}` with {counts['episodes']:,} episode-outcome-timepoint "
        f"rows, {counts['programs']:,} programs and {counts['outcomes']} outcomes; "
        f"{runs['baseline'][0]['rows']:,} comparisons. Baseline: `{commit}`; each version "
        f"run {args.repeats} time(s) in a fresh process, alternating; medians. CPU time "
        "counts every thread, so it is the fairer figure on a shared machine.",
        "",
        "| code | wall | CPU | peak RSS |",
        "|---|---:|---:|---:|",
    ]
    for label, m in medians.items():
        lines.append(f"| {label} | {m['wall']:.1f} s | {m['cpu']:.1f} s | {m['peak_gb']:.2f} GB |")
    lines += [
        "",
        f"Speed-up: {before['wall'] / after['wall']:.1f}x in wall time, "
        f"{before['cpu'] / after['cpu']:.1f}x in CPU time. Single runs (wall / CPU s): "
        + "; ".join(
            f"{label} " + ", ".join(f"{r['wall']:.1f}/{r['cpu']:.1f}" for r in rs)
            for label, rs in runs.items()
        )
        + ".",
        "",
        "Rows, verdicts and diagnostic statuses: "
        + ("the same in both versions." if not problems else "DIFFER: " + "; ".join(problems)),
        "",
    ]
    if numbers:
        lines += [
            f"Numbers that differ by more than {ROUNDING:.0e} (relative):",
            "",
            "| column | rows | largest relative difference | outcomes |",
            "|---|---:|---:|---|",
        ]
        lines += [
            f"| {n['column']} | {n['rows']:,} of {n['of']:,} | {n['largest']:.1e} | "
            f"{', '.join(n['outcomes'])} |"
            for n in numbers
        ]
    else:
        lines.append(f"Every number is the same to {ROUNDING:.0e} (relative).")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--baseline", default="608c11c", help="git revision to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--inputs", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.code, args.inputs, args.output)
        return
    if args.warehouse is None:
        parser.error("--warehouse is required")
    with tempfile.TemporaryDirectory(prefix="comparisons-speed-") as tmp:
        work = Path(tmp)
        (work / "inputs").mkdir()
        counts = export_inputs(args.warehouse, work / "inputs")
        commit = extract(args.baseline, work / "baseline")
        codes = {"baseline": work / "baseline", "working tree": PROJECT_ROOT}
        runs: dict[str, list[dict]] = {label: [] for label in codes}
        for repeat in range(args.repeats):
            for label, code in codes.items():
                output = work / "out" / label.replace(" ", "_") / str(repeat)
                runs[label].append(timed_run(code, work / "inputs", output))
                print(f"{label} run {repeat + 1}: {runs[label][-1]}", flush=True)
        check = differences(work / "out" / "baseline" / "0", work / "out" / "working_tree" / "0")
        text = report(args, commit, counts, runs, check)
    args.out.write_text(text)
    print(text)
    sys.exit(1 if check[0] else 0)


if __name__ == "__main__":
    main()
