"""Data-quality checks in the style of OHDSI's Data Quality Dashboard, with their status.

Reads `dq_check_status` (the latest result of each check re-evaluated against the current
thresholds of ref_dq_checks): violating and denominator row counts, the percentage, the
threshold, status error, not applicable, failed or passed, severity and notes. Counts are
suppressed (`Marts.dq_checks`); the status never is.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import no_data_figure, require_suppressed, text_frame, titled
from dashboards.charts.grid import SIDE_LEGEND
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.quality import DQ_CHECKS as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR

MART = "dq_check_status"

# Worst first, as the Data Quality Dashboard orders them.
STATUSES = {
    "error": ("Error (the check could not run)", OKABE_ITO["reddish_purple"], "square"),
    "failed": ("Failed", OKABE_ITO["vermillion"], "x"),
    "not_applicable": ("Not applicable", "#868E96", "circle-open"),
    "passed": ("Passed", OKABE_ITO["bluish_green"], "circle"),
}

CSV_COLUMNS = (
    "check_id",
    "check_type",
    "category",
    "table_name",
    "field_name",
    "num_violated_rows",
    "num_denominator_rows",
    "pct_violated_rows",
    "threshold_pct",
    "status",
    "status_when_run",
    "severity",
    "notes",
    "error",
    "executed_at",
)


def process_data(df: pl.DataFrame) -> pl.DataFrame:
    """Every check, worst status first, then by category and name."""
    require_suppressed(df, SUPPRESSION)
    rank = {status: index for index, status in enumerate(STATUSES)}
    return (
        df.with_columns(pl.col("status").replace_strict(rank, default=len(rank)).alias("_rank"))
        .sort("_rank", "category", "check_id")
        .drop("_rank")
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Percentage of violating rows per check (marker by status) and its threshold."""
    if data.is_empty():
        return no_data_figure("No data-quality check has run yet.")
    shown = data.filter(
        ~pl.col("pct_violated_rows" + SUPPRESSED_SUFFIX), pl.col("pct_violated_rows").is_not_null()
    )
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=data["threshold_pct"].to_list(),
            y=data["check_id"].to_list(),
            mode="markers",
            name="Threshold",
            marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": TEXT_COLOUR}},
            hovertemplate="<b>%{y}</b><br>Threshold %{x:.2f}%<extra></extra>",
        )
    )
    for status, (label, colour, symbol) in STATUSES.items():
        rows = shown.filter(pl.col("status") == status)
        if rows.is_empty():
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["pct_violated_rows"].to_list(),
                y=rows["check_id"].to_list(),
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 12, "color": colour},
                hovertemplate="<b>%{y}</b><br>%{x:.2f}% of rows violate<extra>"
                + label
                + "</extra>",
            )
        )
    figure.update_yaxes(
        categoryorder="array",
        categoryarray=data["check_id"].to_list(),
        autorange="reversed",
        title=None,
    )
    figure.update_xaxes(title="Rows violating the check (%)", rangemode="tozero")
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    not_drawn = data.height - shown.height
    footer = (
        f"{not_drawn} checks have no percentage to draw (not run, nothing to check, or too "
        "few violating rows to show); see the table."
        if not_drawn
        else ""
    )
    return titled(
        figure,
        "Data-quality checks",
        "Share of rows violating each check against its threshold",
        footer,
        200 + 30 * data.height,
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No data-quality check has run yet."
    counts = {s: data.filter(pl.col("status") == s).height for s in STATUSES}
    sentences = [
        f"{data.height} checks: {counts['passed']} passed, {counts['failed']} failed, "
        f"{counts['not_applicable']} not applicable, {counts['error']} in error."
    ]
    problems = data.filter(pl.col("status").is_in(["error", "failed"]))
    if problems.height:
        sentences.append(
            "Needing attention: "
            + "; ".join(
                f"{c} ({STATUSES[s][0].lower()}, severity {sev})"
                for c, s, sev in problems.select("check_id", "status", "severity").rows()
            )
            + "."
        )
    return " ".join(sentences)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each check is one rule in one of the Kahn categories (conformance, completeness, "
        "plausibility) applied to a table and field, with the share of rows allowed to break "
        "it. Status is error when the check could not run, not applicable when there was "
        "nothing to check, failed above the threshold and passed otherwise, as in OHDSI's "
        "Data Quality Dashboard; an edited threshold applies without re-running the check.",
        f"Source: the warehouse view {MART} over dq_results and ref_dq_checks "
        "(config/dq_checks.yaml; docs/ingestion.md).",
        f"Privacy: violating or denominator counts of 1 to {rules.threshold - 1} rows are "
        f"shown as {rules.small_label} with their percentage; the status is always shown.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "check_id": "Check",
    "category": "Category",
    "table_name": "Table",
    "field_name": "Field",
    "num_violated_rows": "Violating rows",
    "num_denominator_rows": "Rows checked",
    "pct_violated_rows": "% violating",
    "threshold_pct": "Threshold %",
    "status": "Status",
    "severity": "Severity",
    "notes": "Notes",
}
NUMERIC_COLUMNS = frozenset(
    {"num_violated_rows", "num_denominator_rows", "pct_violated_rows", "threshold_pct"}
)


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, decimals=1)
    labels = {status: label for status, (label, _, _) in STATUSES.items()}
    return text.with_columns(
        pl.col("status").replace_strict(labels, default=pl.col("status")),
        pl.col("threshold_pct").round(2).cast(pl.String),
        pl.col("notes", "field_name").fill_null(""),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)
    return text.with_columns(pl.col("executed_at").dt.strftime("%Y-%m-%dT%H:%M:%S"))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset()


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.dq_checks()))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
