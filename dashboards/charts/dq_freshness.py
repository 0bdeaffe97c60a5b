"""Freshness: days since each program's last accepted delivery against its cadence.

Reads `dq_freshness` (through the Overview page's query, which adds the snapshot's
publication time): per program the last accepted delivery (refused files do not count),
days since, the expected cadence plus grace (config/quality.yaml) and the status fresh or
overdue, judged when the warehouse was built. No counts of people, so nothing to
suppress.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import delivery_dots, no_data_figure, titled
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR

MART = "dq_freshness"

STATUSES = {
    "overdue": ("Overdue", OKABE_ITO["vermillion"], "diamond"),
    "fresh": ("Fresh", OKABE_ITO["blue"], "circle"),
}

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "latest_batch_id",
    "last_delivery_at",
    "days_since_delivery",
    "cadence_days",
    "grace_days",
    "status",
    "evaluated_on",
)


def process_data(df: pl.DataFrame, programs: Sequence[str]) -> pl.DataFrame:
    """Programs in view, overdue first, then by days since their last delivery, then by id
    (as every program list on the dashboard)."""
    return (
        df.filter(pl.col("program_id").is_in(list(programs)))
        .with_columns(pl.coalesce("program_name", "program_id").alias("program_name"))
        .sort(
            pl.col("status") != "overdue",
            "days_since_delivery",
            "program_id",
            descending=[False, True, False],
        )
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Days since the last delivery as labelled dots (shape marks overdue), with the limit."""
    if data.is_empty():
        return no_data_figure("No program in view has delivered yet.")
    figure = go.Figure()
    for status, (label, colour, symbol) in STATUSES.items():
        rows = data.filter(pl.col("status") == status)
        if rows.is_empty():
            continue
        figure.add_trace(
            delivery_dots(
                rows,
                "program_name",
                label,
                colour,
                symbol,
                "<b>%{y}</b><br>%{x} days since the last delivery (batch "
                "%{customdata[0]})<br>overdue after %{customdata[1]} days<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=data["overdue_after_days"].to_list(),
            y=data["program_name"].to_list(),
            mode="markers",
            name="Overdue after (cadence + grace)",
            marker={"symbol": "line-ns", "size": 20, "line": {"width": 3, "color": TEXT_COLOUR}},
            hovertemplate="<b>%{y}</b><br>Overdue after %{x} days<extra></extra>",
        )
    )
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=data["program_name"].to_list(),
        autorange="reversed",
        title=None,
    )
    figure.update_xaxes(title="Days since the last accepted delivery", rangemode="tozero")
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    evaluated = data["evaluated_on"][0]
    return titled(
        figure,
        "Freshness of deliveries",
        f"Days since each program's last accepted delivery, on {evaluated:%Y-%m-%d}",
        "",
        200 + 28 * data.height,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No program in view has delivered yet."
    overdue = data.filter(pl.col("status") == "overdue")
    evaluated = data["evaluated_on"][0]
    if overdue.is_empty():
        return (
            f"All {data.height} programs in view delivered within their cadence and grace "
            f"(judged on {evaluated:%Y-%m-%d})."
        )
    items = [
        f"{name} ({days} days, overdue after {limit})"
        for name, days, limit in overdue.select(
            "program_name", "days_since_delivery", "overdue_after_days"
        ).rows()
    ]
    return (
        f"{overdue.height} of {data.height} programs are overdue on {evaluated:%Y-%m-%d}: "
        + "; ".join(items)
        + "."
    )


def about(
    rules: SuppressionRules, mart_comment: str | None, cadence_days: int, grace_days: int
) -> list[str]:
    """`cadence_days`, `grace_days`: the default row of ref_delivery_cadence."""
    paragraphs = [
        "Days from each program's last accepted delivery (refused files do not count) to the "
        "day the warehouse was built. A program is overdue when that exceeds its expected "
        f"cadence plus a grace period (ref_delivery_cadence: every {cadence_days} days plus "
        f"{grace_days} days unless a program has its own cadence).",
        f"Source: the warehouse table {MART} (docs/ingestion.md).",
        "Privacy: no counts of people are shown here.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "latest_batch_id": "Latest batch",
    "last_delivery_at": "Last delivery",
    "days_since_delivery": "Days since",
    "cadence_days": "Cadence (days)",
    "grace_days": "Grace (days)",
    "status": "Status",
}
NUMERIC_COLUMNS = frozenset({"days_since_delivery", "cadence_days", "grace_days"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    labels = {status: label for status, (label, _, _) in STATUSES.items()}
    return data.select(
        "program_name",
        "latest_batch_id",
        pl.col("last_delivery_at").dt.strftime("%Y-%m-%d %H:%M"),
        *[pl.col(c).cast(pl.String) for c in ("days_since_delivery", "cadence_days", "grace_days")],
        pl.col("status").replace_strict(labels, default=pl.col("status")),
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return data.select(CSV_COLUMNS).with_columns(
        pl.col("last_delivery_at").dt.strftime("%Y-%m-%dT%H:%M:%S"),
        pl.col("evaluated_on").dt.strftime("%Y-%m-%d"),
    )


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(
        marts.rules,
        marts.comment(MART),
        round(marts.reference_value("ref_delivery_cadence", "cadence_days")),
        round(marts.reference_value("ref_delivery_cadence", "grace_days")),
    )


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.overview_freshness(), view.programs))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
