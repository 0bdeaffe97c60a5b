"""Measure how fast safety surveillance finds the planted harm and how often it cries wolf.

    .venv/bin/python benchmarks/safety_operating_characteristics.py --seeds 30

For every seed, three worlds are generated, built and surveyed with the pipeline's own
safety code (benchmarks/safety_harness.py): the demo with its planted PHQ-9
deterioration rise, the same demo without it, and a null world in which every program
is in-person CBT in deterioration risk and effect. Each world is surveyed twice on the
same data, with the in-person reference's uncertainty carried into the funnel limits
and CUSUM thresholds and with the reference treated as exact
(`expected.reference_uncertainty`: carry, ignore), so the two are compared side by
side; the detailed sections describe the configured method. The results go to
benchmarks/RESULTS-safety.md: the detection-delay distribution, the share of seeds
detected within N months, and signals per program-year on clean and null data, with
the configuration and machine they were measured on.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from benchmarks.safety_harness import (
    NULL_INDICATORS,
    detection,
    null_world,
    signal_exposure,
    simulate_seed,
    survey_inputs,
)
from pipelines.demo.config import GeneratorConfig, add_months
from pipelines.safety.config import SafetyConfig, load_safety_config

WORLDS = ("planted", "clean", "null")
METHODS = ("ignore", "carry")  # expected.reference_uncertainty
PRIMARY = "phq9_reliable_deterioration"
END_MONTH = date(2026, 9, 1)


def generator_config(
    world: str, seed: int, episodes: int, months: int, plant_months: int
) -> GeneratorConfig:
    base = GeneratorConfig(
        n_episodes=episodes,
        seed=seed,
        months=months,
        end_month=END_MONTH,
        safety_from_month=add_months(END_MONTH, 1 - plant_months),
    )
    if world == "clean":
        return replace(base, plant_safety_signal=False)
    if world == "null":
        return null_world(base)
    return base


def with_arl(config: SafetyConfig, months: float) -> SafetyConfig:
    arl = config.in_control_arl_months.model_copy(update={"value": months})
    return replace(config, in_control_arl_months=arl)


def with_reference_uncertainty(config: SafetyConfig, method: str) -> SafetyConfig:
    return replace(config, reference_uncertainty=method)


def run_task(task: tuple[str, int, int, int, int, tuple[float, ...]]) -> dict:
    """One world and seed, in its own temporary directory (removed afterwards), surveyed
    with each way of treating the reference's uncertainty."""
    world, seed, episodes, months, plant_months, arls = task
    generator = generator_config(world, seed, episodes, months, plant_months)
    base = load_safety_config()
    root = Path(tempfile.mkdtemp(prefix=f"safety-oc-{world}-{seed}-"))
    started = time.perf_counter()
    try:
        inputs, plant = simulate_seed(root, generator, base)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    out = {"world": world, "seed": seed, "methods": {}}
    for method in METHODS:
        config = with_reference_uncertainty(base, method)
        out["methods"][method] = survey_method(inputs, plant, generator, config, arls, world)
        out["plant"] = plant
    out["seconds"] = time.perf_counter() - started
    out["load"] = os.getloadavg()[0]
    return out


def survey_method(inputs, plant, generator, config: SafetyConfig, arls, world: str) -> dict:
    """Exposure, detection and the ARL trade-off of one configuration on one seed."""
    seed = generator.seed
    result = survey_inputs(inputs, config)
    out = {"exposure": signal_exposure(result).to_dicts(), "sensitivity": {}}

    def delays(surveillance, indicators) -> dict:
        return {
            indicator: detection(
                surveillance,
                seed=seed,
                program_id=plant["program_id"],
                indicator=indicator,
                from_month=generator.safety_month,
                end_month=generator.end_month,
            )
            for indicator in indicators
        }

    if world == "planted":
        out["detection"] = delays(result, config.indicators)
    for arl in arls:
        if world == "planted":
            variant = survey_inputs(inputs, with_arl(config, arl).restricted((PRIMARY,)))
            out["sensitivity"][arl] = delays(variant, (PRIMARY,))[PRIMARY]
        elif world == "null":
            variant = survey_inputs(inputs, with_arl(config, arl).restricted(NULL_INDICATORS))
            out["sensitivity"][arl] = signal_exposure(variant).to_dicts()
    return out


def _percentile(values: list[int | None], q: float) -> str:
    known = [v for v in values if v is not None]
    if len(known) < len(values) * q / 100:
        return "not reached"
    ranked = sorted(v if v is not None else 10**6 for v in values)
    value = ranked[int(np.ceil(q / 100 * len(ranked))) - 1]
    return "not reached" if value >= 10**6 else str(value)


def detection_section(runs: list[dict]) -> list[str]:
    planted = [r for r in runs if r["world"] == "planted"]
    if not planted:
        return []
    horizon = planted[0]["detection"][PRIMARY].planted_months
    plant = planted[0]["plant"]
    lines = [
        "## Detection of the planted deterioration rise",
        "",
        f"Plant: {plant['program_id']}, {plant['indicator']}, probability "
        f"{plant['baseline_probability']} -> {plant['planted_probability']} for episodes whose "
        f"post-treatment assessment is in or after {plant['from_month']} ({horizon} months of "
        "planted data to the end of the window). Delay = months of planted data up to and "
        "including the month the signal opened (1 = the plant's first month).",
        "",
    ]
    realised = [r["plant"]["realised"]["after"]["rate"] for r in planted]
    before = [r["plant"]["realised"]["before"]["rate"] for r in planted]
    lines += [
        f"Realised rate (generator truth, >= 6 points): before {np.mean(before):.3f}, after "
        f"{np.mean(realised):.3f} (mean over seeds).",
        "",
        "| method | median delay | 90th percentile | "
        + " | ".join(f"by {k}" for k in range(1, horizon + 1))
        + " | never | signals before the plant |",
        "|---|---:|---:|" + "---:|" * horizon + "---:|---:|",
    ]
    for method in ("cusum", "funnel", "either"):
        delays = [r["detection"][PRIMARY].delay[method] for r in planted]
        shares = [
            sum(d is not None and d <= k for d in delays) / len(delays)
            for k in range(1, horizon + 1)
        ]
        early = sum(r["detection"][PRIMARY].early_signals for r in planted)
        lines.append(
            f"| {method} | {_percentile(delays, 50)} | {_percentile(delays, 90)} | "
            + " | ".join(f"{s:.0%}" for s in shares)
            + f" | {sum(d is None for d in delays)} | {early if method != 'either' else ''} |"
        )
    lines += [
        "",
        "Other indicators on the planted program (either method):",
        "",
        "| indicator | detected by the end | median delay |",
        "|---|---:|---:|",
    ]
    for indicator in planted[0]["detection"]:
        delays = [r["detection"][indicator].delay["either"] for r in planted]
        share = sum(d is not None for d in delays) / len(delays)
        lines.append(f"| {indicator} | {share:.0%} | {_percentile(delays, 50)} |")
    return [*lines, ""]


def exposure_table(runs: list[dict], world: str) -> pl.DataFrame:
    rows = [row for r in runs if r["world"] == world for row in r["exposure"]]
    if not rows:
        return pl.DataFrame()
    return (
        pl.DataFrame(rows)
        .group_by("indicator")
        .agg(
            program_years=pl.col("months").sum() / 12,
            cusum=pl.col("cusum").sum(),
            funnel=pl.col("funnel").sum(),
            programs_with_signal=((pl.col("cusum") + pl.col("funnel")) > 0).sum(),
        )
        .with_columns(
            cusum_rate=pl.col("cusum") / pl.col("program_years"),
            funnel_rate=pl.col("funnel") / pl.col("program_years"),
            rate=(pl.col("cusum") + pl.col("funnel")) / pl.col("program_years"),
        )
        .sort("indicator")
    )


def false_alarm_section(runs: list[dict], target: float) -> list[str]:
    lines = []
    for world, title, note in (
        (
            "null",
            "False alarms on null data",
            "Every program has in-person CBT's deterioration risk and effects, no plants: on the "
            "indicators marked null, every signal is a false alarm. The others depend on how "
            "often a program measures, completes or contacts, which the generator keeps "
            "different between programs (shown for completeness, not false alarms).",
        ),
        (
            "clean",
            "Signals on the demo without the plant",
            "The demo as generated, without the safety plant. Programs differ from in-person CBT "
            "as the generator makes them (e.g. ICBT02 is planted clearly less effective, "
            "self-guided programs have no therapist contact), so these are mostly true "
            "differences; PHQ-9 deterioration is at or below the in-person rate in every "
            "program.",
        ),
    ):
        table = exposure_table(runs, world)
        if table.is_empty():
            continue
        lines += [
            f"## {title}",
            "",
            note,
            "",
            "| indicator | null | program-years | CUSUM signals | funnel signals | "
            "per program-year (CUSUM) | (funnel) | (both) |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in table.iter_rows(named=True):
            null = "yes" if r["indicator"] in NULL_INDICATORS else ""
            lines.append(
                f"| {r['indicator']} | {null} | {r['program_years']:.0f} | {r['cusum']} | "
                f"{r['funnel']} | {r['cusum_rate']:.3f} | {r['funnel_rate']:.3f} | "
                f"{r['rate']:.3f} |"
            )
        if world == "null":
            nulls = table.filter(pl.col("indicator").is_in(list(NULL_INDICATORS)))
            worst = nulls["rate"].max()
            pooled = (nulls["cusum"].sum() + nulls["funnel"].sum()) / nulls["program_years"].sum()
            verdict = "within" if worst <= target else "ABOVE"
            lines += [
                "",
                f"Null indicators: {pooled:.3f} false alarms per program-year per indicator "
                f"(pooled), at most {worst:.3f} for any one; target {target} ({verdict} "
                "target).",
            ]
        lines.append("")
    return lines


def sensitivity_section(runs: list[dict], arls: list[float], method: str) -> list[str]:
    """Detection against false alarms as the CUSUM's in-control ARL changes."""
    planted = [r for r in runs if r["world"] == "planted"]
    null = [r for r in runs if r["world"] == "null"]
    if not arls or not planted or not null:
        return []
    horizon = planted[0]["detection"][PRIMARY].planted_months
    lines = [
        f"## Trade-off: in-control ARL of the CUSUM (reference uncertainty: {method})",
        "",
        f"Same seeds; CUSUM only; detection of the plant on {PRIMARY}, false alarms on the "
        "null indicators of the null world.",
        "",
        "| in-control ARL (months) | median delay | 90th percentile | detected by the end | "
        "false alarms per program-year per indicator |",
        "|---:|---:|---:|---:|---:|",
    ]
    for arl in arls:
        delays = [r["sensitivity"][arl].delay["cusum"] for r in planted]
        rows = [row for r in null for row in r["sensitivity"][arl]]
        years = sum(row["months"] for row in rows) / 12
        alarms = sum(row["cusum"] for row in rows)
        detected = sum(d is not None for d in delays) / len(delays)
        lines.append(
            f"| {arl:g} | {_percentile(delays, 50)} | {_percentile(delays, 90)} | "
            f"{detected:.0%} (of {horizon} months) | {alarms / years:.3f} |"
        )
    return [*lines, ""]


def null_rate(runs: list[dict]) -> tuple[float, float, float, float]:
    """Pooled false signals per program, indicator and year on the null indicators of
    the null world: both methods, CUSUM, funnel; and the worst single indicator."""
    table = exposure_table(runs, "null").filter(pl.col("indicator").is_in(list(NULL_INDICATORS)))
    if table.is_empty():
        return (float("nan"),) * 4
    years = table["program_years"].sum()
    cusum, funnel = table["cusum"].sum() / years, table["funnel"].sum() / years
    return cusum + funnel, cusum, funnel, table["rate"].max()


def comparison_section(views: dict[str, list[dict]], configured: str) -> list[str]:
    """The reference treated as exact (the method before issue 12) and carried, side by
    side on the same seeds and data."""
    labels = {
        "ignore": "reference treated as exact (before issue 12)",
        "carry": "reference uncertainty carried",
    }
    lines = [
        "## Reference uncertainty: treated as exact vs carried (same seeds, same data)",
        "",
        "`expected.reference_uncertainty` (configured: "
        f"{configured}). False signals: per program, indicator and year, CUSUM and funnel "
        "together, on the null indicators of the null world (every one a false alarm). "
        f"Delay: the planted rise on {PRIMARY}, either method, months of planted data.",
        "",
        "| method | false signals (both) | CUSUM | funnel | worst indicator | median delay | "
        "90th percentile | detected by the end | signals on clean data (null indicators) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, runs in views.items():
        pooled, cusum, funnel, worst = null_rate(runs)
        planted = [r for r in runs if r["world"] == "planted"]
        delays = [r["detection"][PRIMARY].delay["either"] for r in planted]
        detected = f"{sum(d is not None for d in delays) / len(delays):.0%}" if delays else "-"
        clean = exposure_table(runs, "clean")
        clean_rate = "-"
        if not clean.is_empty():
            nulls = clean.filter(pl.col("indicator").is_in(list(NULL_INDICATORS)))
            signals = nulls["cusum"].sum() + nulls["funnel"].sum()
            clean_rate = f"{signals / nulls['program_years'].sum():.3f}"
        lines.append(
            f"| {labels[method]} | {pooled:.3f} | {cusum:.3f} | {funnel:.3f} | {worst:.3f} | "
            f"{_percentile(delays, 50) if delays else '-'} | "
            f"{_percentile(delays, 90) if delays else '-'} | {detected} | {clean_rate} |"
        )
    return [*lines, ""]


def configuration_section(args: argparse.Namespace, runs: list[dict], wall: float) -> list[str]:
    config = load_safety_config()
    generator = generator_config("planted", 0, args.episodes, args.months, args.plant_months)
    seconds = Counter()
    for r in runs:
        seconds[r["world"]] += r["seconds"]
    per_run = ", ".join(f"{w} {seconds[w] / args.seeds:.0f} s" for w in WORLDS if seconds[w])
    loads = [r["load"] for r in runs]
    return [
        "## Configuration",
        "",
        f"- Seeds: {args.seeds} per world ({args.first_seed}..{args.first_seed + args.seeds - 1});"
        f" worlds: {', '.join(args.worlds)}.",
        f"- In-person reference: {config.reference_uncertainty_source}.",
        f"- Generator: {args.episodes:,} episodes over {args.months} months ending "
        f"{END_MONTH:%Y-%m}; plant from {generator.safety_month:%Y-%m} ({args.plant_months} "
        "months of planted data, so that the delay distribution is not cut off by the end "
        f"of the window), program {generator.safety_program}, probability "
        f"{generator.safety_planted_probability}; in-person deterioration "
        f"{generator.deterioration_in_person}, iCBT {generator.deterioration_icbt}.",
        f"- CUSUM: odds ratio {config.odds_ratio.value:g}, in-control ARL "
        f"{config.in_control_arl_months.value:g} months, restart at "
        f"{config.restart_fraction.value:g} h, {config.simulation_cycles:,} simulated cycles.",
        f"- Funnel: {config.window_months.value:g}-month window, alarm level "
        f"{config.alarm_level.value}, over-dispersion {config.overdispersion}.",
        f"- Minimum events: {config.minimum_events.value:g}; deterioration definition: "
        f"{config.deterioration_definition}.",
        f"- False-alarm target: {config.false_alarm_target.value} per program-year per indicator.",
        f"- Machine: {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs; {args.workers} worker processes; wall time {wall / 60:.1f} "
        f"min; per seed (both methods): {per_run}; 1-minute load average at the end of "
        f"each seed: median {np.median(loads):.1f}, range {min(loads):.1f}-{max(loads):.1f}.",
        f"- Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by "
        "`benchmarks/safety_operating_characteristics.py`.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--episodes", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--plant-months",
        type=int,
        default=13,
        help="Months of planted data: the plant starts this many months before the end, "
        "inclusive (the generator's own default is 9).",
    )
    parser.add_argument(
        "--arl",
        type=float,
        nargs="*",
        default=[120.0, 240.0, 480.0],
        help="In-control ARLs (months) for the sensitivity table.",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "RESULTS-safety.md"
    )
    parser.add_argument(
        "--worlds",
        nargs="*",
        choices=WORLDS,
        default=list(WORLDS),
        help="Worlds to simulate (planted and null carry the detection and false-alarm "
        "figures; clean is for completeness).",
    )
    args = parser.parse_args()
    tasks = [
        (world, seed, args.episodes, args.months, args.plant_months, tuple(args.arl))
        for seed in range(args.first_seed, args.first_seed + args.seeds)
        for world in args.worlds
    ]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        runs = []
        for i, run in enumerate(pool.map(run_task, tasks), start=1):
            runs.append(run)
            print(f"[{i}/{len(tasks)}] {run['world']} seed {run['seed']}: {run['seconds']:.0f} s")
    wall = time.perf_counter() - started
    args.out.write_text(render(args, runs, wall))
    print(f"Wrote {args.out}")


def render(args: argparse.Namespace, runs: list[dict], wall: float) -> str:
    """RESULTS-safety.md from the runs: the comparison of both methods, then the
    configured method's detail."""
    views = {
        method: [
            {**{k: v for k, v in r.items() if k != "methods"}, **r["methods"][method]} for r in runs
        ]
        for method in METHODS
    }
    config = load_safety_config()
    configured = views[config.reference_uncertainty]
    lines = [
        "# Safety surveillance: operating characteristics",
        "",
        "Measured, not assumed: detection delay of the generator's planted deterioration rise "
        "and false alarms per program-year. See docs/safety.md for the methods.",
        "",
        *configuration_section(args, runs, wall),
        *comparison_section(views, config.reference_uncertainty),
        f"The sections below describe the configured method ({config.reference_uncertainty}).",
        "",
        *detection_section(configured),
        *false_alarm_section(configured, config.false_alarm_target.value),
        *[
            line
            for method, view in views.items()
            for line in sensitivity_section(view, args.arl, method)
        ],
    ]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    main()
