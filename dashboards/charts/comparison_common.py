"""Words and directions shared by the charts that compare iCBT with in-person CBT.

Differences in mart_comparisons and mart_pooled_effects are program minus in-person CBT
in the scale's own direction, so which side of zero favours the program, and on which
side the non-inferiority margin lies, depend on `higher_is_better`. Every effectiveness
chart says it the same way through these helpers.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import Status, ordered_modes
from dashboards.theme import mode_label

POST_TREATMENT = "post_treatment"
FOLLOW_UP = "follow_up"
TIMEPOINTS = (POST_TREATMENT, FOLLOW_UP)
TIMEPOINT_LABELS = {POST_TREATMENT: "Post-treatment", FOLLOW_UP: "Follow-up"}

COMPARATOR_LABELS = {
    "local": "local in-person cohort",
    "national": "national in-person cohort",
    "benchmark_only": "no in-person cohort (benchmarks only)",
}
METHOD_LABELS = {"dl": "DerSimonian-Laird", "pm": "Paule-Mandel"}
ALL_PROGRAMS = "all"


def timepoint_label(timepoint: str) -> str:
    return TIMEPOINT_LABELS.get(timepoint, timepoint.replace("_", " "))


def comparator_text(level: str, indirect: bool | None) -> str:
    """ "national in-person cohort (indirect)": the comparator and its GRADE flag."""
    text = COMPARATOR_LABELS.get(level, level)
    return f"{text} (indirect)" if indirect else text


def verdict_text(display: str | None) -> str:
    """The mart's verdict_display in words: diagnostics named without underscores."""
    return (display or "").replace("_", " ")


def verdict_label(column: str) -> pl.Expr:
    """`verdict_text` of a column, for frames."""
    return pl.col(column).str.replace_all("_", " ", literal=True)


def subgroup_name(subgroup: str) -> str:
    """A pooled subgroup: all programs, or the programs of one delivery mode."""
    if subgroup == ALL_PROGRAMS:
        return "All iCBT programs"
    return f"All {mode_label(subgroup).lower()} programs"


def mode_subject_name(mode: str) -> str:
    """A delivery-mode comparison row: every program of that mode together."""
    return f"All {mode_label(mode).lower()} programs"


def subject_names(rows: pl.DataFrame) -> pl.Series:
    """`name` of each comparison row: the program's published name, or for a delivery
    mode's row every program of that mode together."""
    return pl.Series(
        "name",
        [
            mode_subject_name(subject) if kind == "delivery_mode" else name
            for kind, subject, name in rows.select(
                "subject_type", "subject_id", "subject_name"
            ).rows()
        ],
        dtype=pl.String,
    )


def mode_order(rows: pl.DataFrame) -> pl.Expr:
    """Each row's delivery mode as its place in the modes' display order, for sorting."""
    modes = ordered_modes(rows["delivery_mode"].to_list())
    return pl.col("delivery_mode").replace_strict(
        {m: i for i, m in enumerate(modes)}, default=len(modes)
    )


def title(data: pl.DataFrame) -> str:
    """An effectiveness chart's title: the outcome and timepoint of its rows."""
    if data.is_empty():
        return "The selected outcome"
    row = data.row(0, named=True)
    return f"{row['outcome_label']}, {timepoint_label(row['timepoint']).lower()}"


def favours(higher_is_better: bool) -> tuple[str, str]:
    """Axis end labels (left, right) for a difference, program minus in-person CBT."""
    if higher_is_better:
        return ("\u2190 favours in-person CBT", "favours the program \u2192")
    return ("\u2190 favours the program", "favours in-person CBT \u2192")


def difference_axis_title(what: str, higher_is_better: bool) -> str:
    """One line: which side favours whom, around what the axis measures."""
    left, right = favours(higher_is_better)
    return f"{left}   |   {what}   |   {right}"


def fit_legend(figure: go.Figure, per_row: int = 2) -> go.Figure:
    """Legend entries in rows of `per_row`, with room above the plot for every row.

    Call after `titled`, whose top margin fits one row of legend below the subtitle.
    """
    entries = sum(1 for trace in figure.data if trace.showlegend is not False)
    rows = math.ceil(entries / per_row)
    figure.update_layout(
        legend={"entrywidth": 1 / per_row, "entrywidthmode": "fraction", "font": {"size": 12}},
        margin={"t": 110 + 24 * max(0, rows - 1)},
    )
    return figure


def margin_position(margin: float | None, higher_is_better: bool) -> float | None:
    """Where the non-inferiority margin lies on the difference axis: on the worse side."""
    if margin is None:
        return None
    return -margin if higher_is_better else margin


def direction_note(higher_is_better: bool) -> str:
    if higher_is_better:
        return (
            "Higher scores are better, so a positive difference means the program's "
            "patients improved more than comparable in-person patients."
        )
    return (
        "Lower scores are better, so a negative difference means the program's patients "
        "improved more than comparable in-person patients."
    )


def not_drawn_reason(status: str, display: str | None, what: str) -> str:
    """Why a comparison is not drawn, naming failed diagnostics where the mart does."""
    if status == Status.SMALL:
        return f"too few {what} to show"
    if status == Status.COMPLEMENTARY:
        return "hidden so that a small group cannot be worked out from totals"
    if status == Status.NO_DATA:
        return f"no {what}"
    return verdict_text(display) or "no estimate published"
