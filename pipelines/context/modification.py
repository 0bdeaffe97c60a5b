"""Does iCBT's difference from in-person CBT depend on concurrent multidisciplinary care?

The HTA's interviewees saw iCBT as helpful inside multidisciplinary pain care and worried
about it being offered instead. Contract v2 records the other pain care an episode had,
so the comparisons with in-person CBT run twice with the machinery of
`pipelines.effectiveness` (case-mix adjustment, diagnostics, gating): once on the v2
iCBT episodes with concurrent care, once on those without, each against the same
in-person cohort. Each stratum's trustworthy program comparisons are pooled by random
effects (`meta_analysis.random_effects`), and the two pooled estimates are tested for a
difference (`meta_analysis.subgroup_difference`, the test of mart_subgroup_tests). A
difference in the estimates is effect modification by concurrent care; it is
observational, so other differences between patients who do and do not get such care
are not ruled out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from pipelines.effectiveness import meta_analysis as ma
from pipelines.effectiveness.comparisons import Outcome, run_comparisons
from pipelines.effectiveness.config import BenchmarkConfig, EffectivenessConfig
from pipelines.effectiveness.synthesis import OUTCOME_KEYS, poolable
from pipelines.sql import model, model_frame

STRATA = {"with_care": True, "without_care": False}


def v2_icbt(care: pl.DataFrame) -> pl.DataFrame:
    return care.filter(~pl.col("is_in_person") & (pl.col("contract_version") == "v2"))


def stratum_episodes(episodes: pl.DataFrame, care: pl.DataFrame, with_care: bool) -> pl.DataFrame:
    """The in-person comparator episodes (whatever their version) and the v2 iCBT episodes
    with, or without, concurrent multidisciplinary care."""
    icbt = v2_icbt(care).filter(pl.col("multidisciplinary_care") == with_care)
    chosen = pl.concat([care.filter(pl.col("is_in_person")), icbt]).select("episode_id")
    return episodes.join(chosen, on="episode_id", how="semi")


def stratified_comparisons(
    episodes: pl.DataFrame,
    care: pl.DataFrame,
    programs: pl.DataFrame,
    outcomes: list[Outcome],
    config: EffectivenessConfig,
    benchmarks: BenchmarkConfig,
) -> dict[str, pl.DataFrame]:
    """Each stratum's comparisons (mart_comparisons' columns) of the programs that send
    v2 and the in-person clinics; v1-only programs have no stratum to compare."""
    v2_programs = set(v2_icbt(care)["program_id"])
    compared = programs.filter(pl.col("is_in_person") | pl.col("program_id").is_in(v2_programs))
    comparisons = model("marts", "mart_comparisons")
    return {
        stratum: model_frame(
            comparisons,
            [
                r.row
                for r in run_comparisons(
                    stratum_episodes(episodes, care, with_care),
                    compared,
                    outcomes,
                    config,
                    benchmarks,
                )
            ],
        )
        for stratum, with_care in STRATA.items()
    }


def care_modification(
    compared: dict[str, pl.DataFrame], care: pl.DataFrame, config: EffectivenessConfig
) -> list[dict[str, Any]]:
    """Per outcome, timepoint and pooling method: each stratum's pooled difference from
    in-person CBT, and the test that the two differ (on both strata's rows)."""
    conf = config.confidence
    min_k = int(config.value("min_programs_for_prediction_interval"))
    icbt = v2_icbt(care)
    rest_on = {"v2_programs": icbt["program_id"].n_unique(), "v2_episodes": icbt.height}
    eligible = {stratum: poolable(frame_) for stratum, frame_ in compared.items()}
    keys = pl.concat([e.select(OUTCOME_KEYS) for e in eligible.values()]).unique(
        maintain_order=True
    )
    rows: list[dict[str, Any]] = []
    for outcome in keys.iter_rows(named=True):
        members = {
            stratum: frame_.join(pl.DataFrame([outcome]), on=list(OUTCOME_KEYS), how="semi")
            for stratum, frame_ in eligible.items()
        }
        if any(m.is_empty() for m in members.values()):
            continue
        for method in ma.METHODS:
            pooled = {
                stratum: ma.random_effects(
                    m["adjusted_difference"].to_numpy(),
                    m["adjusted_se"].to_numpy() ** 2,
                    method,
                    confidence=conf,
                    min_k_pi=min_k,
                )
                for stratum, m in members.items()
            }
            test = ma.subgroup_difference(
                np.array([p.estimate for p in pooled.values()]),
                np.array([p.se for p in pooled.values()]),
            )
            gap = pooled["without_care"].estimate - pooled["with_care"].estimate
            for stratum, result in pooled.items():
                rows.append(
                    {
                        **outcome,
                        "method": method,
                        "stratum": stratum,
                        "k": result.k,
                        "programs": sorted(members[stratum]["subject_id"]),
                        "n_episodes": int(members[stratum]["n_program_analysed"].sum()),
                        "estimate": result.estimate,
                        "se": result.se,
                        "ci_low": result.ci_low,
                        "ci_high": result.ci_high,
                        "tau2": result.tau2,
                        "difference_without_minus_with": gap,
                        "q_between": test.q_between if test else None,
                        "df": test.df if test else None,
                        "p_value": test.p_value if test else None,
                        **rest_on,
                    }
                )
    return rows
