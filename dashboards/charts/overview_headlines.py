"""Headline figures: programs reporting and episodes from referral to a paired outcome.

Reads `mart_overview_headlines` (one row for all iCBT programs and one per delivery
mode, in-person CBT included): programs registered, in development and reporting, and
episodes referred, started, completed and with a paired post-treatment outcome. Every
figure is a total the mart computes; the dashboard adds nothing up. Input frames must
be the suppressed mart (`Marts.overview_headlines`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    no_data_figure,
    require_suppressed,
    text_frame,
    titled,
    unit_name,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.overview import OVERVIEW_HEADLINES as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import DELIVERY_MODES, OKABE_ITO

MART = "mart_overview_headlines"
ALL_ICBT = "all_icbt"

# Count column -> (label, colour, bar pattern): patterns tell the bars apart without colour.
STAGES = {
    "n_referred": ("Referred", OKABE_ITO["sky_blue"], ""),
    "n_started": ("Started", OKABE_ITO["blue"], "."),
    "n_completed": ("Completed", OKABE_ITO["bluish_green"], "/"),
    "n_paired_post_treatment": ("With a post-treatment outcome", OKABE_ITO["orange"], "x"),
}

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "programs_registered",
    "programs_in_development",
    "programs_reporting",
    *STAGES,
)


def process_data(df: pl.DataFrame) -> pl.DataFrame:
    """All iCBT first, then the iCBT delivery modes, then in-person CBT (the comparator)."""
    require_suppressed(df, SUPPRESSION)
    order = {ALL_ICBT: -1, **{mode: i for i, mode in enumerate(DELIVERY_MODES)}}
    names = [
        unit_name(kind, unit, label)
        for kind, unit, label in df.select("unit_type", "unit_id", "unit_label").rows()
    ]
    return (
        df.with_columns(
            pl.Series("name", names, dtype=pl.String),
            pl.col("unit_id").replace_strict(order, default=len(order)).alias("_order"),
        )
        .sort("_order")
        .drop("_order")
    )


def _count_text(row: dict, column: str, rules: SuppressionRules) -> str:
    if row[column + SUPPRESSED_SUFFIX]:
        return rules.small_label if row[column + SMALL_SUFFIX] else rules.suppressed_label
    return MISSING if row[column] is None else f"{row[column]:,}"


def headline_items(data: pl.DataFrame, rules: SuppressionRules) -> list[tuple[str, str]]:
    """The all-iCBT figures as (label, text) pairs, suppression labels in place."""
    rows = data.filter(pl.col("unit_type") == ALL_ICBT)
    if rows.is_empty():
        return []
    row = rows.row(0, named=True)
    items = [
        (
            "iCBT programs reporting",
            f"{row['programs_reporting']} of {row['programs_registered']}",
        )
    ]
    items += [(label, _count_text(row, column, rules)) for column, (label, _, _) in STAGES.items()]
    return items


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Grouped horizontal bars: each unit's referred, started, completed and paired episodes."""
    if data.is_empty():
        return no_data_figure("No episodes have been published yet.")
    figure = go.Figure()
    for column, (label, colour, pattern) in STAGES.items():
        figure.add_trace(
            go.Bar(
                x=data[column].to_list(),
                y=data["name"].to_list(),
                orientation="h",
                name=label,
                marker={"color": colour, "pattern": {"shape": pattern}},
                hovertemplate=f"<b>%{{y}}</b><br>{label}: %{{x:,}}<extra></extra>",
            )
        )
    figure.update_layout(barmode="group", bargap=0.25)
    figure.update_xaxes(title="Episodes")
    figure.update_yaxes(
        categoryorder="array", categoryarray=data["name"].to_list(), autorange="reversed"
    )
    hidden = [
        f"{row['name']} ({STAGES[c][0].lower()})"
        for row in data.iter_rows(named=True)
        for c in STAGES
        if row[c + SUPPRESSED_SUFFIX]
    ]
    footer = "In-person CBT is the comparator and is not part of all iCBT programs." + (
        " Not shown (too few to show safely): " + "; ".join(hidden) + "." if hidden else ""
    )
    return titled(
        figure,
        "Episodes so far",
        "From referral to a paired post-treatment outcome, all referral periods",
        footer,
        240 + 90 * data.height,
    )


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    if data.is_empty():
        return "No episodes have been published yet."
    parts = []
    for row in data.iter_rows(named=True):
        counts = ", ".join(
            f"{_count_text(row, column, rules)} {label.lower()}"
            for column, (label, _, _) in STAGES.items()
        )
        parts.append(
            f"{row['name']} ({row['programs_reporting']} of {row['programs_registered']} "
            f"programs reporting): {counts}"
        )
    return "Episodes so far: " + "; ".join(parts) + "."


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Programs registered, in development and reporting (with at least one episode), and "
        "episodes referred, started and discharged as completed over every referral period, "
        "with the episodes that have a baseline and a post-treatment score on at least one "
        "outcome: the episodes a post-treatment comparison can use.",
        f"Source: the warehouse table {MART}, whose funnel counts are the all-periods row "
        "of mart_engagement_funnel (the Engagement page).",
        f"Privacy: counts of 1 to {rules.threshold - 1} are shown as "
        f"{rules.small_label}; a count hidden on the Engagement page is hidden here too, "
        "and delivery modes are protected within the all-iCBT total.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "name": "Unit",
    "programs_registered": "Programs",
    "programs_in_development": "In development",
    "programs_reporting": "Reporting",
    **{column: label for column, (label, _, _) in STAGES.items()},
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"name"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules).select(
        "name",
        *[pl.col(c).cast(pl.String) for c in list(TABLE_HEADERS)[1:4]],
        *STAGES,
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset()


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.overview_headlines()))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot, view.rules))
