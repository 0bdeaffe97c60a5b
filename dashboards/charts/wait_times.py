"""Wait from referral to the first module or session, against waiting-time standards.

Reads `mart_wait_times` (one row per reporting unit, period and standard of
ref_waiting_time_standards: the share of started episodes that started within the
standard's days, beside its target share). NHS Talking Therapies reports the same pair
of standards (config/engagement.yaml `waiting_time_standards`, with their sources); the
labels are built from the days the mart holds. Input frames must be the suppressed mart
(`Marts.wait_times`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    no_data_figure,
    of_unit,
    percent,
    require_suppressed,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.engagement_funnel import period_label
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.engagement import WAIT_TIMES as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import Unit

MART = "mart_wait_times"

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "period",
    "standard",
    "standard_days",
    "target_share",
    "n_started",
    "n_within_standard",
    "share_within_standard",
    "wait_days_p25",
    "wait_days_median",
    "wait_days_p75",
)


def standard_label(days: int) -> str:
    """ "Within 6 weeks (42 days)"; days that are not whole weeks stay in days."""
    if days % 7 == 0:
        return f"Within {days // 7} weeks ({days} days)"
    return f"Within {days} days"


def process_data(df: pl.DataFrame, unit: Unit, period: str) -> pl.DataFrame:
    """One row per standard for the unit and period, shortest standard first."""
    require_suppressed(df, SUPPRESSION)
    rows = with_unit_names(df.filter(of_unit(unit), pl.col("period") == period))
    return rows.with_columns(
        pl.col("standard_days")
        .map_elements(standard_label, return_dtype=pl.String)
        .alias("standard_label"),
        (~pl.col("share_within_standard" + SUPPRESSED_SUFFIX)).alias("shown"),
    ).sort("standard_days")


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Bars of the share within each standard, with the target as a marked line."""
    if data.is_empty():
        return no_data_figure("No started episodes for this unit and period.")
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return no_data_figure("Too few started episodes to show waiting times.")
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=shown["share_within_standard"].to_list(),
            y=shown["standard_label"].to_list(),
            orientation="h",
            name="Started within the standard",
            marker={"color": OKABE_ITO["blue"]},
            text=[percent(v) for v in shown["share_within_standard"].to_list()],
            textposition="inside",
            insidetextanchor="end",
            hovertemplate="<b>%{y}</b><br>%{x:.0%} started within the standard<extra></extra>",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=shown["target_share"].to_list(),
            y=shown["standard_label"].to_list(),
            mode="markers",
            name="Target",
            marker={
                "symbol": "line-ns",
                "size": 40,
                "line": {"width": 4, "color": OKABE_ITO["vermillion"]},
            },
            hovertemplate="<b>%{y}</b><br>Target %{x:.0%}<extra></extra>",
        )
    )
    figure.update_xaxes(title="Share of started episodes", tickformat=".0%", range=[0, 1.05])
    figure.update_yaxes(autorange="reversed", title=None)
    first = shown.row(0, named=True)
    return titled(
        figure,
        f"Wait from referral to start: {first['unit_name']}",
        f"Share starting within each waiting-time standard, {period_label(first['period'])}",
        f"Median wait {first['wait_days_median']:.0f} days (interquartile range "
        f"{first['wait_days_p25']:.0f} to {first['wait_days_p75']:.0f}).",
        300,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No started episodes for this unit and period."
    shown = data.filter(pl.col("shown"))
    first = data.row(0, named=True)
    if shown.is_empty():
        return f"{first['unit_name']}: too few started episodes to show waiting times."
    row = shown.row(0, named=True)
    items = [
        f"{percent(r['share_within_standard'])} started {r['standard_label'].lower()} "
        f"(target {percent(r['target_share'])}, "
        f"{'met' if r['share_within_standard'] >= r['target_share'] else 'not met'})"
        for r in shown.iter_rows(named=True)
    ]
    return (
        f"{first['unit_name']}, {period_label(first['period'])}: median wait from referral "
        f"to start {row['wait_days_median']:.0f} days (interquartile range "
        f"{row['wait_days_p25']:.0f} to {row['wait_days_p75']:.0f}); " + "; ".join(items) + "."
    )


def about(
    rules: SuppressionRules, mart_comment: str | None, sources: list[str] | None = None
) -> list[str]:
    paragraphs = [
        "Bars show the share of started episodes whose first module or session came within "
        "each waiting-time standard's number of days from referral; the vertical mark is the "
        "standard's target share. Episodes that never started are not included.",
        f"Source: the warehouse table {MART}, one row per reporting unit, referral quarter "
        "and standard; the standards come from ref_waiting_time_standards.",
        f"Privacy: a unit with 1 to {rules.threshold - 1} started episodes is not shown, and "
        "neither is one whose number of started episodes the Engagement funnel hides.",
    ]
    paragraphs += [f"Standard: {source}" for source in sources or []]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "standard_label": "Standard",
    "target_share": "Target",
    "n_started": "Started",
    "n_within_standard": "Within standard",
    "share_within_standard": "Share within",
    "wait_days_median": "Median days",
    "wait_days_p25": "25th percentile",
    "wait_days_p75": "75th percentile",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"standard_label"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=("share_within_standard",))
    return text.with_columns(
        pl.col("target_share").map_elements(percent, return_dtype=pl.String)
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT, Control.PERIOD})


def describe(marts: Marts) -> list[str]:
    standards = (
        marts.wait_times().select("standard_days", "standard_source").unique().sort("standard_days")
    )
    sources = [f"{standard_label(days)}: {source}" for days, source in standards.rows() if source]
    return about(marts.rules, marts.comment(MART), sources)


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.wait_times(), view.unit, view.state.period))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
