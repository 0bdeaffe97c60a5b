"""Outcomes marts: change per program and scores week by week (Outcomes page).

mart_program_outcomes has no total rows, but delivery-mode totals of its counts are
shown: at post-treatment through the dose-response and equity marts, at both timepoints
through the delivery-mode rows of mart_comparisons (Effectiveness page), whose analysed
episodes are the sums of their programs' paired episodes. So its programs are grouped
within their delivery mode at every timepoint.
"""

from __future__ import annotations

import polars as pl

from dashboards.marts.base import ICBT_TOTAL, MODE_TOTAL, MartsBase, with_unit_hierarchy
from dashboards.suppression import SuppressionSpec

PROGRAM_OUTCOMES = SuppressionSpec(
    dependents={
        "n_baseline": ("baseline_mean", "baseline_sd"),
        "n_paired": (
            "score_mean",
            "score_sd",
            "mean_change",
            "change_sd",
            "change_ci_low",
            "change_ci_high",
            "percent_change",
            "reliable_improvement_rate",
            "reliable_deterioration_rate",
            "immpact_moderate_responder_rate",
            "immpact_substantial_responder_rate",
        ),
        "n_reliable_improvement": ("reliable_improvement_rate",),
        "n_reliable_deterioration": ("reliable_deterioration_rate",),
        "n_immpact_moderate_responder": ("immpact_moderate_responder_rate",),
        "n_immpact_substantial_responder": ("immpact_substantial_responder_rate",),
    },
    total_groups=((MODE_TOTAL, "instrument", "scale", "timepoint"),),
    # A substantial responder (50% better) is also a moderate one (30%).
    nested=(
        ("n_baseline", "n_paired", "n_reliable_improvement"),
        ("n_paired", "n_reliable_deterioration"),
        ("n_paired", "n_immpact_moderate_responder", "n_immpact_substantial_responder"),
    ),
)


SCORE_TRAJECTORIES = SuppressionSpec(
    dependents={"n_scores": ("score_mean", "score_sd", "score_ci_low", "score_ci_high")},
    total_groups=(
        (MODE_TOTAL, "instrument", "scale", "treatment_week"),
        (ICBT_TOTAL, "instrument", "scale", "treatment_week"),
    ),
)


class OutcomesMarts(MartsBase):
    def program_outcomes(self) -> pl.DataFrame:
        """mart_program_outcomes: one row per program, scale and timepoint."""

        def load() -> pl.DataFrame:
            frame = self.query("program_outcomes").with_columns(
                pl.col("delivery_mode").alias(MODE_TOTAL)
            )
            return self._suppress(frame, PROGRAM_OUTCOMES)

        return self._cached("program_outcomes", load)

    def score_trajectories(self) -> pl.DataFrame:
        """mart_score_trajectories: one row per reporting unit, scale and week."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("score_trajectories"))
            return self._suppress(frame, SCORE_TRAJECTORIES)

        return self._cached("score_trajectories", load)
