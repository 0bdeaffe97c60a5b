"""Time to dropout: the Kaplan-Meier share not yet dropped out, week by week, with its CI.

Reads `mart_dropout_survival` (one row per reporting unit and week; dropout is the event,
completion and other discharges are censored). The chosen unit is drawn with the
in-person CBT delivery mode as a reference, since in-person CBT is the comparator the
observatory exists for. A curve stops where fewer than the suppression threshold remain
at risk. Input frames must be the suppressed mart (`Marts.dropout_survival`); the band's
level is the snapshot's confidence_level, carried in the frame (`confidence_of`).
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
    of_unit,
    percent,
    require_suppressed,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.engagement import DROPOUT_SURVIVAL as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import Unit

MART = "mart_dropout_survival"
REFERENCE = Unit("delivery_mode", "in_person")

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "week",
    "n_started",
    "n_at_risk",
    "n_dropouts",
    "share_not_dropped_out",
    "share_ci_low",
    "share_ci_high",
    "confidence_level",
)

# The chosen unit in blue, the reference in vermillion and dashed (not colour alone).
STYLES = {
    "focal": {"colour": OKABE_ITO["blue"], "dash": "solid", "fill": "rgba(0,114,178,0.18)"},
    "reference": {"colour": OKABE_ITO["vermillion"], "dash": "dash", "fill": "rgba(213,94,0,0.14)"},
}


def process_data(df: pl.DataFrame, unit: Unit) -> pl.DataFrame:
    """Weekly rows of the unit and, unless it is the reference, of in-person CBT.

    Adds `role` (focal or reference), `unit_name` and `shown` (the estimate can be drawn).
    """
    require_suppressed(df, SUPPRESSION)
    units = [unit] if unit == REFERENCE else [unit, REFERENCE]
    parts = [
        df.filter(of_unit(u)).with_columns(pl.lit(role).alias("role"))
        for u, role in zip(units, ("focal", "reference"), strict=False)
    ]
    return (
        with_unit_names(pl.concat(parts))
        .with_columns(
            (
                ~pl.col("share_not_dropped_out" + SUPPRESSED_SUFFIX)
                & pl.col("share_not_dropped_out").is_not_null()
            ).alias("shown")
        )
        .sort("role", "week")
    )


def steps(weeks: list[int], values: list[float]) -> tuple[list[float], list[float]]:
    """A step function as plain points: each value holds from its week to the next."""
    xs: list[float] = []
    ys: list[float] = []
    for i, (week, value) in enumerate(zip(weeks, values, strict=True)):
        end = weeks[i + 1] if i + 1 < len(weeks) else week
        xs += [week, end]
        ys += [value, value]
    return xs, ys


def create_figure(data: pl.DataFrame) -> go.Figure:
    """A step curve per unit with its confidence band, up to the last week shown."""
    focal = data.filter(pl.col("role") == "focal")
    if focal.is_empty():
        return no_data_figure("No started episodes for this unit.")
    if not focal["shown"].any():
        return no_data_figure("Too few started episodes to show a dropout curve.")
    ci = ci_name(confidence_of(data))
    figure = go.Figure()
    for role in ("focal", "reference"):
        rows = data.filter(pl.col("role") == role, pl.col("shown"))
        if rows.is_empty():
            continue
        style = STYLES[role]
        name = rows["unit_name"][0]
        weeks = rows["week"].to_list()
        low = rows["share_ci_low"].fill_null(rows["share_not_dropped_out"]).to_list()
        high = rows["share_ci_high"].fill_null(rows["share_not_dropped_out"]).to_list()
        band_x, band_high = steps(weeks, high)
        _, band_low = steps(weeks, low)
        figure.add_trace(
            go.Scatter(
                x=band_x + band_x[::-1],
                y=band_high + band_low[::-1],
                fill="toself",
                fillcolor=style["fill"],
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                name=f"{name}, {ci}",
            )
        )
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=rows["share_not_dropped_out"].to_list(),
                mode="lines",
                line={"color": style["colour"], "dash": style["dash"], "shape": "hv", "width": 3},
                name=name,
                customdata=rows.select("n_at_risk", "share_ci_low", "share_ci_high").rows(),
                hovertemplate=(
                    f"<b>{name}</b><br>Week %{{x}}: %{{y:.0%}} not dropped out"
                    "<br>%{customdata[0]} at risk<extra></extra>"
                ),
            )
        )
    figure.update_yaxes(title="Share not dropped out", tickformat=".0%", range=[0, 1.02])
    figure.update_xaxes(title="Weeks since the first module or session", rangemode="tozero")
    return titled(
        figure,
        f"Time to dropout: {focal['unit_name'][0]}",
        f"Kaplan-Meier share of started episodes not yet dropped out, with {ci}",
        "Each curve stops at the last week with enough episodes still at risk to show.",
        420,
    )


def _last_shown(rows: pl.DataFrame) -> dict | None:
    shown = rows.filter(pl.col("shown"))
    return shown.row(-1, named=True) if shown.height else None


def summarise(data: pl.DataFrame) -> str:
    focal = data.filter(pl.col("role") == "focal")
    if focal.is_empty():
        return "No started episodes for this unit."
    ci_label = ci_name(confidence_of(data))
    sentences = []
    for role in ("focal", "reference"):
        rows = data.filter(pl.col("role") == role)
        if rows.is_empty():
            continue
        last = _last_shown(rows)
        name = rows["unit_name"][0]
        if last is None:
            sentences.append(f"{name}: too few started episodes to show a dropout curve.")
            continue
        ci = (
            f" ({ci_label} {percent(last['share_ci_low'])} to {percent(last['share_ci_high'])})"
            if last["share_ci_low"] is not None
            else ""
        )
        sentences.append(
            f"{name}: {percent(last['share_not_dropped_out'])}{ci} of started episodes had "
            f"not dropped out by week {last['week']}, the last week with enough episodes at "
            f"risk to show ({last['n_at_risk']} at risk)."
        )
    return " ".join(sentences)


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "The line is the Kaplan-Meier estimate of the share of started episodes that have "
        "not dropped out by the end of each week since the first module or session; the "
        f"band is its {level(confidence)} confidence interval (Greenwood, log-log; the level "
        "is the configured confidence_level of ref_effectiveness_thresholds). Completion, other "
        "discharges and episodes still in treatment are censored, not counted as dropout. "
        "In-person CBT (dashed) is drawn as the reference.",
        f"Source: the warehouse table {MART}, one row per reporting unit and week.",
        f"Privacy: a curve is drawn only for weeks with at least {rules.threshold} episodes "
        "at risk, and not at all for a unit whose number of started episodes is hidden "
        "(the number at risk at week 0 is that number). Weekly dropout counts from 1 to "
        f"{rules.threshold - 1} are shown as {rules.small_label} in the table.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Unit",
    "week": "Week",
    "n_at_risk": "At risk",
    "n_dropouts": "Dropped out",
    "share_not_dropped_out": "Not dropped out",
    "share_ci_low": "CI low",
    "share_ci_high": "CI high",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"unit_name"}
SHARES = ("share_not_dropped_out", "share_ci_low", "share_ci_high")


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "share_ci_low", "share_ci_high")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=SHARES)
    return text.with_columns(pl.col("week").cast(pl.String)).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.dropout_survival(), view.unit)
    return ChartData(data, data, headers=table_headers(configured_confidence(marts)))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
