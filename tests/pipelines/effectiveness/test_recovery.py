"""The comparisons recover the effects the demo generator planted, over several seeds.

Each seed generates landing files, builds the warehouse up to the analysis data set
with the real SQL and outcome code (benchmarks/without_ingestion.py skips only
ingestion), and runs every comparison. The generator's truth is each program's exact
paired difference in change relative to in-person CBT; a guided program is planted a
full MCID worse on PHQ-9 and GAD-7 so that clearly inferior, clearly superior
(archetype 6) and near-equivalent programs are all present.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from benchmarks.without_ingestion import build_without_ingestion
from pipelines.demo.config import GeneratorConfig
from pipelines.demo.generator import generate
from pipelines.effectiveness.comparisons import Outcome, run_comparisons
from pipelines.effectiveness.config import load_benchmarks, load_effectiveness_config
from pipelines.sql import read_sql

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("effectiveness_recovery")]

SEEDS = (101, 102, 103, 104, 105, 106)
PLANTED_WORSE = {"ICBT07": {"PHQ9.total": 3.7, "GAD7.total": 3.3}}
ESTIMABLE_FAILURES = {"minimum_detectable_difference", "noninferiority_margin"}


def _truth(truth, subject_type: str, subject: str, key: str, timepoint: str) -> float | None:
    if subject_type == "delivery_mode":
        table = truth.delivery_mode_effects if timepoint == "post_treatment" else {}
    else:
        table = truth.effects if timepoint == "post_treatment" else truth.follow_up
    entry = table.get(subject, {}).get(key)
    return None if entry is None else entry["true_difference_in_change"]


def _seed_rows(seed: int, root: Path) -> list[dict]:
    landing = root / str(seed)
    config = GeneratorConfig(
        n_episodes=4_000,
        seed=seed,
        months=9,
        end_month=date(2026, 9, 1),
        effect_overrides=PLANTED_WORSE,
    )
    truth = generate(landing / "landing", landing / "truth.json", config)
    warehouse = build_without_ingestion(
        landing / "landing", landing / "build.duckdb", then=("int_effectiveness_episodes",)
    )
    with warehouse.connect() as con:
        episodes = con.sql(read_sql("queries/effectiveness_episodes.sql")).pl()
        programs = con.sql(read_sql("queries/effectiveness_programs.sql")).pl()
        outcomes = [
            Outcome(*r)
            for r in con.execute(read_sql("queries/effectiveness_outcomes.sql")).fetchall()
        ]
    settings = replace(load_effectiveness_config(), national_row_beside_local=False)
    rows = []
    for result in run_comparisons(episodes, programs, outcomes, settings, load_benchmarks()):
        r = result.row
        key = f"{r['instrument']}.{r['scale']}"
        true = _truth(truth, r["subject_type"], r["subject_id"], key, r["timepoint"])
        if true is None or r.get("adjusted_ci_low") is None:
            continue
        failures = set(r["diagnostics_failed"]) - ESTIMABLE_FAILURES
        rows.append(
            {
                "seed": seed,
                "subject_type": r["subject_type"],
                "subject_id": r["subject_id"],
                "outcome": key,
                "timepoint": r["timepoint"],
                "truth": true,
                "estimate": r["adjusted_difference"],
                "ci_low": r["adjusted_ci_low"],
                "ci_high": r["adjusted_ci_high"],
                "sign": 1.0 if r["higher_is_better"] else -1.0,
                "margin": r["noninferiority_margin"],
                "estimable": not failures,
                "verdict": r["verdict"],
            }
        )
    return rows


def _recovered(root: Path) -> pl.DataFrame:
    rows = [row for seed in SEEDS for row in _seed_rows(seed, root)]
    return pl.DataFrame(rows).with_columns(
        covered=(pl.col("ci_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("ci_high")),
        truth_improvement=pl.col("sign") * pl.col("truth"),
    )


def test_planted_effects_are_recovered(tmp_path: Path):
    """One test, so that the seeds are generated and analysed once whatever the worker
    scheduling: coverage, per-program coverage and verdict agreement."""
    recovered = _recovered(tmp_path)
    coverage_is_nominal(recovered)
    no_comparison_is_systematically_biased(recovered)
    verdicts_match_the_truth_in_clear_cases(recovered)


def coverage_is_nominal(recovered: pl.DataFrame) -> None:
    """Coverage of the 95% CIs over every estimable comparison and seed is at least 90%,
    for programs and delivery modes, at post-treatment and at follow-up."""
    estimable = recovered.filter(pl.col("estimable"))
    assert estimable.height >= 300
    assert estimable["covered"].mean() >= 0.90
    for (timepoint,), part in estimable.group_by(["timepoint"]):
        assert part["covered"].mean() >= 0.88, timepoint
    modes = estimable.filter(pl.col("subject_type") == "delivery_mode")
    assert modes.height >= 18 and modes["covered"].mean() >= 0.85


def no_comparison_is_systematically_biased(recovered: pl.DataFrame) -> None:
    """Per program, outcome and timepoint seen in at least 4 seeds, the CI covers the
    truth in most of them."""
    per = (
        recovered.filter(pl.col("estimable") & (pl.col("subject_type") == "program"))
        .group_by("subject_id", "outcome", "timepoint")
        .agg(pl.col("covered").mean(), pl.len())
        .filter(pl.col("len") >= 4)
    )
    assert per.height >= 40
    assert per["covered"].min() >= 0.5, per.sort("covered").head(5)
    assert (per["covered"] >= 0.75).mean() >= 0.9


def verdicts_match_the_truth_in_clear_cases(recovered: pl.DataFrame) -> None:
    """Where the truth is at least a margin away from zero, a shown verdict says so:
    superior when the program is truly better, inferior when truly a full MCID worse;
    and no verdict ever contradicts the truth."""
    shown = recovered.filter(pl.col("verdict").is_not_null() & pl.col("margin").is_not_null())
    better = shown.filter(pl.col("truth_improvement") >= pl.col("margin"))
    worse = shown.filter(pl.col("truth_improvement") <= -2 * pl.col("margin"))
    assert better.height >= 10 and worse.height >= 4
    assert (better["verdict"] == "superior").mean() >= 0.8
    assert (worse["verdict"] == "inferior").mean() >= 0.8
    contradictions = shown.filter(
        (
            (pl.col("truth_improvement") <= -pl.col("margin"))
            & pl.col("verdict").is_in(["superior", "non-inferior"])
        )
        | ((pl.col("truth_improvement") >= 0) & (pl.col("verdict") == "inferior"))
    )
    assert contradictions.height <= 0.02 * shown.height
