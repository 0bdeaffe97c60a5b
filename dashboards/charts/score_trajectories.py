"""Mean score over the weeks of treatment, one line per delivery mode, with its CI.

Reads `mart_score_trajectories` (one row per reporting unit, change-outcome scale and
whole week since the episode start, from every scored administration). Who answers
changes over time (people who drop out stop answering), so later weeks describe those
still responding. Input frames must be the suppressed mart
(`Marts.score_trajectories`); the band's level is the snapshot's confidence_level, carried
in the frame (`confidence_of`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    ci_name,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    ordered_modes,
    require_suppressed,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.outcomes import SCORE_TRAJECTORIES as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import mode_style
from dashboards.view_state import ViewState

MART = "mart_score_trajectories"

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "instrument",
    "scale",
    "outcome_label",
    "treatment_week",
    "n_scores",
    "score_mean",
    "score_sd",
    "score_ci_low",
    "score_ci_high",
    "confidence_level",
)

FILLS = {
    "self_guided": "rgba(230,159,0,0.15)",
    "guided_asynchronous": "rgba(0,114,178,0.15)",
    "therapist_realtime": "rgba(0,158,115,0.15)",
    "in_person": "rgba(213,94,0,0.15)",
}
DASHES = {"self_guided": "dot", "guided_asynchronous": "solid", "therapist_realtime": "dashdot"}


def process_data(df: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Weekly rows of the outcome for each delivery mode in view, with `shown`."""
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None:
        raise ValueError("the trajectory chart needs an outcome")
    rows = df.filter(
        pl.col("unit_type") == "delivery_mode",
        pl.col("unit_id").is_in(list(filters.modes)),
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
    )
    return (
        with_unit_names(rows)
        .with_columns((~pl.col("score_mean" + SUPPRESSED_SUFFIX)).alias("shown"))
        .sort("unit_id", "treatment_week")
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """A line per mode through the weekly means, with a band for the CI."""
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        message = (
            "No delivery mode in view measures this outcome."
            if data.is_empty()
            else "Too few scores in any week to show."
        )
        return no_data_figure(message)
    ci = ci_name(confidence_of(data))
    figure = go.Figure()
    for mode in ordered_modes(shown["unit_id"].unique().to_list()):
        rows = shown.filter(pl.col("unit_id") == mode)
        style = mode_style(mode)
        weeks = rows["treatment_week"].to_list()
        figure.add_trace(
            go.Scatter(
                x=weeks + weeks[::-1],
                y=rows["score_ci_high"].to_list() + rows["score_ci_low"].to_list()[::-1],
                fill="toself",
                fillcolor=FILLS.get(mode, "rgba(0,0,0,0.1)"),
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{style.label}, {ci}",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=rows["score_mean"].to_list(),
                mode="lines+markers",
                name=style.label,
                line={"color": style.colour, "dash": DASHES.get(mode, "solid"), "width": 2},
                marker={"symbol": style.symbol, "size": 8, "color": style.colour},
                customdata=rows.select("score_ci_low", "score_ci_high", "n_scores").rows(),
                hovertemplate=(
                    f"<b>{style.label}</b><br>Week %{{x}}: mean %{{y:.1f}} "
                    f"({ci} %{{customdata[0]:.1f}} to %{{customdata[1]:.1f}})"
                    "<br>%{customdata[2]} scores<extra></extra>"
                ),
            )
        )
    figure.add_vline(x=0, line={"color": "#6c757d", "dash": "dot", "width": 1})
    figure.update_xaxes(title="Weeks since the episode start (negative: before it)")
    figure.update_yaxes(title="Mean score")
    first = data.row(0, named=True)
    better = "Higher" if first["higher_is_better"] else "Lower"
    return titled(
        figure,
        f"{first['outcome_label']} over the weeks of treatment",
        f"Mean score per week by delivery mode, with {ci}",
        f"{better} scores are better. Weeks with too few scores to show are left out; later "
        "weeks describe only the people still answering.",
        440,
    )


def summarise(data: pl.DataFrame) -> str:
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return (
            "No delivery mode in view measures this outcome."
            if data.is_empty()
            else "Too few scores in any week to show."
        )
    label = data["outcome_label"][0]
    items = []
    for mode in ordered_modes(shown["unit_id"].unique().to_list()):
        rows = shown.filter(pl.col("unit_id") == mode).sort("treatment_week")
        first, last = rows.row(0, named=True), rows.row(-1, named=True)
        items.append(
            f"{first['unit_name']} from {first['score_mean']:.1f} in week "
            f"{first['treatment_week']} to {last['score_mean']:.1f} in week "
            f"{last['treatment_week']} ({rows.height} weeks shown)"
        )
    return f"{label}, mean score over the weeks of treatment: " + "; ".join(items) + "."


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "Each point is the mean of every score recorded in that whole week since the "
        f"episode start (negative weeks are before it), with its {level(confidence)} "
        "confidence interval; one line per delivery mode in view. Session-by-session "
        "measures are included.",
        f"Source: the warehouse table {MART}, one row per reporting unit, outcome and week.",
        "Reading it: the people answering change from week to week, because those who drop "
        "out stop answering, so a falling line is not the change of one group of people.",
        f"Privacy: weeks with 1 to {rules.threshold - 1} scores are left out, and so are "
        "weeks hidden so that a small program cannot be worked out from its mode's total.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Delivery mode",
    "treatment_week": "Week",
    "n_scores": "Scores",
    "score_mean": "Mean",
    "score_ci_low": "CI low",
    "score_ci_high": "CI high",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"unit_name"}


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "score_ci_low", "score_ci_high")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules)
    return text.with_columns(pl.col("treatment_week").cast(pl.String)).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.MODES})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.score_trajectories(), view.state)
    return ChartData(data, data, headers=table_headers(configured_confidence(marts)))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
