"""Reach, engagement and outcomes by group (age band, sex, rurality, language) for a unit.

Reads `mart_equity` (one row per reporting unit, equity dimension and group): the share
of the unit's referrals, the completion rate, the mean PHQ-9 change with its CI and
the NHS Talking Therapies recovery rate. NHS Talking Therapies and the RCPsych Mental
Health Watch show the same breakdowns to find groups served worse. The numbers are
unadjusted: a gap between groups can reflect case mix rather than the program. Input
frames must be the suppressed mart (`Marts.equity`); the CI's level is the snapshot's
confidence_level (ref_effectiveness_thresholds).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from dashboards.charts.common import (
    MISSING,
    ci_text,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    of_unit,
    percent,
    points,
    require_suppressed,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.engagement import EQUITY as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import Unit

MART = "mart_equity"

DIMENSIONS = {
    "age_band": "Age band",
    "sex": "Sex",
    "rurality": "Rurality",
    "language": "Language",
}
GROUP_LABELS = {"en": "English", "fr": "French", "not_stated": "Not stated"}

# Measure -> (panel title, the count whose smallness labels it, colour).
MEASURES = {
    "share_of_referrals": ("Share of referrals", "n_referred", OKABE_ITO["blue"]),
    "completion_rate": ("Completion rate", "n_started_and_ended", OKABE_ITO["bluish_green"]),
    "phq9_mean_change": ("PHQ-9 change (points)", "phq9_n_paired", OKABE_ITO["orange"]),
    "recovery_rate": ("Recovery rate", "n_case_at_start", OKABE_ITO["reddish_purple"]),
}

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "dimension",
    "group_value",
    "n_referred",
    "share_of_referrals",
    "n_started",
    "n_started_and_ended",
    "n_completed",
    "completion_rate",
    "phq9_n_paired",
    "phq9_mean_change",
    "phq9_change_ci_low",
    "phq9_change_ci_high",
    "confidence_level",
    "phq9_reliable_improvement_rate",
    "n_case_at_start",
    "n_recovered",
    "recovery_rate",
)


def dimension_label(dimension: str) -> str:
    return DIMENSIONS.get(dimension, dimension.replace("_", " ").capitalize())


def group_label(value: str) -> str:
    return GROUP_LABELS.get(value, value.replace("_", " ").capitalize())


def process_data(df: pl.DataFrame, unit: Unit, dimension: str) -> pl.DataFrame:
    """One row per group of the dimension for the unit, in the mart's group order."""
    require_suppressed(df, SUPPRESSION)
    rows = df.filter(of_unit(unit), pl.col("dimension") == dimension)
    return with_unit_names(rows).with_columns(
        pl.col("group_value").map_elements(group_label, return_dtype=pl.String).alias("group")
    )


def hidden_label(row: dict, measure: str, rules: SuppressionRules) -> str | None:
    """The label of a hidden measure ("<5" when its count is small), None when shown."""
    if not row[measure + SUPPRESSED_SUFFIX]:
        return None
    count = MEASURES[measure][1]
    return rules.small_label if row.get(count + SMALL_SUFFIX) else rules.suppressed_label


def create_figure(data: pl.DataFrame, rules: SuppressionRules) -> go.Figure:
    """Four panels sharing the groups: referral share, completion, PHQ-9 change, recovery."""
    if data.is_empty():
        return no_data_figure("No referrals for this unit.")
    groups = data["group"].to_list()
    figure = make_subplots(
        rows=1,
        cols=len(MEASURES),
        shared_yaxes=True,
        horizontal_spacing=0.04,
        subplot_titles=[title for title, _, _ in MEASURES.values()],
    )
    rows = list(data.iter_rows(named=True))
    for column, (measure, (title, _, colour)) in enumerate(MEASURES.items(), start=1):
        labels = [hidden_label(row, measure, rules) for row in rows]
        values = [None if label else row[measure] for row, label in zip(rows, labels, strict=True)]
        if measure == "phq9_mean_change":
            figure.add_trace(
                go.Scatter(
                    x=values,
                    y=groups,
                    mode="markers+text",
                    text=[label or "" for label in labels],
                    textposition="middle right",
                    marker={"color": colour, "size": 11, "symbol": "diamond"},
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": [
                            None if v is None else row["phq9_change_ci_high"] - v
                            for row, v in zip(rows, values, strict=True)
                        ],
                        "arrayminus": [
                            None if v is None else v - row["phq9_change_ci_low"]
                            for row, v in zip(rows, values, strict=True)
                        ],
                        "color": colour,
                    },
                    name=title,
                    hovertemplate="<b>%{y}</b><br>PHQ-9 change %{x:.1f}<extra></extra>",
                ),
                row=1,
                col=column,
            )
            figure.add_vline(x=0, line={"color": "#212529", "width": 1}, row=1, col=column)
            continue
        figure.add_trace(
            go.Bar(
                x=[0 if v is None else v for v in values],
                y=groups,
                orientation="h",
                text=[label or percent(v) for label, v in zip(labels, values, strict=True)],
                textposition="outside",
                cliponaxis=False,
                marker={"color": colour},
                name=title,
                hovertemplate=f"<b>%{{y}}</b><br>{title}: %{{text}}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        figure.update_xaxes(tickformat=".0%", range=[0, 1.15], row=1, col=column)
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=groups)
    figure.update_layout(showlegend=False)
    first = data.row(0, named=True)
    return titled(
        figure,
        f"By {dimension_label(first['dimension']).lower()}: {first['unit_name']}",
        "Unadjusted: differences between groups can reflect who is referred, not the program",
        f"{rules.small_label}: too few people to show; {rules.suppressed_label}: hidden so "
        "that a small group cannot be worked out from a total. PHQ-9: lower is better.",
        220 + 44 * data.height,
    )


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    if data.is_empty():
        return "No referrals for this unit."
    first = data.row(0, named=True)
    items = []
    for row in data.iter_rows(named=True):
        parts = []
        for measure, (title, _, _) in MEASURES.items():
            label = hidden_label(row, measure, rules)
            if label:
                text = "not shown"
            elif row[measure] is None:
                text = "none"
            elif measure == "phq9_mean_change":
                text = f"{points(row[measure])} points"
            else:
                text = percent(row[measure])
            parts.append(f"{title.split(' (')[0].lower()} {text}")
        items.append(f"{row['group']}: " + ", ".join(parts))
    return (
        f"{first['unit_name']} by {dimension_label(first['dimension']).lower()}, unadjusted: "
        + "; ".join(items)
        + "."
    )


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "For each group: its share of the unit's referrals; the completion rate (completed "
        "among started episodes that have ended); the mean change in PHQ-9 depression from "
        f"baseline to post-treatment with its {level(confidence)} confidence interval; and "
        "NHS Talking Therapies recovery (at caseness on PHQ-9 or GAD-7 at the start, below "
        "both at the end) among those at caseness.",
        f"Source: the warehouse table {MART}, one row per reporting unit, dimension and group.",
        "Unadjusted: no group is compared with another at the same severity, age or "
        "program, so a gap is a prompt to look closer, not a finding.",
        f"Privacy: counts from 1 to {rules.threshold - 1} are shown as {rules.small_label}. "
        "Groups add up to the unit's totals on the Engagement page, and programs to their "
        f"delivery mode, so further cells are hidden ({rules.suppressed_label}) where a "
        "total would otherwise reveal a small one.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "group": "Group",
    "n_referred": "Referred",
    "share_of_referrals": "Share of referrals",
    "n_started_and_ended": "Started and ended",
    "completion_rate": "Completion rate",
    "phq9_n_paired": "PHQ-9 paired n",
    "phq9_mean_change": "PHQ-9 change",
    "phq9_ci": "CI",
    "n_case_at_start": "At caseness",
    "recovery_rate": "Recovery rate",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"group"}


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "phq9_ci")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(
        data,
        SUPPRESSION,
        rules,
        percents=("share_of_referrals", "completion_rate", "recovery_rate"),
    )
    markers = [rules.small_label, rules.suppressed_label, MISSING]
    ci = [
        ci_text(low, high, markers)
        for low, high in text.select("phq9_change_ci_low", "phq9_change_ci_high").iter_rows()
    ]
    return text.with_columns(pl.Series("phq9_ci", ci, dtype=pl.String)).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT, Control.DIMENSION})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.equity(), view.unit, str(view.state.dimension))
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot, view.rules), summarise(data.plot, view.rules))
