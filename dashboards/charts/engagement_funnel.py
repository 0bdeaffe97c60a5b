"""The engagement funnel of one reporting unit: referred, enrolled, started, half, completed.

Reads `mart_engagement_funnel` (one row per reporting unit and period; the stages are
cumulative counts of referred episodes). NHS Talking Therapies and routine-care iCBT
reports show attrition beside outcomes because a good mean change among the few who
finish says little if most never start. Input frames must be the suppressed mart
(`Marts.engagement_funnel`).
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
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.engagement import FUNNEL as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import ALL_PERIODS, Unit

MART = "mart_engagement_funnel"

STAGES = {
    "n_referred": "Referred",
    "n_enrolled": "Enrolled",
    "n_started": "Started",
    "n_half_modules": "Half the modules",
    "n_completed": "Completed",
}

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "period",
    *STAGES,
    "n_started_and_ended",
    "completion_rate",
)


def period_label(period: str) -> str:
    return "all referrals" if period == ALL_PERIODS else f"referrals in {period}"


def process_data(df: pl.DataFrame, unit: Unit, period: str) -> pl.DataFrame:
    """One row per stage of the unit's funnel for the period, in funnel order.

    Columns: stage, label, count (null when hidden), small (below the threshold) and
    hidden flags, plus the unit's name, period and published completion rate.
    """
    require_suppressed(df, SUPPRESSION)
    rows = with_unit_names(df.filter(of_unit(unit), pl.col("period") == period))
    if rows.is_empty():
        return pl.DataFrame(
            schema={
                "stage": pl.String,
                "label": pl.String,
                "count": pl.Int64,
                "small": pl.Boolean,
                "hidden": pl.Boolean,
                "unit_name": pl.String,
                "period": pl.String,
                "completion_rate": pl.Float64,
                "n_started_and_ended": pl.Int64,
            }
        )
    row = rows.row(0, named=True)
    return pl.DataFrame(
        [
            {
                "stage": stage,
                "label": label,
                "count": row[stage],
                "small": row[stage + SMALL_SUFFIX],
                "hidden": row[stage + SUPPRESSED_SUFFIX],
                "unit_name": row["unit_name"],
                "period": period,
                "completion_rate": row["completion_rate"],
                "n_started_and_ended": row["n_started_and_ended"],
            }
            for stage, label in STAGES.items()
        ],
        schema_overrides={"count": pl.Int64, "n_started_and_ended": pl.Int64},
    )


def _count_text(row: dict, rules: SuppressionRules) -> str:
    if row["hidden"]:
        return rules.small_label if row["small"] else rules.suppressed_label
    return f"{row['count']:,}"


def create_figure(data: pl.DataFrame, rules: SuppressionRules) -> go.Figure:
    """Horizontal bars, one per stage from referral down to completion."""
    if data.is_empty():
        return no_data_figure("No referrals for this unit and period.")
    shown = data.filter(~pl.col("hidden"))
    if shown.is_empty():
        return no_data_figure("Every stage of this funnel is too small to show.")
    texts = [_count_text(row, rules) for row in data.iter_rows(named=True)]
    figure = go.Figure(
        go.Bar(
            x=[0 if hidden else count for count, hidden in data.select("count", "hidden").rows()],
            y=data["label"].to_list(),
            orientation="h",
            text=texts,
            textposition="outside",
            cliponaxis=False,
            marker={"color": OKABE_ITO["blue"]},
            hovertemplate="<b>%{y}</b>: %{text} episodes<extra></extra>",
            name="Episodes",
        )
    )
    figure.update_yaxes(categoryorder="array", categoryarray=list(STAGES.values()))
    figure.update_yaxes(autorange="reversed", title=None)
    figure.update_xaxes(title="Episodes", rangemode="tozero")
    figure.update_layout(showlegend=False)
    first = data.row(0, named=True)
    return titled(
        figure,
        f"Engagement funnel: {first['unit_name']}",
        f"Episodes reaching each stage, {period_label(first['period'])}",
        _hidden_note(data, rules),
        340,
    )


def _hidden_note(data: pl.DataFrame, rules: SuppressionRules) -> str:
    hidden = data.filter(pl.col("hidden"))
    if hidden.is_empty():
        return ""
    labels = ", ".join(hidden["label"].str.to_lowercase().to_list())
    return (
        f"Not shown ({rules.small_label} or {rules.suppressed_label}): {labels}; too small to "
        "show, or hidden so that a small count cannot be worked out from a total."
    )


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    """The funnel in words, with the published completion rate."""
    if data.is_empty():
        return "No referrals for this unit and period."
    first = data.row(0, named=True)
    stages = "; ".join(
        f"{row['label'].lower()} {_count_text(row, rules)}" for row in data.iter_rows(named=True)
    )
    sentences = [f"{first['unit_name']}, {period_label(first['period'])}: {stages}."]
    if first["completion_rate"] is not None:
        sentences.append(
            f"{percent(first['completion_rate'])} of started episodes that have ended "
            "were completed."
        )
    sentences.append(_hidden_note(data, rules))
    return " ".join(s for s in sentences if s)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each bar counts referred episodes that reached a stage: enrolled, started (a "
        "first module or session), completed at least half the planned modules or "
        "sessions, and discharged as completed. Stages are cumulative, so each bar is "
        "part of the one above.",
        f"Source: the warehouse table {MART}, one row per reporting unit and referral "
        "quarter. The completion rate is the mart's: completed among started episodes "
        "that have ended (ongoing episodes are left out).",
        f"Privacy: counts from 1 to {rules.threshold - 1} are shown as {rules.small_label}. "
        "Delivery-mode and all-iCBT funnels are totals of program funnels, so when one "
        "program of a mode is hidden the next-smallest is hidden too. Referral quarters "
        "are shown for delivery modes and all iCBT only.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "unit_name": "Unit",
    "period": "Period",
    **{stage: label for stage, label in STAGES.items()},
    "n_started_and_ended": "Started and ended",
    "completion_rate": "Completion rate",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"unit_name", "period"}


def unit_rows(df: pl.DataFrame, unit: Unit, period: str) -> pl.DataFrame:
    """The unit's suppressed mart row for the period (what the table and CSV show)."""
    require_suppressed(df, SUPPRESSION)
    return with_unit_names(df.filter(of_unit(unit), pl.col("period") == period))


def table_frame(rows: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(rows, SUPPRESSION, rules, list(TABLE_HEADERS), percents=("completion_rate",))


def csv_frame(rows: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(rows, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT, Control.PERIOD})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData(
        process_data(marts.engagement_funnel(), view.unit, view.state.period),
        unit_rows(marts.engagement_funnel(), view.unit, view.state.period),
    )


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot, view.rules), summarise(data.plot, view.rules))
