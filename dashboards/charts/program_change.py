"""Pre-post change per program: a dot-and-whisker chart of mean change with its 95% CI.

Reads `mart_program_outcomes` (one row per program x scale x timepoint; the timepoint vs
baseline among episodes with both) at post-treatment through the `program_outcomes`
query; `score_mean`/`score_sd` are the post-treatment scores. The chart
shows what the mart publishes and never recomputes a statistic. Input frames must have
been through `suppression.suppress(frame, SUPPRESSION, rules)` first: `process_data`
refuses anything else, so a suppressed program cannot reach a chart, table or download.
"""

from __future__ import annotations

import textwrap
from enum import StrEnum

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import no_data_figure
from dashboards.suppression import (
    SMALL_SUFFIX,
    SUPPRESSED_SUFFIX,
    SuppressionRules,
    SuppressionSpec,
    is_suppressed,
    labelled,
)
from dashboards.theme import DELIVERY_MODES, mode_label, mode_style
from dashboards.view_state import ViewState

MART = "mart_program_outcomes"
QUERY = "program_outcomes"
# The mart also holds follow-up rows; this chart compares post-treatment with baseline.
TIMEPOINT = "post_treatment"

# Means, SDs, CIs and percentages are computed on n_baseline or n_paired episodes.
# Totals over programs (per outcome and timepoint) are published elsewhere in the
# observatory, so a lone small program is protected by complementary suppression.
SUPPRESSION = SuppressionSpec(
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
        ),
    },
    total_groups=(("instrument", "scale", "timepoint"),),
)

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
    "percent_change",
)


class Status(StrEnum):
    """Why a program is, or is not, drawn."""

    SHOWN = "shown"
    SMALL = "small"
    COMPLEMENTARY = "complementary"
    NO_PAIRED = "no_paired"
    NO_ESTIMATE = "no_estimate"


REASONS = {
    Status.SMALL: "too few episodes with both measurements to show",
    Status.COMPLEMENTARY: "hidden so that a small program cannot be worked out from totals",
    Status.NO_PAIRED: "no episodes with both measurements",
    Status.NO_ESTIMATE: "no estimate published",
}


def _status() -> pl.Expr:
    return (
        pl.when(pl.col("n_paired" + SUPPRESSED_SUFFIX) & pl.col("n_paired" + SMALL_SUFFIX))
        .then(pl.lit(Status.SMALL.value))
        .when(pl.col("n_paired" + SUPPRESSED_SUFFIX))
        .then(pl.lit(Status.COMPLEMENTARY.value))
        .when(pl.col("n_paired").fill_null(0) == 0)
        .then(pl.lit(Status.NO_PAIRED.value))
        .when(pl.col("mean_change").is_null())
        .then(pl.lit(Status.NO_ESTIMATE.value))
        .otherwise(pl.lit(Status.SHOWN.value))
        .alias("status")
    )


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Rows of the selected outcome, modes and programs, with a `status` per program.

    Shown programs come first, ordered from most to least improvement (direction taken
    from `higher_is_better`), then the programs that are not drawn, by name.
    """
    if not is_suppressed(df, SUPPRESSION):
        raise ValueError("process_data needs a frame returned by suppress(..., SUPPRESSION)")
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
        .with_columns(_status(), improvement.alias("improvement"))
        .sort(
            pl.col("status") != Status.SHOWN.value,
            pl.col("improvement"),
            pl.col("program_name"),
            descending=[False, True, False],
            nulls_last=True,
        )
    )


def _points(value: float) -> str:
    """A signed number with a real minus sign, which screen readers say as "minus"."""
    return f"{value:+.1f}".replace("-", "\u2212")


def outcome_label(data: pl.DataFrame) -> str:
    return data["outcome_label"][0] if data.height else "the selected outcome"


def direction(data: pl.DataFrame) -> str:
    """Which sign of change is an improvement, in words."""
    if data.height == 0:
        return ""
    if data["higher_is_better"][0]:
        return "Higher scores are better, so a positive change is an improvement."
    return "Lower scores are better, so a negative change is an improvement."


def omitted_note(data: pl.DataFrame) -> str:
    """The chart's note: every filtered-in program that is not drawn, and why."""
    hidden = data.filter(pl.col("status") != Status.SHOWN.value)
    if hidden.is_empty():
        return ""
    parts = [
        f"{row['program_name']} ({REASONS[Status(row['status'])]})"
        for row in hidden.iter_rows(named=True)
    ]
    return "Not shown: " + "; ".join(parts) + "."


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Mean change (point) and 95% CI (whisker) per shown program, one trace per mode."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        message = (
            "No program matches the filters."
            if data.is_empty()
            else "No program has enough episodes with both measurements to show."
        )
        return no_data_figure(message)

    figure = go.Figure()
    present = shown["delivery_mode"].unique().to_list()
    ordered_modes = [m for m in DELIVERY_MODES if m in present]
    ordered_modes += sorted(m for m in present if m not in DELIVERY_MODES)
    for mode in ordered_modes:
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        high = (rows["change_ci_high"] - rows["mean_change"]).to_list()
        low = (rows["mean_change"] - rows["change_ci_low"]).to_list()
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
                    "array": high,
                    "arrayminus": low,
                    "color": style.colour,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=rows.select(
                    "change_ci_low", "change_ci_high", "n_paired", "percent_change"
                ).rows(),
                hovertemplate=(
                    "<b>%{y}</b><br>Mean change %{x:.1f} "
                    "(95% CI %{customdata[0]:.1f} to %{customdata[1]:.1f})<br>"
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
    # Plotly does not wrap annotation text, so the footer is broken into lines here.
    footer = textwrap.wrap(" ".join(filter(None, [direction(data), omitted_note(data)])), 80)
    figure.add_annotation(
        text="<br>".join(footer),
        x=0,
        xref="paper",
        xanchor="left",
        y=0,
        yref="paper",
        yanchor="top",
        yshift=-56,
        showarrow=False,
        align="left",
        font={"size": 12},
    )
    figure.update_layout(
        title={
            "text": outcome_label(data),
            "subtitle": {
                "text": "Mean change from baseline to post-treatment, with 95% confidence interval"
            },
            "x": 0.01,
            "xref": "container",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
        },
        height=250 + 48 * shown.height + 18 * len(footer),
        margin={"t": 110, "b": 64 + 18 * len(footer)},
        showlegend=True,
    )
    return figure


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
        items = []
        for row in shown.iter_rows(named=True):
            ci = (
                f", 95% CI {_points(row['change_ci_low'])} to {_points(row['change_ci_high'])}"
                if row["change_ci_low"] is not None and row["change_ci_high"] is not None
                else ""
            )
            items.append(
                f"{row['program_name']} {_points(row['mean_change'])} points{ci}, "
                f"{row['n_paired']} episodes"
            )
        order = ", from most to least improvement" if shown.height > 1 else ""
        sentences = [
            f"{label}, mean change from baseline to post-treatment for {count}{order}: "
            + "; ".join(items)
            + ".",
            direction(data),
        ]
    sentences.append(omitted_note(data))
    return " ".join(s for s in sentences if s)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    """The "About this chart" text: what is counted, from which mart, by which method."""
    paragraphs = [
        "Each point is one program's mean change in the selected outcome from baseline to "
        "post-treatment, among that program's episodes with both measurements; the whisker "
        "is the 95% confidence interval of that mean change. Colour and marker shape show "
        "the delivery mode.",
        f"Source: the warehouse table {MART}, one row per program, instrument and scale. "
        "The dashboard shows the published numbers and does not recompute them.",
        f"Privacy: programs with 1 to {rules.threshold - 1} episodes with both measurements "
        "are not shown, and neither is the next-smallest program for that outcome when it "
        "is needed to stop the small one being worked out from totals (small-cell "
        "suppression, config/suppression.yaml).",
        "Reading it: change within a program is not a comparison between programs. "
        "Programs treat different people, and an uncontrolled before-after change includes "
        "regression to the mean and natural recovery.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


MISSING = "\u2014"

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
    "change_ci": "95% CI",
    "percent_change": "% change",
}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """The numbers behind the chart as display text, suppression labels in place."""
    text = labelled(data, SUPPRESSION, rules, decimals=1, missing=MISSING)
    markers = [rules.small_label, rules.suppressed_label, MISSING]
    ci = (
        pl.when(pl.col("change_ci_low").is_in(markers))
        .then(pl.col("change_ci_low"))
        .when(pl.col("change_ci_high").is_in(markers))
        .then(pl.col("change_ci_high"))
        .otherwise(pl.format("{} to {}", pl.col("change_ci_low"), pl.col("change_ci_high")))
    )
    return text.with_columns(
        ci.alias("change_ci"),
        pl.col("delivery_mode").replace_strict(
            {m: s.label for m, s in DELIVERY_MODES.items()}, default=pl.col("delivery_mode")
        ),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """What the CSV download holds: the mart's columns, suppressed cells as labels."""
    return labelled(data, SUPPRESSION, rules, decimals=2).select(CSV_COLUMNS)
