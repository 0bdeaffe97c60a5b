"""Why rows were quarantined: counts per program, table, field and reason.

Reads `mart_quarantine_reasons`, which counts the quarantined rows of current deliveries
by a reason template with every value masked (the quarantined value and quoted text as
'…', numbers as N): the dashboard never reads the quarantine itself, so no rejected value
and no row of it reaches the browser. Counts are suppressed
(`Marts.quarantine_reasons`).
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import no_data_figure, require_suppressed, text_frame, titled
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.quality import QUARANTINE_REASONS as SUPPRESSION
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import OKABE_ITO

MART = "mart_quarantine_reasons"
# Bars drawn at most; the table and the CSV hold every reason.
MAX_BARS = 25

CSV_COLUMNS = (
    "program_id",
    "table_name",
    "field",
    "reason",
    "rows_quarantined",
    "files",
    "first_batch",
    "last_batch",
)


def process_data(df: pl.DataFrame, programs: Sequence[str]) -> pl.DataFrame:
    """Reasons of the programs in view, most rows first (hidden counts last), with a
    `label` naming program, table, field and reason."""
    require_suppressed(df, SUPPRESSION)
    return (
        df.filter(pl.col("program_id").is_in(list(programs)))
        .with_columns(
            pl.format("{} {}.{}: {}", "program_id", "table_name", "field", "reason").alias("label")
        )
        .sort(
            pl.col("rows_quarantined").is_null(),
            "rows_quarantined",
            "label",
            descending=[False, True, False],
        )
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Rows quarantined per reason, largest first."""
    if data.is_empty():
        return no_data_figure("No rows are quarantined in the current deliveries.")
    shown = data.filter(~pl.col("rows_quarantined" + SUPPRESSED_SUFFIX)).head(MAX_BARS)
    if shown.is_empty():
        return no_data_figure("Every reason has too few quarantined rows to draw.")
    figure = go.Figure(
        go.Bar(
            x=shown["rows_quarantined"].to_list(),
            y=shown["label"].to_list(),
            orientation="h",
            marker={"color": OKABE_ITO["orange"]},
            customdata=shown.select("files", "first_batch", "last_batch").rows(),
            hovertemplate=(
                "<b>%{y}</b><br>%{x} rows in %{customdata[0]} files, batches "
                "%{customdata[1]} to %{customdata[2]}<extra></extra>"
            ),
        )
    )
    figure.update_yaxes(autorange="reversed", title=None, automargin=True)
    figure.update_xaxes(title="Rows quarantined", rangemode="tozero")
    return titled(
        figure,
        "Quarantined rows by reason",
        "Current deliveries; values in reasons are masked",
        hidden_note(data, shown.height),
        220 + 28 * shown.height,
    )


def hidden_note(data: pl.DataFrame, drawn: int) -> str:
    hidden = data.filter(pl.col("rows_quarantined" + SUPPRESSED_SUFFIX)).height
    rest = data.height - drawn - hidden
    parts = []
    if hidden:
        parts.append(f"{hidden} reasons with too few rows to draw are listed in the table")
    if rest > 0:
        parts.append(f"{rest} smaller reasons are in the table")
    return ("; ".join(parts) + ".").capitalize() if parts else ""


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    if data.is_empty():
        return "No rows are quarantined in the current deliveries of the programs in view."
    items = []
    for row in data.head(5).iter_rows(named=True):
        if row["rows_quarantined" + SUPPRESSED_SUFFIX]:
            count = (
                rules.small_label
                if row["rows_quarantined" + SMALL_SUFFIX]
                else rules.suppressed_label
            )
        else:
            count = f"{row['rows_quarantined']:,}"
        items.append(f"{row['label']} ({count} rows)")
    programs = data["program_id"].n_unique()
    return (
        f"{data.height} reason{'s' if data.height != 1 else ''} for quarantined rows across "
        f"{programs} program{'s' if programs != 1 else ''}. Most rows: " + "; ".join(items) + "."
    )


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Rows of the current deliveries that failed a contract rule, counted per program, "
        "table, field and reason. The same reason text with different values is one reason "
        "here: every value is masked, so no quarantined value, row number or row is shown. "
        "A row with several problems counts under each.",
        f"Source: the warehouse table {MART}, made from ingest_quarantine by the pipeline. "
        "Fix the source and deliver the batch again; the corrected file replaces it.",
        f"Privacy: counts of 1 to {rules.threshold - 1} rows are shown as {rules.small_label}; "
        "a program's reasons for one table add up to the rows its files quarantined (the "
        "deliveries table), so a second count is hidden where one is.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_id": "Program",
    "table_name": "Table",
    "field": "Field",
    "reason": "Reason",
    "rows_quarantined": "Rows",
    "files": "Files",
    "first_batch": "First batch",
    "last_batch": "Last batch",
}
NUMERIC_COLUMNS = frozenset({"rows_quarantined", "files"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.quarantine_reasons(), view.programs))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot, view.rules))
