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

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from dashboards.data import MartMissingError
from dashboards.disclosure import CellKey, Published, add_frame, protect
from dashboards.marts.base import (
    ALL_PERIODS,
    ICBT_TOTAL,
    MODE_TOTAL,
    POST_TREATMENT,
    TOTAL_ROW,
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


UNIT_LEVELS = {"program": 0, "delivery_mode": 1, "all_icbt": 2}
FUNNEL_COUNTS = ("n_referred", "n_started", "n_started_and_ended", "n_completed")
PHQ9_PAIRED = "phq9_n_paired"
# The columns naming a row of each mart, in the disclosure model's cell keys.
FUNNEL_KEY = ("unit_type", "unit_id", "period")
WAITS_KEY = ("unit_type", "unit_id", "period", "standard")
EQUITY_KEY = ("unit_type", "unit_id", "dimension", "group_value")


def _cell_keys(mart: str, frame: pl.DataFrame, columns: Sequence[str]) -> list[tuple]:
    """Per row, the key naming its cells in the disclosure model (the count appended)."""
    return [(mart, *row) for row in frame.select(list(columns)).rows()]


def _levels(frame: pl.DataFrame) -> list[int]:
    """Per row, its rank among the rows it adds up with: a higher unit, then period
    'all' over quarters or a unit's total row over its groups."""
    unit = pl.col("unit_type").replace_strict(UNIT_LEVELS, return_dtype=pl.Int64)
    inner = pl.lit(False)
    if "period" in frame.columns:
        inner = pl.col("period") == ALL_PERIODS
    if TOTAL_ROW in frame.columns:
        inner = pl.col(TOTAL_ROW)
    return frame.select(unit * 2 + inner.cast(pl.Int64)).to_series().to_list()


def _hideable_by_the_audit(cell: CellKey) -> bool:
    """What the audit-driven pass hides first: equity groups and programs' funnel and waits
    cells. The delivery-mode and all-iCBT rows of the funnel and waits are the headline
    numbers every page starts from: hidden only where nothing else is left in reach (a
    mode's quarters, whose programs' quarters are not shown)."""
    mart, unit_type = cell[0], cell[1]
    return mart == "equity" or (mart in ("funnel", "waits") and unit_type == "program")


def _extra_masks(
    keys: Sequence[tuple], counts: Sequence[str], extra: frozenset[CellKey]
) -> dict[str, pl.Series]:
    """Per count, the rows whose cell the audit asked to hide as well."""
    return {
        count: pl.Series(count, [(*key, count) in extra for key in keys], dtype=pl.Boolean)
        for count in counts
    }


def _union(*masks: Mapping[str, pl.Series]) -> dict[str, pl.Series]:
    union: dict[str, pl.Series] = {}
    for mask in masks:
        for count, flags in mask.items():
            union[count] = union[count] | flags if count in union else flags
    return union


@dataclass(frozen=True)
class _Engagement:
    """The funnel, waits and equity as one protected whole (they share counts)."""

    funnel: pl.DataFrame
    waits: pl.DataFrame
    equity: pl.DataFrame
    published: Published


class EngagementMarts(MartsBase):
    def engagement_funnel(self) -> pl.DataFrame:
        """mart_engagement_funnel: one row per reporting unit and period."""
        return self._engagement("engagement_funnel")

    def wait_times(self) -> pl.DataFrame:
        """mart_wait_times: one row per reporting unit, period and waiting-time standard."""
        return self._engagement("wait_times")

    def equity(self) -> pl.DataFrame:
        """mart_equity: one row per reporting unit, equity dimension and group."""
        return self._engagement("equity")

    def started_hidden(
        self, frame: pl.DataFrame, keys: Sequence[str], *, all_periods: bool
    ) -> dict[str, pl.Series]:
        funnel = self.engagement_funnel()
        if all_periods:
            funnel = funnel.filter(pl.col("period") == ALL_PERIODS)
        return hidden_flags(frame, funnel, keys, ["n_started"])

    def _engagement(self, name: str) -> pl.DataFrame:
        """The three marts whose counts add up across each other, suppressed together:
        the per-mart rules, then whatever more the interval audit asks for
        (`dashboards.disclosure.protect`), once per snapshot."""

        def load() -> pl.DataFrame:
            protected = self._engagement_with(self._disclosure_plan())
            self._frames["engagement_funnel"] = protected.funnel
            self._frames["wait_times"] = protected.waits
            self._frames["equity"] = protected.equity
            return self._frames[name]

        return self._cached(name, load)

    def _disclosure_plan(self) -> frozenset[CellKey]:
        """The cells hidden beyond the rules: the plan publication wrote into the snapshot
        for this threshold, or, without one (an older snapshot, a threshold changed
        since), computed here."""
        try:
            plan = self.query("disclosure_plan")
        except MartMissingError:
            plan = pl.DataFrame(schema={"threshold": pl.Int32, "cell": pl.String})
        if plan.height and (plan["threshold"] == self.rules.threshold).all():
            return frozenset(tuple(json.loads(c)) for c in plan["cell"].drop_nulls())
        return self.compute_disclosure_plan()

    def _unsuppressed(self, name: str) -> pl.DataFrame:
        """A mart as published, read once per snapshot: every round of the audit-driven
        pass suppresses it again, never reads it again."""
        return self._cached(f"unsuppressed:{name}", lambda: self.query(name))

    def compute_disclosure_plan(self) -> frozenset[CellKey]:
        """Secondary suppression by the interval audit over funnel, waits and equity."""
        return protect(
            lambda cells: self._engagement_with(cells).published,
            self.rules.threshold,
            hideable=_hideable_by_the_audit,
            rank=lambda cell: UNIT_LEVELS[cell[1]],
            last_resort=lambda cell: cell[0] in ("funnel", "waits"),
        )

    def _engagement_with(self, extra: frozenset[CellKey]) -> _Engagement:
        """Funnel, waits and equity with `extra` cells hidden as well, and what they
        publish together (the disclosure model the audit checks)."""
        published = Published()
        funnel = self._unsuppressed("engagement_funnel")
        funnel = _without_program_quarters(with_unit_hierarchy(funnel))
        funnel_keys = _cell_keys("funnel", funnel, FUNNEL_KEY)
        funnel_shown = self._suppress(
            funnel, FUNNEL, _extra_masks(funnel_keys, FUNNEL.counts, extra)
        )
        add_frame(
            published,
            funnel,
            funnel_shown,
            FUNNEL,
            level=_levels(funnel),
            key=lambda row, count: (*funnel_keys[row], count),
        )

        waits = _without_program_quarters(with_unit_hierarchy(self._unsuppressed("wait_times")))
        wait_keys = _cell_keys("waits", waits, WAITS_KEY)
        started = hidden_flags(waits, funnel_shown, list(FUNNEL_KEY), ["n_started"])
        waits_shown = self._suppress(
            waits,
            WAIT_TIMES,
            _union(started, _extra_masks(wait_keys, ["n_within_standard"], extra)),
        )

        def wait_key(row: int, count: str) -> tuple:
            if count == "n_started":  # the funnel's cell, shown or hidden alike
                return ("funnel", *wait_keys[row][1:4], count)
            return (*wait_keys[row], count)

        add_frame(published, waits, waits_shown, WAIT_TIMES, level=_levels(waits), key=wait_key)

        funnel_true = funnel.with_columns(
            funnel_shown.select(f"{c}{SUPPRESSED_SUFFIX}" for c in FUNNEL_COUNTS)
        )
        equity, equity_shown, total_key = self._equity_with(funnel_true, extra, published)
        equity_keys = _cell_keys("equity", equity, EQUITY_KEY)

        def equity_key(row: int, count: str) -> tuple:
            return total_key(row, count) or (*equity_keys[row], count)

        add_frame(published, equity, equity_shown, EQUITY, level=_levels(equity), key=equity_key)
        return _Engagement(funnel_shown, waits_shown, drop_total_rows(equity_shown), published)

    def _equity_with(
        self, funnel: pl.DataFrame, extra: frozenset[CellKey], published: Published
    ) -> tuple[pl.DataFrame, pl.DataFrame, Callable[[int, str], tuple | None]]:
        """Equity groups with their units' totals as extra rows (the funnel's, and the
        PHQ-9 paired counts of the Outcomes page: true counts with the hidden flags their
        own marts gave them, so that a hidden total gets its complement among the
        groups), suppressed; the same rows unsuppressed for the model; and the model's key
        of a total row's cell (the cell of the mart that publishes it, None for a group's
        own cell). `funnel` holds true counts and the funnel's flags."""
        frame = with_unit_hierarchy(self._unsuppressed("equity")).with_columns(
            pl.concat_str("unit_type", "unit_id", separator=":").alias(UNIT_TOTAL)
        )
        dimensions = frame.select("unit_type", "unit_id", "dimension").unique()
        totals = (
            funnel.filter(pl.col("period") == ALL_PERIODS)
            .join(dimensions, on=["unit_type", "unit_id"], how="inner")
            .with_columns(pl.concat_str("unit_type", "unit_id", separator=":").alias(UNIT_TOTAL))
            .select(
                "unit_type",
                "unit_id",
                "dimension",
                UNIT_TOTAL,
                *FUNNEL_COUNTS,
                *[c + SUPPRESSED_SUFFIX for c in FUNNEL_COUNTS],
            )
        )
        outcomes = self.program_outcomes().filter(
            pl.col("timepoint") == POST_TREATMENT,
            pl.col("instrument") == "PHQ9",
            pl.col("scale") == "total",
        )
        true_paired = dict(
            self._unsuppressed("program_outcomes")
            .join(outcomes, on=["program_id", "instrument", "scale", "timepoint"], how="semi")
            .select("program_id", "n_paired")
            .rows()
        )
        for program, shown in outcomes.select("program_id", "n_paired").rows():
            if true_paired.get(program) is not None:
                published.add_cell(("outcomes", program, PHQ9_PAIRED), true_paired[program], shown)
        phq9 = outcomes.select(
            pl.col("program_id").alias("unit_id"),
            pl.col("program_id").replace_strict(true_paired, default=None).alias(PHQ9_PAIRED),
            pl.col("n_paired" + SUPPRESSED_SUFFIX).alias(PHQ9_PAIRED + SUPPRESSED_SUFFIX),
        )
        totals = totals.join(phq9, on="unit_id", how="left").with_columns(
            pl.when(pl.col("unit_type") == "program").then(pl.col(c)).alias(c)
            for c in (PHQ9_PAIRED, PHQ9_PAIRED + SUPPRESSED_SUFFIX)
        )
        combined, hidden = with_total_rows(frame, totals, [*FUNNEL_COUNTS, PHQ9_PAIRED])
        keys = _cell_keys("equity", combined, EQUITY_KEY)
        shown = self._suppress(
            combined, EQUITY, _union(hidden, _extra_masks(keys, EQUITY.counts, extra))
        )
        is_total = combined[TOTAL_ROW].to_list()
        units = combined.select("unit_type", "unit_id").rows()

        def total_key(row: int, count: str) -> tuple | None:
            if not is_total[row]:
                return None
            if count == PHQ9_PAIRED:
                return ("outcomes", units[row][1], PHQ9_PAIRED)
            return ("funnel", *units[row], ALL_PERIODS, count)

        return combined, shown, total_key

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
