"""Per-episode change classification between a baseline and a later score.

Reliable change follows Jacobson & Truax (1991): SE_meas = SD * sqrt(1 - r),
S_diff = sqrt(2) * SE_meas, and a change is reliable when |change| / S_diff exceeds the
configured z. Everything is oriented by the scale's direction, so "improvement" means a
fall on the PHQ-9 and a rise on the PSEQ. Classifications are null, not false, when they
cannot be judged (no parameters for the scale, a baseline of zero for a percentage, a
Talking Therapies recovery for someone who was not a case), so rates computed downstream
use the right denominators.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import polars as pl

from pipelines.scoring.config import ScaleConfig, ScoringConfig

Number = TypeVar("Number", float, pl.Expr)

SCALE_KEYS = ("instrument", "scale")

PARAMETER_SCHEMA = {
    "instrument": pl.String,
    "scale": pl.String,
    "higher_is_better": pl.Boolean,
    "change_outcome": pl.Boolean,
    "reliability": pl.Float64,
    "sd": pl.Float64,
    "sd_method": pl.String,
    "s_diff": pl.Float64,
    "rci_threshold": pl.Float64,
    "criterion_c": pl.Float64,
    "mcid_points": pl.Float64,
    "mcid_percent": pl.Float64,
    "tt_caseness_min": pl.Float64,
    "tt_reliable_points": pl.Float64,
}

CHANGE_SCHEMA = {
    "change": pl.Float64,
    "percent_change": pl.Float64,
    "improvement": pl.Float64,
    "rci": pl.Float64,
    "reliable_improvement": pl.Boolean,
    "reliable_deterioration": pl.Boolean,
    "clinically_significant_improvement": pl.Boolean,
    "mcid_points_improved": pl.Boolean,
    "mcid_percent_improved": pl.Boolean,
    "immpact_moderate_responder": pl.Boolean,
    "immpact_substantial_responder": pl.Boolean,
    "tt_case_baseline": pl.Boolean,
    "tt_case_post": pl.Boolean,
    "tt_reliable_improvement": pl.Boolean,
    "tt_reliable_deterioration": pl.Boolean,
    "tt_recovery": pl.Boolean,
    "tt_reliable_recovery": pl.Boolean,
}

EPISODE_SCHEMA = {
    "depression_baseline": pl.Float64,
    "depression_post": pl.Float64,
    "anxiety_baseline": pl.Float64,
    "anxiety_post": pl.Float64,
    "tt_complete": pl.Boolean,
    "tt_case_at_start": pl.Boolean,
    "tt_case_at_end": pl.Boolean,
    "tt_reliable_improvement": pl.Boolean,
    "tt_reliable_deterioration": pl.Boolean,
    "tt_recovery": pl.Boolean,
    "tt_reliable_recovery": pl.Boolean,
}


def standard_error_of_difference(sd: Number, reliability: Number) -> Number:
    """S_diff = sqrt(2) * SD * sqrt(1 - r): the spread of change expected from noise alone
    (Jacobson & Truax 1991); the smallest reliable change is config's z times it. For
    numbers or, in `change_parameters`, columns.

    >>> round(standard_error_of_difference(5.0, 0.84), 4)
    2.8284
    """
    return math.sqrt(2.0) * sd * (1.0 - reliability) ** 0.5


def criterion_c(
    functional_mean: float, functional_sd: float, dysfunctional_mean: float, dysfunctional_sd: float
) -> float:
    """Jacobson-Truax cut-off c: the point equally likely under both distributions."""
    return (dysfunctional_sd * functional_mean + functional_sd * dysfunctional_mean) / (
        dysfunctional_sd + functional_sd
    )


def _tt_thresholds(config: ScoringConfig, scale: ScaleConfig) -> tuple[float | None, float | None]:
    tt = config.talking_therapies
    for m in (tt.depression, tt.anxiety):
        if (m.instrument, m.scale) == (scale.instrument, scale.name):
            return m.caseness_min.value, m.reliable_change_points.value
    return None, None


def change_parameters(
    config: ScoringConfig, baselines: pl.DataFrame | None = None, *, baseline: str = "baseline"
) -> pl.DataFrame:
    """Thresholds per scale, ready to join: one row per configured scale.

    Scales whose SD method is `sample_baseline` take the SD of `baselines[baseline]` for
    that scale (needs two or more scores); without `baselines` their SD and S_diff are null.
    """
    rows = []
    for s in config.scales():
        rc, cs = s.reliable_change, s.clinical_significance
        tt_case, tt_points = _tt_thresholds(config, s)
        rows.append(
            {
                "instrument": s.instrument,
                "scale": s.name,
                "higher_is_better": s.scoring.higher_is_better,
                "change_outcome": s.change_outcome,
                "reliability": rc.reliability.value if rc else None,
                "sd": rc.sd_value if rc else None,
                "sd_method": rc.sd_method if rc else None,
                "criterion_c": criterion_c(
                    cs.functional.mean, cs.functional.sd, cs.dysfunctional.mean, cs.dysfunctional.sd
                )
                if cs
                else None,
                "mcid_points": s.mcid_points.value if s.mcid_points else None,
                "mcid_percent": s.mcid_percent.value if s.mcid_percent else None,
                "tt_caseness_min": tt_case,
                "tt_reliable_points": tt_points,
            }
        )
    schema = {k: v for k, v in PARAMETER_SCHEMA.items() if k not in ("s_diff", "rci_threshold")}
    params = pl.DataFrame(rows, schema=schema)
    if baselines is not None:
        observed = baselines.group_by(list(SCALE_KEYS)).agg(
            sample_sd=pl.col(baseline).cast(pl.Float64).std(ddof=1)
        )
        params = params.join(observed, on=list(SCALE_KEYS), how="left").with_columns(
            sd=pl.when(pl.col("sd_method") == "sample_baseline")
            .then(pl.col("sample_sd"))
            .otherwise(pl.col("sd"))
        )
    s_diff = standard_error_of_difference(pl.col("sd"), pl.col("reliability"))
    return params.with_columns(s_diff=s_diff, rci_threshold=config.rci_z.value * s_diff).select(
        [pl.col(c).cast(t) for c, t in PARAMETER_SCHEMA.items()]
    )


def classify_change(
    frame: pl.DataFrame,
    config: ScoringConfig,
    *,
    baseline: str = "baseline",
    post: str = "post",
    parameters: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add `CHANGE_SCHEMA` columns to rows holding `instrument`, `scale`, baseline and post.

    `parameters` defaults to `change_parameters(config, frame)`, so sample-based SDs come
    from this frame's baselines: pass the whole cohort, or parameters computed on it.
    Scales with `change_outcome: false` (process measures) get change but no classification.
    """
    params = (
        parameters
        if parameters is not None
        else change_parameters(config, frame, baseline=baseline)
    )
    joined = frame.join(
        params.select(
            *SCALE_KEYS,
            "higher_is_better",
            "change_outcome",
            "s_diff",
            "criterion_c",
            "mcid_points",
            "mcid_percent",
            "tt_caseness_min",
            "tt_reliable_points",
        ).rename(lambda c: c if c in SCALE_KEYS else f"_p_{c}"),
        on=list(SCALE_KEYS),
        how="left",
    )
    pre, after = pl.col(baseline).cast(pl.Float64), pl.col(post).cast(pl.Float64)
    better = pl.col("_p_higher_is_better")
    change = after - pre
    improvement = pl.when(better).then(change).when(~better).then(-change)
    outcome = pl.col("_p_change_outcome").fill_null(False)
    z = config.rci_z.value
    s_diff = pl.col("_p_s_diff")

    def only_outcomes(expr: pl.Expr) -> pl.Expr:
        return pl.when(outcome).then(expr).otherwise(None)

    def percent_met(threshold: pl.Expr | float) -> pl.Expr:
        # improvement / baseline >= threshold %, without dividing (exact for whole scores).
        return only_outcomes(
            pl.when(pre > 0).then(improvement * 100 >= pre * threshold).otherwise(None)
        )

    def functional(score: pl.Expr) -> pl.Expr:
        c = pl.col("_p_criterion_c")
        return pl.when(better).then(score > c).otherwise(score < c)

    tt_cut, tt_points = pl.col("_p_tt_caseness_min"), pl.col("_p_tt_reliable_points")
    tt_case_pre = pre >= tt_cut
    tt_improved = improvement >= tt_points
    reliable_improvement = only_outcomes(improvement > z * s_diff)
    return (
        joined.with_columns(
            change=change,
            percent_change=pl.when(pre != 0).then(change * 100 / pre).otherwise(None),
            improvement=improvement,
            rci=only_outcomes(change / s_diff),
            reliable_improvement=reliable_improvement,
            reliable_deterioration=only_outcomes(-improvement > z * s_diff),
            clinically_significant_improvement=only_outcomes(
                pl.when(~functional(pre)).then(reliable_improvement & functional(after))
            ),
            mcid_points_improved=only_outcomes(improvement >= pl.col("_p_mcid_points")),
            mcid_percent_improved=percent_met(pl.col("_p_mcid_percent")),
            immpact_moderate_responder=percent_met(config.responder_moderate.value),
            immpact_substantial_responder=percent_met(config.responder_substantial.value),
            tt_case_baseline=tt_case_pre,
            tt_case_post=after >= tt_cut,
            tt_reliable_improvement=tt_improved,
            tt_reliable_deterioration=-improvement >= tt_points,
            tt_recovery=pl.when(tt_case_pre).then(after < tt_cut),
            tt_reliable_recovery=pl.when(tt_case_pre).then((after < tt_cut) & tt_improved),
        )
        .with_columns([pl.col(c).cast(t) for c, t in CHANGE_SCHEMA.items()])
        .select(*frame.columns, *CHANGE_SCHEMA)
    )


def talking_therapies_episode(
    frame: pl.DataFrame,
    config: ScoringConfig,
    *,
    keys: Sequence[str] = ("episode_id",),
    baseline: str = "baseline",
    post: str = "post",
) -> pl.DataFrame:
    """Paired depression + anxiety outcomes per episode, as NHS Talking Therapies reports them.

    Case at start: either measure at or above its cut-off. Recovery: a case at start with
    both measures below cut-off at the end (null for non-cases). Reliable improvement:
    either measure improves by its reliable-change points and neither deteriorates by
    them; reliable deterioration is the mirror image. Reliable recovery: recovery and
    reliable improvement. All outcomes are null unless both measures have both scores.
    """
    tt = config.talking_therapies
    keys = list(keys)

    def measure(role: str, instrument: str, scale: str) -> pl.DataFrame:
        rows = frame.filter((pl.col("instrument") == instrument) & (pl.col("scale") == scale))
        if rows.select(keys).is_duplicated().any():
            raise ValueError(f"more than one {instrument}/{scale} row per {keys}")
        return rows.select(
            *keys,
            pl.col(baseline).cast(pl.Float64).alias(f"{role}_baseline"),
            pl.col(post).cast(pl.Float64).alias(f"{role}_post"),
        )

    wide = measure("depression", tt.depression.instrument, tt.depression.scale).join(
        measure("anxiety", tt.anxiety.instrument, tt.anxiety.scale),
        on=keys,
        how="full",
        coalesce=True,
    )
    dep_pre, dep_post = pl.col("depression_baseline"), pl.col("depression_post")
    anx_pre, anx_post = pl.col("anxiety_baseline"), pl.col("anxiety_post")
    dep_cut, anx_cut = tt.depression.caseness_min.value, tt.anxiety.caseness_min.value
    dep_pts, anx_pts = (
        tt.depression.reliable_change_points.value,
        tt.anxiety.reliable_change_points.value,
    )
    complete = pl.all_horizontal(c.is_not_null() for c in (dep_pre, dep_post, anx_pre, anx_post))
    case_start = (dep_pre >= dep_cut) | (anx_pre >= anx_cut)
    case_end = (dep_post >= dep_cut) | (anx_post >= anx_cut)
    improved = (dep_pre - dep_post >= dep_pts) | (anx_pre - anx_post >= anx_pts)
    worsened = (dep_post - dep_pre >= dep_pts) | (anx_post - anx_pre >= anx_pts)
    recovery = pl.when(case_start).then(~case_end)

    def when_complete(expr: pl.Expr) -> pl.Expr:
        return pl.when(complete).then(expr).otherwise(None)

    return wide.with_columns(
        tt_complete=complete,
        tt_case_at_start=when_complete(case_start),
        tt_case_at_end=when_complete(case_end),
        tt_reliable_improvement=when_complete(improved & ~worsened),
        tt_reliable_deterioration=when_complete(worsened & ~improved),
        tt_recovery=when_complete(recovery),
        tt_reliable_recovery=when_complete(
            pl.when(case_start).then(~case_end & improved & ~worsened)
        ),
    ).select(*keys, *[pl.col(c).cast(t) for c, t in EPISODE_SCHEMA.items()])
