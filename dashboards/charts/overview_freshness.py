"""Data freshness: days since each program's last delivery against its expected cadence.

Reads `dq_freshness` (one row per program that has delivered: the last accepted
delivery, days since it when the warehouse was built, the expected cadence and grace of
ref_delivery_cadence, fresh or overdue) and the snapshot's build time from
`meta_publication`. Programs are organisations, not patients: nothing to suppress.
"""

from __future__ import annotations

from datetime import datetime

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import delivery_dots, no_data_figure, titled
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR, mode_label

MART = "dq_freshness"
OVERDUE = "overdue"

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "latest_batch_id",
    "last_delivery_at",
    "days_since_delivery",
    "cadence_days",
    "grace_days",
    "overdue_after_days",
    "status",
    "evaluated_on",
    "published_at",
    "last_load_at",
)


def process_data(df: pl.DataFrame) -> pl.DataFrame:
    """Overdue programs first, then by days since the last delivery, longest first."""
    return df.with_columns(
        pl.coalesce("program_name", "program_id").alias("program"),
        (pl.col("status") == OVERDUE).alias("overdue"),
    ).sort("overdue", "days_since_delivery", "program_id", descending=[True, True, False])


def built_line(data: pl.DataFrame) -> str:
    """When the snapshot was built and freshness judged, in words."""
    if data.is_empty():
        return ""
    row = data.row(0, named=True)
    published: datetime = row["published_at"]
    return (
        f"Warehouse built {published:%Y-%m-%d %H:%M} UTC; freshness judged on "
        f"{row['evaluated_on']:%Y-%m-%d}."
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Days since the last delivery as labelled dots; a tick where each program becomes
    overdue."""
    if data.is_empty():
        return no_data_figure("No program has delivered data yet.")
    figure = go.Figure()
    for overdue, colour, symbol, name in (
        (False, OKABE_ITO["blue"], "circle", "Within cadence and grace"),
        (True, OKABE_ITO["vermillion"], "diamond", "Overdue"),
    ):
        rows = data.filter(pl.col("overdue") == overdue)
        if rows.is_empty():
            continue
        figure.add_trace(
            delivery_dots(
                rows,
                "program",
                name,
                colour,
                symbol,
                "<b>%{y}</b><br>%{x} days since the last delivery (period "
                "%{customdata[0]})<br>Overdue after %{customdata[1]} days<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=data["overdue_after_days"].to_list(),
            y=data["program"].to_list(),
            mode="markers",
            name="Overdue after (cadence + grace)",
            marker={
                "symbol": "line-ns-open",
                "size": 18,
                "color": TEXT_COLOUR,
                "line": {"width": 3},
            },
            hoverinfo="skip",
        )
    )
    figure.update_xaxes(title="Days since the last accepted delivery", rangemode="tozero")
    figure.update_yaxes(
        categoryorder="array", categoryarray=data["program"].to_list(), autorange="reversed"
    )
    overdue = data.filter(pl.col("overdue"))
    footer = (
        f"Overdue: {', '.join(overdue['program'])}."
        if overdue.height
        else "Every program has delivered within its expected cadence and grace."
    )
    return titled(
        figure,
        "Data freshness",
        built_line(data),
        footer,
        220 + 28 * data.height,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No program has delivered data yet."
    overdue = data.filter(pl.col("overdue"))
    if overdue.height:
        items = [
            f"{row['program']} ({row['days_since_delivery']} days, overdue after "
            f"{row['overdue_after_days']})"
            for row in overdue.iter_rows(named=True)
        ]
        status = (
            f"{overdue.height} of {data.height} programs are overdue: " + "; ".join(items) + "."
        )
    else:
        longest = data["days_since_delivery"].max()
        status = (
            f"All {data.height} programs delivered within their expected cadence and grace "
            f"(longest gap {longest} days)."
        )
    return f"{status} {built_line(data)}"


def about(mart_comment: str | None) -> list[str]:
    paragraphs = [
        "For each program that has delivered data: days from its last accepted delivery "
        "(refused files do not count) to the day the warehouse was built, against the "
        "cadence it is expected to deliver at plus a grace period (ref_delivery_cadence). "
        "Past that, the program is flagged overdue and its newest months may be missing "
        "from every chart.",
        f"Source: the warehouse tables {MART} and meta_publication (build time). Programs "
        "are counted, not patients: nothing here is suppressed.",
    ]
    if mart_comment:
        paragraphs.insert(1, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program": "Program",
    "delivery_mode": "Delivery mode",
    "last_delivery": "Last delivery",
    "latest_batch_id": "Latest period",
    "days_since_delivery": "Days since",
    "overdue_after_days": "Overdue after (days)",
    "status": "Status",
}
NUMERIC_COLUMNS = frozenset({"days_since_delivery", "overdue_after_days"})


def table_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    return data.with_columns(
        pl.col("last_delivery_at").dt.strftime("%Y-%m-%d %H:%M").alias("last_delivery"),
        pl.col("delivery_mode").map_elements(mode_label, return_dtype=pl.String),
        pl.col("days_since_delivery").cast(pl.String),
        pl.col("overdue_after_days").cast(pl.String),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    return data.select(CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset()


def describe(marts: Marts) -> list[str]:
    return about(marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.overview_freshness()))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
