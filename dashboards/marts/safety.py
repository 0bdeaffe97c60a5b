"""Safety marts: the signal register, funnel plots, CUSUM, adverse events, follow-up.

The register, the funnel and the item-9 monthly counts publish no totals over programs
(primary rule only, plus nested counts: observed episodes among the episodes counted).
The funnel shows non-overlapping windows only, and a CUSUM chart is drawn only at months
whose step covers no event or at least the threshold (`cusum_drawn`): a cumulative
statistic's steps are counts. Adverse-event values add up to the unit's total per
dimension; adverse events and item-9 follow-up also add up over the reporting-unit
hierarchy; episodes with an event are nested in started episodes and in events.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from dashboards.marts.base import (
    ICBT_TOTAL,
    MODE_TOTAL,
    MartsBase,
    with_unit_hierarchy,
)
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionSpec

# Safety page (dashboards/pages/safety.py). Safety marts publish no totals over programs,
# so their counts get the primary rule only; the register's evidence and the funnel's
# window repeat the same counts and get the same (primary-only) decision.
SIGNAL_REGISTER = SuppressionSpec(
    dependents={
        "opened_n": ("opened_expected", "opened_statistic", "opened_threshold"),
        "opened_observed": ("opened_statistic",),
        "latest_n": ("latest_expected", "latest_statistic", "latest_threshold"),
        "latest_observed": ("latest_statistic",),
    },
    nested=(("opened_n", "opened_observed"), ("latest_n", "latest_observed")),
)

SAFETY_FUNNEL = SuppressionSpec(
    dependents={
        "n": (
            "expected",
            "expected_rate",
            "observed_rate",
            "ratio",
            "z",
            "alert_low",
            "alert_high",
            "alarm_low",
            "alarm_high",
            "alert_low_dispersed",
            "alert_high_dispersed",
            "alarm_low_dispersed",
            "alarm_high_dispersed",
            "signal_threshold",
        ),
        "observed": ("observed_rate", "ratio", "z"),
    },
    nested=(("n", "observed"),),
)

# Marks the CUSUM months that can be drawn (`cusum_drawn`).
CUSUM_DRAWN = "drawn"

AE_DIMENSIONS = ("category", "severity", "seriousness", "relatedness")
AE_TOTAL = "total"
_HIERARCHY_BY_VALUE = (
    (MODE_TOTAL, "dimension", "group_value"),
    (ICBT_TOTAL, "dimension", "group_value"),
)

# A unit's values of each dimension add up to its total row, and the dimensions imply the
# total of one another, so each dimension is grouped with the total (`_in_<dimension>`
# names that group); programs add up to their mode's row, iCBT modes to all iCBT. Started
# episodes are the funnel's and take its decision.
ADVERSE_EVENT_PROFILE = SuppressionSpec(
    dependents={
        "events": ("events_per_100_started",),
        "episodes_with_event": (),
        "n_started": ("events_per_100_started",),
    },
    total_groups=(
        *[("unit_type", "unit_id", f"_in_{d}") for d in AE_DIMENSIONS],
        *_HIERARCHY_BY_VALUE,
    ),
    count_groups={"n_started": (), "episodes_with_event": _HIERARCHY_BY_VALUE},
    # Events beyond each episode's first are a count of events like any other.
    nested=(("n_started", "episodes_with_event"), ("events", "episodes_with_event")),
)

# The page shows met, breached and pending for both trigger types together, never their
# total or the split by type (sql/dashboard/item9_follow_up.sql), so only programs add up
# to their mode and iCBT modes to all iCBT. A share met implies met + breached: the
# loader also hides it wherever breached is hidden.
ITEM9_FOLLOW_UP = SuppressionSpec(
    dependents={"triggers": ("share_met",)},
    total_groups=((MODE_TOTAL, "outcome"), (ICBT_TOTAL, "outcome")),
)


def funnel_windows(frame: pl.DataFrame) -> list[date]:
    """Window end months of non-overlapping funnel windows, latest first.

    Each month's funnel row covers the window before it; two overlapping windows differ by
    a few months' counts, so only windows that do not overlap are shown: the latest, then
    the one ending the month before it starts, and so on while the mart has one.
    """
    if frame.is_empty():
        return []
    starts: dict[date, date] = dict(
        frame.group_by("month").agg(pl.col("window_start").min()).iter_rows()
    )
    ends = [max(starts)]
    while (previous := (starts[ends[-1]] - timedelta(days=1)).replace(day=1)) in starts:
        ends.append(previous)
    return ends


def cusum_drawn(frame: pl.DataFrame, threshold: int) -> pl.Series:
    """Which months of each CUSUM chart can be drawn without revealing a small count.

    The step from one drawn value of the chart to the next is a function of the events in
    between (each adds log R), so a month is drawn only when the events since the last
    drawn month (its own included) are none or at least `threshold`; the months in
    between are left out. The value after an alarm is the restart's head start, which
    depends on no event: it is drawn and begins a new step. `frame` is ordered by chart
    and month.
    """
    drawn: list[bool] = []
    chart: tuple[str, str] | None = None
    events = 0
    for indicator, program_id, observed, alarm in frame.select(
        "indicator", "program_id", "observed", "alarm"
    ).iter_rows():
        if (indicator, program_id) != chart:
            chart, events = (indicator, program_id), 0
        events += observed or 0
        shown = bool(alarm) or events == 0 or events >= threshold
        drawn.append(shown)
        if shown:
            events = 0
    return pl.Series(CUSUM_DRAWN, drawn, dtype=pl.Boolean)


class SafetyMarts(MartsBase):
    def signal_register(self) -> pl.DataFrame:
        """safety_signal_register: one row per signal, evidence counts suppressed."""

        def load() -> pl.DataFrame:
            return self._suppress(self.query("safety_signal_register"), SIGNAL_REGISTER)

        return self._cached("signal_register", load)

    def safety_funnel(self) -> pl.DataFrame:
        """mart_safety_funnel, non-overlapping windows only (`funnel_windows`)."""

        def load() -> pl.DataFrame:
            frame = self.query("safety_funnel")
            shown = frame.filter(pl.col("month").is_in(funnel_windows(frame)))
            return self._suppress(shown, SAFETY_FUNNEL)

        return self._cached("safety_funnel", load)

    def safety_cusum(self) -> pl.DataFrame:
        """mart_safety_cusum: the chart values that `cusum_drawn` allows; no counts."""

        def load() -> pl.DataFrame:
            frame = self.query("safety_cusum")
            drawn = frame.with_columns(cusum_drawn(frame, self.rules.threshold))
            return drawn.with_columns(
                pl.when(pl.col(CUSUM_DRAWN)).then(pl.col("statistic")).alias("statistic")
            ).drop("observed")

        return self._cached("safety_cusum", load)

    def safety_indicators(self) -> pl.DataFrame:
        """ref_safety_indicators: labels and definitions, no counts."""
        return self._cached("safety_indicators", lambda: self.query("safety_indicator_options"))

    def safety_reference(self) -> pl.DataFrame:
        """mart_safety_reference: how each expectation is made (methods, no counts)."""
        return self._cached("safety_reference", lambda: self.query("safety_reference"))

    def adverse_event_profile(self) -> pl.DataFrame:
        """mart_adverse_event_profile: one row per reporting unit, dimension and value."""

        def load() -> pl.DataFrame:
            dimension = pl.col("dimension")
            frame = with_unit_hierarchy(self.query("adverse_event_profile"))
            frame = frame.with_columns(
                pl.when(dimension.is_in([name, AE_TOTAL])).then(pl.lit(name)).alias(f"_in_{name}")
                for name in AE_DIMENSIONS
            )
            hidden = self.started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            return self._suppress(frame, ADVERSE_EVENT_PROFILE, hidden)

        return self._cached("adverse_event_profile", load)

    def item9_follow_up(self) -> pl.DataFrame:
        """mart_item9_follow_up: one row per reporting unit, trigger type and outcome."""

        def load() -> pl.DataFrame:
            frame = self._suppress(
                with_unit_hierarchy(self.query("item9_follow_up")), ITEM9_FOLLOW_UP
            )
            keys = ["unit_type", "unit_id", "trigger_type"]
            breached = frame.filter(pl.col("outcome") == "breached").select(
                *keys, pl.col("triggers" + SUPPRESSED_SUFFIX).alias("_breached_hidden")
            )
            flag = "share_met" + SUPPRESSED_SUFFIX
            return (
                frame.join(breached, on=keys, how="left", maintain_order="left")
                .with_columns(
                    (pl.col(flag) | pl.col("_breached_hidden").fill_null(False)).alias(flag)
                )
                .with_columns(
                    pl.when(pl.col(flag)).then(None).otherwise("share_met").alias("share_met")
                )
                .drop("_breached_hidden")
            )

        return self._cached("item9_follow_up", load)
