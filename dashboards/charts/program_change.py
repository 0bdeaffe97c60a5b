"""Pre-post change per program: a dot-and-whisker chart of mean change with its CI.

Reads `mart_program_outcomes` (one row per program x scale x timepoint; the timepoint vs
baseline among episodes with both) at post-treatment; `score_mean`/`score_sd` are the
post-treatment scores. The chart shows what the mart publishes and never recomputes a
statistic. Input frames must be the suppressed mart (`Marts.program_outcomes`):
`process_data` refuses anything else, so a suppressed program cannot reach a chart,
table or download. The whiskers' level is the snapshot's confidence_level, carried in the
frame (`confidence_of`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    ci_name,
    ci_text,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    omitted_note,
    ordered_modes,
    points,
    require_suppressed,
    status,
    text_frame,
    titled,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.base import POST_TREATMENT
from dashboards.marts.outcomes import PROGRAM_OUTCOMES as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import mode_label, mode_style
from dashboards.view_state import ViewState

MART = "mart_program_outcomes"
# The mart also holds follow-up rows; this chart compares post-treatment with baseline.
TIMEPOINT = POST_TREATMENT
WHAT = "episodes with both measurements"

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "province",
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "n_baseline",
    "baseline_mean",
    "baseline_sd",
    "n_paired",
    "score_mean",
    "score_sd",
    "mean_change",
    "change_sd",
    "change_ci_low",
    "change_ci_high",
    "confidence_level",
    "percent_change",
)


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Rows of the selected outcome, modes and programs, with a `status` per program.

    Shown programs come first, ordered from most to least improvement (direction taken
    from `higher_is_better`), then the programs that are not drawn, by name.
    """
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None:
        raise ValueError("the program-change chart needs an outcome")
    improvement = pl.when(pl.col("higher_is_better")).then(1.0).otherwise(-1.0) * pl.col(
        "mean_change"
    )
    return (
        df.filter(
            pl.col("timepoint") == TIMEPOINT,
            pl.col("instrument") == filters.outcome.instrument,
            pl.col("scale") == filters.outcome.scale,
            pl.col("delivery_mode").is_in(list(filters.modes)),
            pl.col("program_id").is_in(list(filters.programs)),
        )
        .with_columns(status("n_paired", "mean_change"), improvement.alias("improvement"))
        .sort(
            pl.col("status") != Status.SHOWN.value,
            pl.col("improvement"),
            pl.col("program_name"),
            descending=[False, True, False],
            nulls_last=True,
        )
    )


def outcome_label(data: pl.DataFrame) -> str:
    return data["outcome_label"][0] if data.height else "the selected outcome"


def direction(data: pl.DataFrame) -> str:
    """Which sign of change is an improvement, in words."""
    if data.height == 0:
        return ""
    if data["higher_is_better"][0]:
        return "Higher scores are better, so a positive change is an improvement."
    return "Lower scores are better, so a negative change is an improvement."


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Mean change (point) and CI (whisker) per shown program, one trace per mode."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        message = (
            "No program matches the filters."
            if data.is_empty()
            else "No program has enough episodes with both measurements to show."
        )
        return no_data_figure(message)

    ci = ci_name(confidence_of(data))
    figure = go.Figure()
    for mode in ordered_modes(shown["delivery_mode"].to_list()):
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Scatter(
                x=rows["mean_change"].to_list(),
                y=rows["program_name"].to_list(),
                mode="markers",
                name=mode_label(mode),
                marker={"color": style.colour, "symbol": style.symbol, "size": 12},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["change_ci_high"] - rows["mean_change"]).to_list(),
                    "arrayminus": (rows["mean_change"] - rows["change_ci_low"]).to_list(),
                    "color": style.colour,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=rows.select(
                    "change_ci_low", "change_ci_high", "n_paired", "percent_change"
                ).rows(),
                hovertemplate=(
                    "<b>%{y}</b><br>Mean change %{x:.1f} "
                    f"({ci} %{{customdata[0]:.1f}} to %{{customdata[1]:.1f}})<br>"
                    "%{customdata[2]} episodes with both measurements<br>"
                    "Change %{customdata[3]:.1f}% of baseline<extra></extra>"
                ),
            )
        )

    # Keep zero (no change, the axis' zero line) in view with room, never at an edge.
    low_end = min(0.0, shown["change_ci_low"].min() or 0.0, shown["mean_change"].min())
    high_end = max(0.0, shown["change_ci_high"].max() or 0.0, shown["mean_change"].max())
    pad = 0.08 * (high_end - low_end or 1.0)
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=shown["program_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    figure.update_xaxes(
        title="Mean change, post-treatment minus baseline (points)",
        range=[low_end - pad, high_end + pad],
    )
    figure.update_layout(showlegend=True)
    footer = " ".join(filter(None, [direction(data), omitted_note(data, "program_name", WHAT)]))
    return titled(
        figure,
        outcome_label(data),
        f"Mean change from baseline to post-treatment, with {ci}",
        footer,
        250 + 48 * shown.height,
    )


def summarise(data: pl.DataFrame) -> str:
    """The chart in words, for screen-reader users and anyone who prefers text."""
    label = outcome_label(data)
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if data.is_empty():
        return f"{label}: no program matches the filters."
    count = f"{shown.height} of {data.height} program{'s' if data.height != 1 else ''}"
    if shown.is_empty():
        sentences = [f"{label}: none of {data.height} programs can be shown."]
    else:
        ci_label = ci_name(confidence_of(data))
        items = []
        for row in shown.iter_rows(named=True):
            ci = (
                f", {ci_label} {points(row['change_ci_low'])} to {points(row['change_ci_high'])}"
                if row["change_ci_low"] is not None and row["change_ci_high"] is not None
                else ""
            )
            items.append(
                f"{row['program_name']} {points(row['mean_change'])} points{ci}, "
                f"{row['n_paired']} episodes"
            )
        order = ", from most to least improvement" if shown.height > 1 else ""
        sentences = [
            f"{label}, mean change from baseline to post-treatment for {count}{order}: "
            + "; ".join(items)
            + ".",
            direction(data),
        ]
    sentences.append(omitted_note(data, "program_name", WHAT))
    return " ".join(s for s in sentences if s)


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    """The "About this chart" text: what is counted, from which mart, by which method."""
    paragraphs = [
        "Each point is one program's mean change in the selected outcome from baseline to "
        "post-treatment, among that program's episodes with both measurements; the whisker "
        f"is the {level(confidence)} confidence interval of that mean change. Colour and "
        "marker shape show the delivery mode.",
        f"Source: the warehouse table {MART}, one row per program, instrument and scale. "
        "The dashboard shows the published numbers and does not recompute them.",
        f"Privacy: programs with 1 to {rules.threshold - 1} episodes with both measurements "
        "are not shown. The Engagement and Equity pages show delivery-mode totals of these "
        "counts, so when one program of a delivery mode is hidden, the next-smallest "
        "program of that mode is hidden too; otherwise the total minus the others would "
        "reveal the small program's count and mean (small-cell suppression, "
        "config/suppression.yaml).",
        "Reading it: change within a program is not a comparison between programs. "
        "Programs treat different people, and an uncontrolled before-after change includes "
        "regression to the mean and natural recovery.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "delivery_mode": "Delivery mode",
    "province": "Province",
    "n_baseline": "Baseline n",
    "baseline_mean": "Baseline mean",
    "baseline_sd": "Baseline SD",
    "n_paired": "Paired n",
    "score_mean": "Post mean",
    "score_sd": "Post SD",
    "mean_change": "Mean change",
    "change_ci": "CI",
    "percent_change": "% change",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"program_name", "delivery_mode", "province"}


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "change_ci")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """The numbers behind the chart as display text, suppression labels in place."""
    text = text_frame(data, SUPPRESSION, rules)
    markers = [rules.small_label, rules.suppressed_label, MISSING]
    ci = [
        ci_text(low, high, markers)
        for low, high in text.select("change_ci_low", "change_ci_high").iter_rows()
    ]
    return text.with_columns(
        pl.Series("change_ci", ci, dtype=pl.String),
        pl.col("delivery_mode").map_elements(mode_label, return_dtype=pl.String),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """What the CSV download holds: the mart's columns, suppressed cells as labels."""
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=2)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.program_outcomes(), view.state)
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
