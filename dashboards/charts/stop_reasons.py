"""Why patients stop: contract v2 reasons for stopping, by group, for one reporting unit.

Reads `mart_stop_reasons` (one row per reporting unit, breakdown, group and reason, of
the episodes that ended dropped out or not started). The HTA's Environmental Scan named
barriers (technology problems, no device or connection, preferring in-person care,
privacy); a heatmap of each reason's share of recorded reasons per age band, rurality
and language shows which groups they cost their treatment. Only contract v2 episodes
carry a reason, so the chart says how many programs and episodes it rests on. Input
frames must be the suppressed mart (`Marts.stop_reasons`).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    no_data_figure,
    of_unit,
    percent,
    require_suppressed,
    rests_on,
    text_frame,
    titled,
    with_unit_names,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.context import STOP_REASONS as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.view_state import Unit

MART = "mart_stop_reasons"

# Contract v2 stop_reason codes (contracts/v2/episodes.schema.json) in words; the
# barriers the Environmental Scan named come first.
REASONS = {
    "technology_problems": "Technology problems",
    "no_device_or_connection": "No device or connection",
    "preferred_in_person": "Preferred in-person care",
    "privacy_concerns": "Privacy concerns",
    "too_busy": "Too busy",
    "felt_better": "Felt better",
    "symptoms_worse": "Symptoms worse",
    "other": "Other",
}
NOT_RECORDED = "not_recorded"
BARRIERS = (
    "technology_problems",
    "no_device_or_connection",
    "preferred_in_person",
    "privacy_concerns",
)

# Breakdowns of the mart, in the order the heatmap lists them.
BREAKDOWNS = {
    "all": "All",
    "age_band": "Age",
    "rurality": "Rurality",
    "language": "Language",
    "age_band_by_rurality": "Age and rurality",
}

# Top margin (px) that fits the title, subtitle and the slanted reason names.
TOP_MARGIN = 220

CSV_COLUMNS = (
    "unit_type",
    "unit_id",
    "unit_label",
    "delivery_mode",
    "breakdown",
    "group_value",
    "stop_reason",
    "n_stopped",
    "n_not_started",
    "n_dropped_out",
    "n_stopped_in_group",
    "n_recorded_in_group",
    "share_of_recorded",
    "n_programs",
    "n_v2_episodes",
)


def _group_label(breakdown: str, group: str) -> str:
    return "All stopped early" if breakdown == "all" else f"{BREAKDOWNS[breakdown]}: {group}"


def process_data(
    df: pl.DataFrame, unit: Unit, breakdowns: Sequence[str] = tuple(BREAKDOWNS)
) -> pl.DataFrame:
    """The unit's rows of the `breakdowns`, one per group and reason, in breakdown, group
    and reason order."""
    require_suppressed(df, SUPPRESSION)
    rows = df.filter(of_unit(unit), pl.col("breakdown").is_in(list(breakdowns)))
    order = {**{r: i for i, r in enumerate(REASONS)}, NOT_RECORDED: len(REASONS)}
    breakdowns = {b: i for i, b in enumerate(BREAKDOWNS)}
    return (
        with_unit_names(rows)
        .with_columns(
            pl.struct("breakdown", "group_value")
            .map_elements(
                lambda g: _group_label(g["breakdown"], g["group_value"]), return_dtype=pl.String
            )
            .alias("group_label"),
            pl.col("stop_reason")
            .replace_strict({**REASONS, NOT_RECORDED: "Not recorded"}, default=None)
            .fill_null(pl.col("stop_reason"))
            .alias("reason_label"),
            (
                ~pl.col("share_of_recorded" + SUPPRESSED_SUFFIX)
                & pl.col("share_of_recorded").is_not_null()
            ).alias("shown"),
            pl.col("breakdown").replace_strict(breakdowns).alias("_breakdown_order"),
            pl.col("stop_reason").replace_strict(order, default=len(order)).alias("_reason_order"),
        )
        .sort("_breakdown_order", "group_value", "_reason_order")
        .drop("_breakdown_order", "_reason_order")
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Heatmap of each reason's share of recorded reasons (columns) per group (rows)."""
    if data.is_empty():
        return no_data_figure("No contract v2 episodes that stopped early for this unit.")
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return no_data_figure("Too few recorded reasons for stopping to show.")
    groups = shown["group_label"].unique(maintain_order=True).to_list()
    reasons = [r for r in REASONS if r in set(shown["stop_reason"])]
    share = {
        (g, r): s
        for g, r, s in shown.select("group_label", "stop_reason", "share_of_recorded").rows()
    }
    z = [[share.get((g, r)) for r in reasons] for g in groups]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=[REASONS[r] for r in reasons],
            y=groups,
            text=[[percent(v) if v is not None else "" for v in row] for row in z],
            texttemplate="%{text}",
            colorscale="Blues",
            zmin=0,
            zmax=1,
            colorbar={"title": "Share", "tickformat": ".0%"},
            hovertemplate="<b>%{y}</b><br>%{x}: %{z:.0%} of recorded reasons<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    figure.update_yaxes(autorange="reversed", title=None)
    figure.update_xaxes(title=None, side="top", tickangle=-30)
    titled(
        figure,
        f"Why patients stop: {data['unit_name'][0]}",
        "Share of recorded reasons for stopping, by group (contract v2 episodes)",
        _rests_on(data) + " Blank cells are hidden to protect privacy or have no episodes.",
        TOP_MARGIN + 130 + 24 * len(groups),
    )
    # Room above the grid for the slanted reason names under the subtitle.
    figure.update_layout(margin={"t": TOP_MARGIN})
    return figure


def _rests_on(data: pl.DataFrame) -> str:
    """ "Rests on 3 programs and 1,200 contract v2 episodes." from the unit's all row."""
    total = data.filter(pl.col("breakdown") == "all")
    if total.is_empty():
        return ""
    row = total.row(0, named=True)
    return rests_on(row["n_programs"], row["n_v2_episodes"], "contract v2 episodes")


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No contract v2 episodes that stopped early for this unit."
    name = data["unit_name"][0]
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return f"{name}: too few recorded reasons for stopping to show. {_rests_on(data)}"
    parts = [f"{name}: {_rests_on(data)}"]
    overall = shown.filter(pl.col("breakdown") == "all").sort("share_of_recorded", descending=True)
    if not overall.is_empty():
        top = overall.row(0, named=True)
        parts.append(
            f"The most common recorded reason is {top['reason_label'].lower()} "
            f"({percent(top['share_of_recorded'])} of recorded reasons)."
        )
    for reason in BARRIERS:
        groups = shown.filter(pl.col("stop_reason") == reason, pl.col("breakdown") != "all")
        if groups.is_empty():
            continue
        top = groups.sort("share_of_recorded", descending=True).row(0, named=True)
        parts.append(
            f"{REASONS[reason]} weigh most in {top['group_label']} "
            f"({percent(top['share_of_recorded'])})."
        )
    hidden = data.filter(~pl.col("shown"), pl.col("stop_reason") != NOT_RECORDED).height
    if hidden:
        parts.append(f"{hidden} group and reason cells are hidden to protect privacy.")
    return " ".join(parts)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each cell is one reason's share of the recorded reasons for stopping in one group: "
        "episodes that ended before starting or dropped out, whose program recorded why "
        "(contract v2 only; programs still on contract v1 send no reasons). Read across a "
        "row for what stops a group, down a column for whom a barrier costs most.",
        f"Source: the warehouse table {MART}, one row per reporting unit, group and reason; "
        "the numbers table also gives how many of each reason left before starting and how "
        "many dropped out.",
        f"Privacy: a count of 1 to {rules.threshold - 1} is not shown, nor is a count that "
        "would let one be worked out from a group's total; a share is hidden with its count.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "group_label": "Group",
    "reason_label": "Reason",
    "n_stopped": "Stopped",
    "n_not_started": "Before starting",
    "n_dropped_out": "Dropped out",
    "n_recorded_in_group": "Recorded in group",
    "share_of_recorded": "Share of recorded",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"group_label", "reason_label"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, percents=("share_of_recorded",))
    return text.with_columns(pl.col("share_of_recorded").fill_null(MISSING)).select(
        list(TABLE_HEADERS)
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.UNIT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.stop_reasons(), view.unit))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
