"""Engagement marts: funnel, waits, therapist time, dropout, dose-response and equity.

- Reporting-unit marts publish delivery-mode rows (the total over that mode's programs)
  and an all-iCBT row (the total over the iCBT modes), so programs are grouped within
  their mode, with the mode row, and modes within all iCBT.
- Period 'all' is the total over referral quarters, shown by the period filter. Quarters
  are shown for delivery modes and all iCBT only: a program's quarters are small cells
  whose protection would spread through every total they belong to, so they are left out
  (not shown) rather than protected.
- Equity groups add up to their unit's referrals (shown on the Engagement page and
  implied by the shares), and dose bands add up to a program's post-treatment counts
  (shown on the Outcomes page): the unit's total joins those groups as an extra row that
  keeps the hidden flag it got in its own mart, and is dropped afterwards.
- The same count published by two marts (episodes started: funnel, waits, therapist time,
  dropout) is hidden wherever the funnel hides it, and only there: the other marts take
  the funnel's decision (`count_groups={"n_started": ()}` plus the inherited flags).
- Counts that are subsets of others shown beside them (funnel stages, started within a
  standard, a unit's waits within 6 and 18 weeks, equity's reach and PHQ-9 counts, dose
  bands' paired and improved) are declared `nested`: no two shown differ by 1 to 4.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from dashboards.marts.base import (
    ALL_PERIODS,
    ICBT_TOTAL,
    MODE_TOTAL,
    POST_TREATMENT,
    UNIT_TOTAL,
    MartsBase,
    drop_total_rows,
    hidden_flags,
    with_total_rows,
    with_unit_hierarchy,
)
from dashboards.suppression import SUPPRESSED_SUFFIX, NestedRows, SuppressionSpec

FUNNEL = SuppressionSpec(
    dependents={
        "n_referred": (),
        "n_enrolled": (),
        "n_started": (),
        "n_half_modules": (),
        "n_completed": ("completion_rate",),
        "n_started_and_ended": ("completion_rate",),
    },
    total_groups=(
        (MODE_TOTAL, "period"),
        (ICBT_TOTAL, "period"),
        ("unit_type", "unit_id"),
    ),
    # Each stage is a subset of the one before; completed episodes have ended and, in
    # practice, reached half the modules.
    nested=(
        ("n_referred", "n_enrolled", "n_started", "n_started_and_ended", "n_completed"),
        ("n_started", "n_half_modules", "n_completed"),
    ),
)

WAIT_TIMES = SuppressionSpec(
    dependents={
        "n_started": (
            "share_within_standard",
            "wait_days_p25",
            "wait_days_median",
            "wait_days_p75",
        ),
        "n_within_standard": ("share_within_standard",),
    },
    total_groups=(
        (MODE_TOTAL, "period", "standard"),
        (ICBT_TOTAL, "period", "standard"),
        ("unit_type", "unit_id", "standard"),
    ),
    count_groups={"n_started": ()},
    # Started within a standard are among the started, and within a longer standard
    # include those within a shorter one (a unit's rows for 18 and 6 weeks).
    nested=(("n_started", "n_within_standard"),),
    nested_rows=(
        NestedRows(
            "n_within_standard", by="standard_days", within=("unit_type", "unit_id", "period")
        ),
    ),
)

THERAPIST_TIME = SuppressionSpec(
    dependents={
        "n_started": (
            "total_therapist_minutes",
            "therapist_minutes_mean",
            "therapist_minutes_p25",
            "therapist_minutes_median",
            "therapist_minutes_p75",
            "therapist_messages_mean",
            "live_sessions_mean",
            "modules_completed_mean",
        ),
    },
    total_groups=((MODE_TOTAL,), (ICBT_TOTAL,)),
    count_groups={"n_started": ()},
)

# A unit whose size is hidden shows no curve (its number at risk at week 0 is its size):
# the loader marks n_at_risk hidden wherever the funnel hides n_started.
DROPOUT_SURVIVAL = SuppressionSpec(
    dependents={
        "n_started": ("share_not_dropped_out", "share_ci_low", "share_ci_high"),
        "n_at_risk": ("share_not_dropped_out", "share_ci_low", "share_ci_high"),
        "n_dropouts": (),
    },
    total_groups=((MODE_TOTAL, "week"), (ICBT_TOTAL, "week")),
    count_groups={"n_started": ()},
)

DOSE_RESPONSE = SuppressionSpec(
    dependents={
        "n_baseline": (),
        "n_paired": (
            "mean_change",
            "change_sd",
            "change_ci_low",
            "change_ci_high",
            "reliable_improvement_rate",
        ),
        "n_reliable_improvement": ("reliable_improvement_rate",),
    },
    total_groups=(
        (MODE_TOTAL, "instrument", "scale", "dose_band"),
        (ICBT_TOTAL, "instrument", "scale", "dose_band"),
        (UNIT_TOTAL, "instrument", "scale"),
    ),
    nested=(("n_baseline", "n_paired", "n_reliable_improvement"),),
)


EQUITY = SuppressionSpec(
    dependents={
        "n_referred": ("share_of_referrals",),
        "n_started": (),
        "n_started_and_ended": ("completion_rate",),
        "n_completed": ("completion_rate",),
        "phq9_n_paired": (
            "phq9_mean_change",
            "phq9_change_ci_low",
            "phq9_change_ci_high",
            "phq9_reliable_improvement_rate",
        ),
        "n_case_at_start": ("recovery_rate",),
        "n_recovered": ("recovery_rate",),
    },
    total_groups=(
        (MODE_TOTAL, "dimension", "group_value"),
        (ICBT_TOTAL, "dimension", "group_value"),
        (UNIT_TOTAL, "dimension"),
    ),
    # Recovery is counted among cases at start, cases among episodes with both PHQ-9 and
    # GAD-7 paired, paired episodes (in practice) among started ones.
    nested=(
        ("n_referred", "n_started", "n_started_and_ended", "n_completed"),
        ("n_started", "phq9_n_paired", "n_case_at_start", "n_recovered"),
    ),
)


def _without_program_quarters(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop programs' per-quarter rows; their period 'all' rows stay."""
    return frame.filter((pl.col("unit_type") != "program") | (pl.col("period") == ALL_PERIODS))


class EngagementMarts(MartsBase):
    def engagement_funnel(self) -> pl.DataFrame:
        """mart_engagement_funnel: one row per reporting unit and period."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("engagement_funnel"))
            return self._suppress(_without_program_quarters(frame), FUNNEL)

        return self._cached("engagement_funnel", load)

    def started_hidden(
        self, frame: pl.DataFrame, keys: Sequence[str], *, all_periods: bool
    ) -> dict[str, pl.Series]:
        funnel = self.engagement_funnel()
        if all_periods:
            funnel = funnel.filter(pl.col("period") == ALL_PERIODS)
        return hidden_flags(frame, funnel, keys, ["n_started"])

    def wait_times(self) -> pl.DataFrame:
        """mart_wait_times: one row per reporting unit, period and waiting-time standard."""

        def load() -> pl.DataFrame:
            frame = _without_program_quarters(with_unit_hierarchy(self.query("wait_times")))
            hidden = self.started_hidden(
                frame, ["unit_type", "unit_id", "period"], all_periods=False
            )
            return self._suppress(frame, WAIT_TIMES, hidden)

        return self._cached("wait_times", load)

    def therapist_time(self) -> pl.DataFrame:
        """mart_therapist_time: one row per reporting unit."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("therapist_time"))
            hidden = self.started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            return self._suppress(frame, THERAPIST_TIME, hidden)

        return self._cached("therapist_time", load)

    def dropout_survival(self) -> pl.DataFrame:
        """mart_dropout_survival: one row per reporting unit and week."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("dropout_survival"))
            started = self.started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            hidden = {**started, "n_at_risk": started["n_started"].alias("n_at_risk")}
            return self._suppress(frame, DROPOUT_SURVIVAL, hidden)

        return self._cached("dropout_survival", load)

    def dose_response(self) -> pl.DataFrame:
        """mart_dose_response: one row per reporting unit, scale and dose band."""

        def load() -> pl.DataFrame:
            counts = ["n_baseline", "n_paired", "n_reliable_improvement"]
            frame = with_unit_hierarchy(self.query("dose_response")).with_columns(
                pl.when(pl.col("unit_type") == "program").then(pl.col("unit_id")).alias(UNIT_TOTAL)
            )
            totals = (
                self.program_outcomes()
                .filter(pl.col("timepoint") == POST_TREATMENT)
                .select(
                    pl.lit("program").alias("unit_type"),
                    pl.col("program_id").alias("unit_id"),
                    pl.col("program_id").alias(UNIT_TOTAL),
                    "instrument",
                    "scale",
                    *counts,
                    *[c + SUPPRESSED_SUFFIX for c in counts],
                )
                .join(
                    frame.select("unit_type", "unit_id", "instrument", "scale").unique(),
                    on=["unit_type", "unit_id", "instrument", "scale"],
                    how="semi",
                )
            )
            combined, hidden = with_total_rows(frame, totals, counts)
            return drop_total_rows(self._suppress(combined, DOSE_RESPONSE, hidden))

        return self._cached("dose_response", load)

    def equity(self) -> pl.DataFrame:
        """mart_equity: one row per reporting unit, equity dimension and group."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.query("equity")).with_columns(
                pl.concat_str("unit_type", "unit_id", separator=":").alias(UNIT_TOTAL)
            )
            funnel_counts = ["n_referred", "n_started", "n_started_and_ended", "n_completed"]
            dimensions = frame.select("unit_type", "unit_id", "dimension").unique()
            totals = (
                self.engagement_funnel()
                .filter(pl.col("period") == ALL_PERIODS)
                .join(dimensions, on=["unit_type", "unit_id"], how="inner")
                .with_columns(
                    pl.concat_str("unit_type", "unit_id", separator=":").alias(UNIT_TOTAL)
                )
                .select(
                    "unit_type",
                    "unit_id",
                    "dimension",
                    UNIT_TOTAL,
                    *funnel_counts,
                    *[c + SUPPRESSED_SUFFIX for c in funnel_counts],
                )
            )
            phq9 = (
                self.program_outcomes()
                .filter(
                    pl.col("timepoint") == POST_TREATMENT,
                    pl.col("instrument") == "PHQ9",
                    pl.col("scale") == "total",
                )
                .select(
                    pl.col("program_id").alias("unit_id"),
                    pl.col("n_paired").alias("phq9_n_paired"),
                    pl.col("n_paired" + SUPPRESSED_SUFFIX).alias(
                        "phq9_n_paired" + SUPPRESSED_SUFFIX
                    ),
                )
            )
            totals = totals.join(phq9, on="unit_id", how="left").with_columns(
                pl.when(pl.col("unit_type") == "program").then(pl.col(c)).alias(c)
                for c in ("phq9_n_paired", "phq9_n_paired" + SUPPRESSED_SUFFIX)
            )
            combined, hidden = with_total_rows(frame, totals, [*funnel_counts, "phq9_n_paired"])
            return drop_total_rows(self._suppress(combined, EQUITY, hidden))

        return self._cached("equity", load)
