"""Effectiveness marts: comparisons with in-person CBT, pooled effects, certainty.

mart_comparisons repeats mart_program_outcomes' counts: a program's analysed episodes
are its paired episodes there, a local comparator's are its in-person clinic's, the
national comparator's are the in-person mode total. Each is hidden wherever
mart_program_outcomes hides it (a local cohort of several clinics wherever one of them
is hidden). Programs' due episodes add up to their mode's row: grouped within their
mode. The in-person cohorts' due counts are not read (sql/dashboard/comparisons.sql).
Every estimate, verdict and certainty rating of a comparison is hidden with either
arm's count; a pooled estimate of one program with that program's comparison; a pooled
episode total (a total over the pooled programs) whenever one of them is hidden.
"""

from __future__ import annotations

import polars as pl

from dashboards.marts.base import MODE_TOTAL, MartsBase, hidden_flags, hidden_members
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionSpec

# Values of a comparison that rest on both arms: hidden with either arm's count.
_COMPARISON_VALUES = (
    "crude_difference",
    "adjusted_difference",
    "adjusted_se",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "hedges_g",
    "hedges_g_ci_low",
    "hedges_g_ci_high",
    "immpact_responder_rd",
    "immpact_responder_rd_ci_low",
    "immpact_responder_rd_ci_high",
    "max_abs_smd_before",
    "max_abs_smd_after",
    "fraction_in_equipoise",
    "minimum_detectable_difference",
    "diagnostics_passed",
    "verdict",
    "verdict_display",
    "sensitivity_difference",
    "sensitivity_ci_low",
    "sensitivity_ci_high",
    "sensitivity_verdict",
)

# Which cells are hidden is decided elsewhere (mart_program_outcomes, the due counts'
# own groups): this spec only carries those decisions to every value of a comparison.
COMPARISONS = SuppressionSpec(
    dependents={
        "n_program_due": ("program_completeness",),
        "n_program_analysed": (
            "program_completeness",
            "program_mean_change",
            "immpact_responder_rate_program",
            "program_prepost_g",
            *_COMPARISON_VALUES,
        ),
        "n_comparator_analysed": (
            "comparator_mean_change",
            "immpact_responder_rate_comparator",
            *_COMPARISON_VALUES,
        ),
    },
)

# Programs' due episodes with their delivery mode's row (the total over them).
PROGRAM_DUE = SuppressionSpec(
    dependents={"n_program_due": ()},
    total_groups=((MODE_TOTAL, "instrument", "scale", "timepoint"),),
)

POOLED_EFFECTS = SuppressionSpec(
    dependents={
        "n_episodes": (),
        "sole_program_episodes": (
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "tau2",
            "i2",
            "q",
            "q_p",
            "pi_low",
            "pi_high",
            "verdict",
        ),
    },
)

_RATING = (
    "verdict",
    "risk_of_bias_downgrade",
    "risk_of_bias_reasons",
    "inconsistency_downgrade",
    "inconsistency_reasons",
    "imprecision_downgrade",
    "imprecision_reasons",
    "indirectness_downgrade",
    "indirectness_reasons",
    "certainty",
    "reasons",
)
EVIDENCE_CERTAINTY = SuppressionSpec(
    dependents={"n_program_analysed": _RATING, "n_comparator_analysed": _RATING},
)


def _program_hidden(frame: pl.DataFrame, paired: pl.DataFrame) -> pl.Series:
    """A program row's analysed episodes are hidden where its paired episodes are."""
    joined = frame.select(
        pl.col("subject_id").alias("program_id"), "instrument", "scale", "timepoint"
    ).join(
        paired,
        on=["program_id", "instrument", "scale", "timepoint"],
        how="left",
        maintain_order="left",
    )
    return joined["_paired_hidden"].fill_null(False).alias("n_program_analysed")


def _local_comparator_hidden(frame: pl.DataFrame, paired: pl.DataFrame) -> pl.Series:
    """A local cohort is hidden where any of its in-person clinics is hidden.

    The national cohort is the in-person delivery-mode total, which is shown like every
    mode total, so only its own primary rule applies.
    """
    clinics = (
        frame.with_row_index("_row")
        .filter(pl.col("comparator_level") == "local")
        .select(
            "_row",
            "instrument",
            "scale",
            "timepoint",
            pl.col("comparator_programs").str.split(", ").alias("program_id"),
        )
        .explode("program_id")
        .join(paired, on=["program_id", "instrument", "scale", "timepoint"], how="left")
        .group_by("_row")
        .agg(pl.col("_paired_hidden").fill_null(False).any())
    )
    joined = (
        frame.with_row_index("_row")
        .select("_row")
        .join(clinics, on="_row", how="left", maintain_order="left")
    )
    return joined["_paired_hidden"].fill_null(False).alias("n_comparator_analysed")


class EffectivenessMarts(MartsBase):
    def comparisons(self) -> pl.DataFrame:
        """mart_comparisons: one row per subject, outcome, timepoint and comparator level."""

        def load() -> pl.DataFrame:
            frame = self.query("comparisons")
            keys = ["subject_id", "instrument", "scale", "timepoint"]
            arms = frame.unique(subset=keys, keep="first", maintain_order=True).select(
                *keys, "n_program_due", pl.col("delivery_mode").alias(MODE_TOTAL)
            )
            paired = self.program_outcomes().select(
                "program_id",
                "instrument",
                "scale",
                "timepoint",
                pl.col("n_paired" + SUPPRESSED_SUFFIX).alias("_paired_hidden"),
            )
            hidden = {
                **hidden_flags(frame, self._suppress(arms, PROGRAM_DUE), keys, ["n_program_due"]),
                "n_program_analysed": _program_hidden(frame, paired),
                "n_comparator_analysed": _local_comparator_hidden(frame, paired),
            }
            return self._suppress(frame, COMPARISONS, hidden)

        return self._cached("comparisons", load)

    def pooled_effects(self) -> pl.DataFrame:
        """mart_pooled_effects: one row per outcome, timepoint, subgroup and method."""

        def load() -> pl.DataFrame:
            frame = self.query("pooled_effects")
            keys = ["instrument", "scale", "timepoint"]
            primary = self.comparisons().filter(
                pl.col("is_primary"), pl.col("subject_type") == "program"
            )
            estimate_hidden = primary.select(
                pl.col("subject_id").alias("sole_program_id"),
                *keys,
                pl.col("adjusted_difference" + SUPPRESSED_SUFFIX).alias(
                    "sole_program_episodes" + SUPPRESSED_SUFFIX
                ),
            )
            pooled = [*keys, "subgroup", "method"]
            member_hidden = hidden_members(self.query("pooled_programs"), primary, keys, pooled)
            hidden = {
                **hidden_flags(
                    frame, estimate_hidden, ["sole_program_id", *keys], ["sole_program_episodes"]
                ),
                **hidden_flags(frame, member_hidden, pooled, ["n_episodes"]),
            }
            return self._suppress(frame, POOLED_EFFECTS, hidden)

        return self._cached("pooled_effects", load)

    def evidence_certainty(self) -> pl.DataFrame:
        """mart_evidence_certainty: one row per primary comparison and pooled effect."""

        def load() -> pl.DataFrame:
            frame = self.query("evidence_certainty")
            counts = ["n_program_analysed", "n_comparator_analysed"]
            compared = self.comparisons().select(
                pl.col("comparison_id").alias("evidence_id"),
                *[pl.col(c + SUPPRESSED_SUFFIX) for c in counts],
            )
            keys = ["evidence_type", "instrument", "scale", "timepoint", "subject_id"]
            pooled = (
                self.pooled_effects()
                .filter(pl.col("method") == "dl")
                .select(
                    pl.lit("pooled").alias("evidence_type"),
                    "instrument",
                    "scale",
                    "timepoint",
                    pl.col("subgroup").alias("subject_id"),
                    pl.col("sole_program_episodes" + SUPPRESSED_SUFFIX).alias(
                        "n_program_analysed" + SUPPRESSED_SUFFIX
                    ),
                )
            )
            by_comparison = hidden_flags(frame, compared, ["evidence_id"], counts)
            by_pool = hidden_flags(frame, pooled, keys, ["n_program_analysed"])
            hidden = {
                **by_comparison,
                "n_program_analysed": by_comparison["n_program_analysed"]
                | by_pool["n_program_analysed"],
            }
            return self._suppress(frame, EVIDENCE_CERTAINTY, hidden)

        return self._cached("evidence_certainty", load)

    def subgroup_tests(self) -> pl.DataFrame:
        """mart_subgroup_tests: test statistics across delivery modes, no counts."""
        return self._cached("subgroup_tests", lambda: self.query("subgroup_tests"))

    def meta_regression(self) -> pl.DataFrame:
        """mart_meta_regression: coefficients across programs, no counts."""
        return self._cached("meta_regression", lambda: self.query("meta_regression"))

    def literature_benchmarks(self) -> pl.DataFrame:
        """ref_literature_benchmarks: published effect sizes, no counts of patients."""
        return self._cached("literature_benchmarks", lambda: self.query("literature_benchmarks"))
