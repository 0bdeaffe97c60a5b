"""Contract v2 marts: patients' experience, reasons for stopping, care as a modifier.

- Both publish reporting-unit rows (program, delivery mode, all iCBT) like the
  engagement marts, so programs are protected within their mode and modes within all
  iCBT.
- Experience: an item's answer counts add up to the episodes that answered it, and those
  are among the discharged episodes (`nested`); the discharged count is the same for
  every item of a unit, so it is hidden alike on all of them.
- Stop reasons: a group's reasons add up to its stopped episodes, each reason's two
  funnel stages (not started, dropped out) add up to it, and the stopped, and those with
  a recorded reason, are among the group's v2 episodes (`nested`).
- Care modification: a stratum's episode total is a total over its pooled programs, so
  it is hidden wherever one of them has its comparison hidden (as pooled effects are),
  and a small total hides the stratum's estimate; the test between the strata compares
  the two, so it is hidden on both rows whenever either stratum is.
"""

from __future__ import annotations

import polars as pl

from dashboards.marts.base import (
    ICBT_TOTAL,
    MODE_TOTAL,
    MartsBase,
    hidden_flags,
    hidden_members,
    with_unit_hierarchy,
)
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionSpec

ANSWERS = ("n_never", "n_rarely", "n_sometimes", "n_most_of_the_time", "n_all_of_the_time")

PATIENT_EXPERIENCE = SuppressionSpec(
    dependents={
        "n_discharged": ("share_answering",),
        "n_answered": ("share_answering", "mean_answer"),
        **{answer: () for answer in ANSWERS},
    },
    total_groups=(
        (MODE_TOTAL, "item_number"),
        (ICBT_TOTAL, "item_number"),
        ("unit_type", "unit_id", "item_number"),
    ),
    count_groups={"n_discharged": ((MODE_TOTAL,), (ICBT_TOTAL,), ("unit_type", "unit_id"))},
    nested=tuple(("n_discharged", "n_answered", answer) for answer in ANSWERS),
)

STOP_REASONS = SuppressionSpec(
    dependents={
        "n_stopped": ("share_of_recorded",),
        "n_not_started": (),
        "n_dropped_out": (),
        "n_stopped_in_group": (),
        "n_recorded_in_group": ("share_of_recorded",),
        "n_v2_episodes": (),
    },
    total_groups=(
        (MODE_TOTAL, "breakdown", "group_value", "stop_reason"),
        (ICBT_TOTAL, "breakdown", "group_value", "stop_reason"),
        ("unit_type", "unit_id", "breakdown", "group_value"),
        ("unit_type", "unit_id", "breakdown", "stop_reason"),
    ),
    nested=(
        ("n_v2_episodes", "n_stopped_in_group", "n_recorded_in_group"),
        ("n_stopped_in_group", "n_stopped"),
        ("n_stopped", "n_not_started"),
        ("n_stopped", "n_dropped_out"),
    ),
)

# The test between the care strata: it rests on both strata's estimates.
CARE_TEST = ("difference_without_minus_with", "q_between", "p_value")
CARE_MODIFICATION = SuppressionSpec(
    dependents={
        "n_episodes": ("estimate", "se", "ci_low", "ci_high", "tau2", *CARE_TEST),
        "v2_episodes": (),
    },
)


class ContextMarts(MartsBase):
    def patient_experience(self) -> pl.DataFrame:
        """mart_patient_experience: one row per reporting unit and questionnaire item."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("patient_experience"))
            return self._suppress(frame, PATIENT_EXPERIENCE)

        return self._cached("patient_experience", load)

    def stop_reasons(self) -> pl.DataFrame:
        """mart_stop_reasons: one row per reporting unit, breakdown, group and reason."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("stop_reasons"))
            return self._suppress(frame, STOP_REASONS)

        return self._cached("stop_reasons", load)

    def care_modification(self) -> pl.DataFrame:
        """mart_care_modification: one row per outcome, timepoint, method and care stratum."""

        def load() -> pl.DataFrame:
            frame = self.query("care_modification")
            keys = ["instrument", "scale", "timepoint"]
            pooled = [*keys, "method", "stratum"]
            primary = self.comparisons().filter(
                pl.col("is_primary"), pl.col("subject_type") == "program"
            )
            member_hidden = hidden_members(
                frame.select(*pooled, pl.col("programs").alias("program_id")).explode("program_id"),
                primary,
                keys,
                pooled,
            )
            hidden = hidden_flags(frame, member_hidden, pooled, ["n_episodes"])
            suppressed = self._suppress(frame, CARE_MODIFICATION, hidden)
            either = pl.col("n_episodes" + SUPPRESSED_SUFFIX).any().over([*keys, "method"])
            return suppressed.with_columns(
                *[pl.when(either).then(None).otherwise(pl.col(c)).alias(c) for c in CARE_TEST],
                *[
                    (pl.col(c + SUPPRESSED_SUFFIX) | either).alias(c + SUPPRESSED_SUFFIX)
                    for c in CARE_TEST
                ],
            )

        return self._cached("care_modification", load)
