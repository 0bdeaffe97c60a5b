"""The marts the dashboard reads, each suppressed once per published snapshot.

Suppression is a property of a mart, not of a chart: every page, table and download that
shows a mart's numbers reads the same suppressed frame, so the cells hidden on one page
are the cells hidden on every other (two pages hiding different complements of the same
small cell would together reveal it). Each loader reads the whole mart, adds the columns
that name the totals its rows belong to, and calls `suppress` once; the result is cached
until the published file changes.

Which totals the dashboard shows (the rule is in dashboards/README.md):

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
- mart_program_outcomes has no total rows, but delivery-mode totals of its counts are
  shown: at post-treatment through the dose-response and equity marts, at both
  timepoints through the delivery-mode rows of mart_comparisons (Effectiveness page),
  whose analysed episodes are the sums of their programs' paired episodes. So its
  programs are grouped within their delivery mode at every timepoint.
- mart_comparisons repeats those counts: a program's analysed episodes are its paired
  episodes in mart_program_outcomes, a local comparator's are its in-person clinic's,
  the national comparator's are the in-person mode total. Each is hidden wherever
  mart_program_outcomes hides it (a local cohort of several clinics wherever one of them
  is hidden). Programs' due episodes add up to their mode's row: grouped within their
  mode. The in-person cohorts' due counts are not read (sql/dashboard/comparisons.sql).
  Every estimate, verdict and certainty rating of a comparison is hidden with either
  arm's count; a pooled estimate of one program with that program's comparison; a pooled
  episode total (a total over the pooled programs) whenever one of them is hidden.
- mart_overview_headlines repeats the funnel's all-period counts (hidden wherever the
  funnel hides them) and adds episodes with a paired outcome, whose iCBT modes add up to
  the all-iCBT row (Overview page).
- Safety page: the register, the funnel and the item-9 monthly counts publish no totals
  over programs (primary rule only). The funnel shows non-overlapping windows only, and
  a CUSUM chart is drawn only at months whose step covers no event or at least the
  threshold (`cusum_drawn`): a cumulative statistic's steps are counts. Adverse-event
  values add up to the unit's total per dimension; adverse events and item-9 follow-up
  also add up over the reporting-unit hierarchy.
- Data-quality page: a program's files of one table add up over batches to what it
  delivered, and its quarantine reasons of one table to the rows its files quarantined;
  drift counts are shown for each program's latest batch only (consecutive windows
  overlap).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta

import polars as pl

from dashboards.data import FileIdentity, Warehouse
from dashboards.suppression import (
    SUPPRESSED_SUFFIX,
    SuppressionRules,
    SuppressionSpec,
    suppress,
)

# Columns naming the hierarchy totals a reporting-unit row belongs to (null: none).
MODE_TOTAL = "_mode_total"
ICBT_TOTAL = "_icbt_total"
# Column naming the unit whose shown total a row adds up to (dose bands, equity groups).
UNIT_TOTAL = "_unit_total"
# Marks the extra total rows that are removed after suppression.
TOTAL_ROW = "_total_row"

POST_TREATMENT = "post_treatment"
ALL_PERIODS = "all"

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
)

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
)

SCORE_TRAJECTORIES = SuppressionSpec(
    dependents={"n_scores": ("score_mean", "score_sd", "score_ci_low", "score_ci_high")},
    total_groups=(
        (MODE_TOTAL, "instrument", "scale", "treatment_week"),
        (ICBT_TOTAL, "instrument", "scale", "treatment_week"),
    ),
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
)


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

OVERVIEW_HEADLINES = SuppressionSpec(
    dependents={
        "n_referred": (),
        "n_started": (),
        "n_completed": (),
        "n_paired_post_treatment": (),
    },
    total_groups=((ICBT_TOTAL,),),
    count_groups={"n_referred": (), "n_started": (), "n_completed": ()},
)

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
)

# The page shows met, breached and pending for both trigger types together, never their
# total or the split by type (sql/dashboard/item9_follow_up.sql), so only programs add up
# to their mode and iCBT modes to all iCBT. A share met implies met + breached: the
# loader also hides it wherever breached is hidden.
ITEM9_FOLLOW_UP = SuppressionSpec(
    dependents={"triggers": ("share_met",)},
    total_groups=((MODE_TOTAL, "outcome"), (ICBT_TOTAL, "outcome")),
)

# Data-quality page (dashboards/pages/data_quality.py). A program's files of one table
# add up, over batches, to what it delivered; the rows of an episodes or adverse-events
# file are people or events in one month, as small as any cell.
LOAD_LEDGER = SuppressionSpec(
    dependents={"rows_loaded": (), "rows_quarantined": ()},
    total_groups=(("program_id", "table_name", "superseded"),),
)

# A program's quarantined rows of a table are derivable from the ledger's files, so the
# reasons of one program and table are grouped.
QUARANTINE_REASONS = SuppressionSpec(
    dependents={"rows_quarantined": ()},
    total_groups=(("program_id", "table_name"),),
)

DQ_CHECKS = SuppressionSpec(
    dependents={
        "num_violated_rows": ("pct_violated_rows",),
        "num_denominator_rows": ("pct_violated_rows",),
    },
)

# Only each program's latest comparison shows its counts: consecutive batches' windows
# overlap, so the difference of two would be a month's new episodes.
DRIFT_RESULTS = SuppressionSpec(dependents={"current_rows": (), "reference_rows": ()})


def with_unit_hierarchy(frame: pl.DataFrame) -> pl.DataFrame:
    """Name the hierarchy totals of each reporting-unit row.

    A program row and its delivery mode's row share `MODE_TOTAL`; the iCBT delivery-mode
    rows and the all-iCBT row share `ICBT_TOTAL` (in-person CBT is the comparator and is
    not part of all iCBT).
    """
    unit_type = pl.col("unit_type")
    return frame.with_columns(
        pl.when(unit_type.is_in(["program", "delivery_mode"]))
        .then(pl.col("delivery_mode"))
        .alias(MODE_TOTAL),
        pl.when(
            (unit_type == "all_icbt")
            | ((unit_type == "delivery_mode") & (pl.col("delivery_mode") != "in_person"))
        )
        .then(pl.lit("all_icbt"))
        .alias(ICBT_TOTAL),
    )


def _without_program_quarters(frame: pl.DataFrame) -> pl.DataFrame:
    """Drop programs' per-quarter rows; their period 'all' rows stay."""
    return frame.filter((pl.col("unit_type") != "program") | (pl.col("period") == ALL_PERIODS))


def hidden_flags(
    frame: pl.DataFrame, source: pl.DataFrame, keys: Sequence[str], counts: Sequence[str]
) -> dict[str, pl.Series]:
    """Whether each of `frame`'s `counts` is hidden in `source` (same count, same keys)."""
    flags = source.select(
        *keys, *[pl.col(c + SUPPRESSED_SUFFIX).alias(f"_src_{c}") for c in counts]
    ).unique(subset=list(keys))
    joined = frame.select(*keys).join(flags, on=list(keys), how="left", maintain_order="left")
    return {c: joined[f"_src_{c}"].fill_null(False).alias(c) for c in counts}


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


def _drop_total_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(~pl.col(TOTAL_ROW)).drop(TOTAL_ROW)


def _with_total_rows(
    frame: pl.DataFrame, totals: pl.DataFrame, counts: Sequence[str]
) -> tuple[pl.DataFrame, dict[str, pl.Series]]:
    """`frame` plus `totals` (suppressed rows of another mart) as extra group members.

    Returns the combined frame and, per count, which rows are hidden before suppression
    starts: the total rows that the other mart hid.
    """
    extra = totals.select(
        *[c for c in totals.columns if c in frame.columns or c == UNIT_TOTAL],
        *[c + SUPPRESSED_SUFFIX for c in counts],
    ).with_columns(pl.lit(True).alias(TOTAL_ROW))
    combined = pl.concat(
        [frame.with_columns(pl.lit(False).alias(TOTAL_ROW)), extra], how="diagonal_relaxed"
    )
    hidden = {
        c: combined[c + SUPPRESSED_SUFFIX].fill_null(False).alias(c)
        for c in counts
        if c + SUPPRESSED_SUFFIX in combined.columns
    }
    return combined.drop([c + SUPPRESSED_SUFFIX for c in counts]), hidden


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


class SuppressedMarts:
    """Every mart the dashboard shows, suppressed once per published snapshot."""

    def __init__(self, warehouse: Warehouse, rules: SuppressionRules) -> None:
        self.warehouse = warehouse
        self.rules = rules
        self._lock = threading.RLock()
        self._identity: FileIdentity | None = None
        self._frames: dict[str, pl.DataFrame] = {}

    def _cached(self, name: str, load: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        identity = FileIdentity.of(self.warehouse.path)
        with self._lock:
            if identity != self._identity:
                self._identity = identity
                self._frames = {}
            if name not in self._frames:
                self._frames[name] = load()
            return self._frames[name]

    def _suppress(
        self,
        frame: pl.DataFrame,
        spec: SuppressionSpec,
        hidden: Mapping[str, pl.Series] | None = None,
    ) -> pl.DataFrame:
        return suppress(frame, spec, self.rules, hidden=hidden)

    def program_outcomes(self) -> pl.DataFrame:
        """mart_program_outcomes: one row per program, scale and timepoint."""

        def load() -> pl.DataFrame:
            frame = self.warehouse.query("program_outcomes").with_columns(
                pl.col("delivery_mode").alias(MODE_TOTAL)
            )
            return self._suppress(frame, PROGRAM_OUTCOMES)

        return self._cached("program_outcomes", load)

    def engagement_funnel(self) -> pl.DataFrame:
        """mart_engagement_funnel: one row per reporting unit and period."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("engagement_funnel"))
            return self._suppress(_without_program_quarters(frame), FUNNEL)

        return self._cached("engagement_funnel", load)

    def _started_hidden(
        self, frame: pl.DataFrame, keys: Sequence[str], *, all_periods: bool
    ) -> dict[str, pl.Series]:
        funnel = self.engagement_funnel()
        if all_periods:
            funnel = funnel.filter(pl.col("period") == ALL_PERIODS)
        return hidden_flags(frame, funnel, keys, ["n_started"])

    def wait_times(self) -> pl.DataFrame:
        """mart_wait_times: one row per reporting unit, period and waiting-time standard."""

        def load() -> pl.DataFrame:
            frame = _without_program_quarters(
                with_unit_hierarchy(self.warehouse.query("wait_times"))
            )
            hidden = self._started_hidden(
                frame, ["unit_type", "unit_id", "period"], all_periods=False
            )
            return self._suppress(frame, WAIT_TIMES, hidden)

        return self._cached("wait_times", load)

    def therapist_time(self) -> pl.DataFrame:
        """mart_therapist_time: one row per reporting unit."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("therapist_time"))
            hidden = self._started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            return self._suppress(frame, THERAPIST_TIME, hidden)

        return self._cached("therapist_time", load)

    def dropout_survival(self) -> pl.DataFrame:
        """mart_dropout_survival: one row per reporting unit and week."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("dropout_survival"))
            started = self._started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            hidden = {**started, "n_at_risk": started["n_started"].alias("n_at_risk")}
            return self._suppress(frame, DROPOUT_SURVIVAL, hidden)

        return self._cached("dropout_survival", load)

    def dose_response(self) -> pl.DataFrame:
        """mart_dose_response: one row per reporting unit, scale and dose band."""

        def load() -> pl.DataFrame:
            counts = ["n_baseline", "n_paired", "n_reliable_improvement"]
            frame = with_unit_hierarchy(self.warehouse.query("dose_response")).with_columns(
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
            combined, hidden = _with_total_rows(frame, totals, counts)
            return _drop_total_rows(self._suppress(combined, DOSE_RESPONSE, hidden))

        return self._cached("dose_response", load)

    def score_trajectories(self) -> pl.DataFrame:
        """mart_score_trajectories: one row per reporting unit, scale and week."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("score_trajectories"))
            return self._suppress(frame, SCORE_TRAJECTORIES)

        return self._cached("score_trajectories", load)

    def equity(self) -> pl.DataFrame:
        """mart_equity: one row per reporting unit, equity dimension and group."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("equity")).with_columns(
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
            combined, hidden = _with_total_rows(frame, totals, [*funnel_counts, "phq9_n_paired"])
            return _drop_total_rows(self._suppress(combined, EQUITY, hidden))

        return self._cached("equity", load)

    def programs(self) -> pl.DataFrame:
        """staging_programs: the registry (attributes only, nothing to suppress)."""
        return self._cached("programs", lambda: self.warehouse.query("program_registry"))

    def comparisons(self) -> pl.DataFrame:
        """mart_comparisons: one row per subject, outcome, timepoint and comparator level."""

        def load() -> pl.DataFrame:
            frame = self.warehouse.query("comparisons")
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
            frame = self.warehouse.query("pooled_effects")
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
            member_hidden = (
                self.warehouse.query("pooled_programs")
                .join(
                    primary.select(
                        pl.col("subject_id").alias("program_id"),
                        *keys,
                        pl.col("n_program_analysed" + SUPPRESSED_SUFFIX).alias("_hidden"),
                    ),
                    on=["program_id", *keys],
                    how="left",
                )
                .group_by(pooled)
                .agg(
                    pl.col("_hidden").fill_null(False).any().alias("n_episodes" + SUPPRESSED_SUFFIX)
                )
            )
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
            frame = self.warehouse.query("evidence_certainty")
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
        return self._cached("subgroup_tests", lambda: self.warehouse.query("subgroup_tests"))

    def meta_regression(self) -> pl.DataFrame:
        """mart_meta_regression: coefficients across programs, no counts."""
        return self._cached("meta_regression", lambda: self.warehouse.query("meta_regression"))

    def literature_benchmarks(self) -> pl.DataFrame:
        """ref_literature_benchmarks: published effect sizes, no counts of patients."""
        return self._cached(
            "literature_benchmarks", lambda: self.warehouse.query("literature_benchmarks")
        )

    def overview_headlines(self) -> pl.DataFrame:
        """mart_overview_headlines: one row for all iCBT and one per delivery mode."""

        def load() -> pl.DataFrame:
            frame = with_unit_hierarchy(self.warehouse.query("overview_headlines"))
            funnel = self.engagement_funnel().filter(pl.col("period") == ALL_PERIODS)
            hidden = hidden_flags(
                frame, funnel, ["unit_type", "unit_id"], ["n_referred", "n_started", "n_completed"]
            )
            return self._suppress(frame, OVERVIEW_HEADLINES, hidden)

        return self._cached("overview_headlines", load)

    def overview_safety_signals(self) -> pl.DataFrame:
        """Open safety signals per program and indicator: signals counted, not patients."""
        return self._cached(
            "overview_safety_signals", lambda: self.warehouse.query("overview_safety_signals")
        )

    def overview_freshness(self) -> pl.DataFrame:
        """dq_freshness per program with the snapshot's build time (no counts)."""
        return self._cached(
            "overview_freshness", lambda: self.warehouse.query("overview_freshness")
        )

    def signal_register(self) -> pl.DataFrame:
        """safety_signal_register: one row per signal, evidence counts suppressed."""

        def load() -> pl.DataFrame:
            return self._suppress(self.warehouse.query("safety_signal_register"), SIGNAL_REGISTER)

        return self._cached("signal_register", load)

    def safety_funnel(self) -> pl.DataFrame:
        """mart_safety_funnel, non-overlapping windows only (`funnel_windows`)."""

        def load() -> pl.DataFrame:
            frame = self.warehouse.query("safety_funnel")
            shown = frame.filter(pl.col("month").is_in(funnel_windows(frame)))
            return self._suppress(shown, SAFETY_FUNNEL)

        return self._cached("safety_funnel", load)

    def safety_cusum(self) -> pl.DataFrame:
        """mart_safety_cusum: the chart values that `cusum_drawn` allows; no counts."""

        def load() -> pl.DataFrame:
            frame = self.warehouse.query("safety_cusum")
            drawn = frame.with_columns(cusum_drawn(frame, self.rules.threshold))
            return drawn.with_columns(
                pl.when(pl.col(CUSUM_DRAWN)).then(pl.col("statistic")).alias("statistic")
            ).drop("observed")

        return self._cached("safety_cusum", load)

    def safety_indicators(self) -> pl.DataFrame:
        """ref_safety_indicators: labels and definitions, no counts."""
        return self._cached(
            "safety_indicators", lambda: self.warehouse.query("safety_indicator_options")
        )

    def safety_reference(self) -> pl.DataFrame:
        """mart_safety_reference: how each expectation is made (methods, no counts)."""
        return self._cached("safety_reference", lambda: self.warehouse.query("safety_reference"))

    def adverse_event_profile(self) -> pl.DataFrame:
        """mart_adverse_event_profile: one row per reporting unit, dimension and value."""

        def load() -> pl.DataFrame:
            dimension = pl.col("dimension")
            frame = with_unit_hierarchy(self.warehouse.query("adverse_event_profile"))
            frame = frame.with_columns(
                pl.when(dimension.is_in([name, AE_TOTAL])).then(pl.lit(name)).alias(f"_in_{name}")
                for name in AE_DIMENSIONS
            )
            hidden = self._started_hidden(frame, ["unit_type", "unit_id"], all_periods=True)
            return self._suppress(frame, ADVERSE_EVENT_PROFILE, hidden)

        return self._cached("adverse_event_profile", load)

    def item9_follow_up(self) -> pl.DataFrame:
        """mart_item9_follow_up: one row per reporting unit, trigger type and outcome."""

        def load() -> pl.DataFrame:
            frame = self._suppress(
                with_unit_hierarchy(self.warehouse.query("item9_follow_up")), ITEM9_FOLLOW_UP
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

    def load_ledger(self) -> pl.DataFrame:
        """ingest_load_ledger: one row per landing file, row counts suppressed."""

        def load() -> pl.DataFrame:
            return self._suppress(self.warehouse.query("load_ledger"), LOAD_LEDGER)

        return self._cached("load_ledger", load)

    def quarantine_reasons(self) -> pl.DataFrame:
        """mart_quarantine_reasons: value-free reasons with suppressed counts."""

        def load() -> pl.DataFrame:
            return self._suppress(self.warehouse.query("quarantine_reasons"), QUARANTINE_REASONS)

        return self._cached("quarantine_reasons", load)

    def dq_checks(self) -> pl.DataFrame:
        """dq_check_status: each check's latest counts under the current thresholds."""

        def load() -> pl.DataFrame:
            return self._suppress(self.warehouse.query("dq_check_status"), DQ_CHECKS)

        return self._cached("dq_checks", load)

    def drift_results(self) -> pl.DataFrame:
        """drift_results: every comparison's verdict; counts of the latest batch only."""

        def load() -> pl.DataFrame:
            frame = self.warehouse.query("drift_results")
            latest = pl.col("batch_id") == pl.col("batch_id").max().over("program_id", "reference")
            earlier = frame.select(~latest).to_series()
            hidden = {c: earlier.alias(c) for c in DRIFT_RESULTS.counts}
            return self._suppress(frame, DRIFT_RESULTS, hidden)

        return self._cached("drift_results", load)

    def drift_reports(self) -> pl.DataFrame:
        """mart_drift_reports: the kept HTML reports and the episodes each describes."""
        return self._cached("drift_reports", lambda: self.warehouse.query("drift_reports"))
