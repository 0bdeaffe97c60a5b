"""Deliveries: every landing file by program and batch, and the files that need a look.

Reads `ingest_load_ledger` (one row per landing file processed: rows loaded and
quarantined, outcome loaded, loaded_with_quarantine or refused, refusal message, and
whether a later delivery of the same program, batch and table superseded it). The grid
shows each program's batches by their worst outcome; the table lists the files of one
batch, or with every batch only the files that were not simply loaded. Row counts are
suppressed (`Marts.load_ledger`): an episodes file's rows are people referred
in one month.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    no_data_figure,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.grid import SIDE_LEGEND, program_batch_grid
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.quality import LOAD_LEDGER as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import ALL_PERIODS

MART = "ingest_load_ledger"

# Worst first: the grid shows a batch by its worst current file.
OUTCOMES = {
    "refused": ("Refused", OKABE_ITO["vermillion"], "x"),
    "loaded_with_quarantine": ("Loaded, some rows quarantined", OKABE_ITO["orange"], "triangle-up"),
    "loaded": ("Loaded", OKABE_ITO["bluish_green"], "circle"),
}

CSV_COLUMNS = (
    "program_id",
    "batch_id",
    "table_name",
    "source_file",
    "file_format",
    "rows_loaded",
    "rows_quarantined",
    "outcome",
    "message",
    "loaded_at",
    "superseded_at",
)


def process_data(df: pl.DataFrame, programs: Sequence[str], batch: str) -> pl.DataFrame:
    """The files of the programs in view; `listed` marks the table's rows: the batch's
    files, or with every batch (`all`) the files refused, quarantined or superseded."""
    require_suppressed(df, SUPPRESSION)
    attention = (pl.col("outcome") != "loaded") | pl.col("superseded")
    listed = attention if batch == ALL_PERIODS else pl.col("batch_id") == batch
    return df.filter(pl.col("program_id").is_in(list(programs))).with_columns(
        listed.alias("listed")
    )


def batch_outcomes(data: pl.DataFrame) -> pl.DataFrame:
    """One row per program and batch: the worst outcome of its current files."""
    rank = {outcome: index for index, outcome in enumerate(OUTCOMES)}
    return (
        data.filter(~pl.col("superseded"))
        .with_columns(pl.col("outcome").replace_strict(rank, default=len(rank)).alias("_rank"))
        .group_by("program_id", "batch_id")
        .agg(
            pl.col("outcome").sort_by("_rank").first(),
            pl.len().alias("files"),
            pl.col("table_name").sort().str.join(", ").alias("tables"),
        )
        .sort("program_id", "batch_id")
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Programs by batch, a marker per delivered batch by its worst outcome."""
    if data.is_empty():
        return no_data_figure("No landing file has been loaded for the programs in view.")
    cells = batch_outcomes(data)
    figure = go.Figure()
    for outcome, (label, colour, symbol) in OUTCOMES.items():
        rows = cells.filter(pl.col("outcome") == outcome)
        if rows.is_empty():
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["batch_id"].to_list(),
                y=rows["program_id"].to_list(),
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 12, "color": colour},
                customdata=rows.select("files", "tables").rows(),
                hovertemplate=(
                    "<b>%{y}</b>, batch %{x}<br>" + label + "<br>%{customdata[0]} files: "
                    "%{customdata[1]}<extra></extra>"
                ),
            )
        )
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    programs = sorted(cells["program_id"].unique().to_list())
    program_batch_grid(figure, programs, "Delivery batch")
    return titled(
        figure,
        "Deliveries by program and batch",
        "Each delivered batch by the worst outcome of its current files",
        "A gap is a batch with no file from that program.",
        200 + 26 * len(programs),
    )


def summarise(data: pl.DataFrame, batch: str) -> str:
    if data.is_empty():
        return "No landing file has been loaded for the programs in view."
    current = data.filter(~pl.col("superseded"))
    counts = {o: current.filter(pl.col("outcome") == o).height for o in OUTCOMES}
    superseded = data.height - current.height
    batches = data["batch_id"].n_unique()
    sentences = [
        f"{current.height} current files from {data['program_id'].n_unique()} programs over "
        f"{batches} batches: {counts['loaded']} loaded, {counts['loaded_with_quarantine']} "
        f"loaded with rows quarantined, {counts['refused']} refused; {superseded} earlier "
        "files superseded by a corrected delivery."
    ]
    latest = current["batch_id"].max()
    missing = sorted(
        set(current["program_id"]) - set(current.filter(pl.col("batch_id") == latest)["program_id"])
    )
    if missing:
        sentences.append(f"No delivery in the latest batch ({latest}): {', '.join(missing)}.")
    listed = data.filter(pl.col("listed")).height
    scope = "every batch" if batch == ALL_PERIODS else f"batch {batch}"
    what = "files that were not simply loaded" if batch == ALL_PERIODS else "files"
    sentences.append(f"The table lists {listed} {what} of {scope}.")
    return " ".join(sentences)


def about(rules: SuppressionRules, mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Every file a program delivers to the landing zone is loaded exactly once: valid rows "
        "go to the warehouse, invalid rows to the quarantine with a reason, and a file with a "
        "direct identifier is refused whole. A corrected delivery of the same program, batch "
        "and table replaces the earlier file, which is marked superseded.",
        f"Source: the warehouse table {MART} (docs/ingestion.md). File sizes and hashes are "
        "not shown.",
        f"Privacy: row counts of 1 to {rules.threshold - 1} are shown as {rules.small_label}: "
        "an episodes file's rows are the people a program referred in a month, an "
        "adverse-events file's rows are events. A program's files of one table add up over "
        "the batches, so a second count is hidden where one is.",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_id": "Program",
    "batch_id": "Batch",
    "table_name": "Table",
    "file_format": "Format",
    "outcome": "Outcome",
    "rows_loaded": "Rows loaded",
    "rows_quarantined": "Rows quarantined",
    "superseded": "Superseded",
    "message": "Message",
}
NUMERIC_COLUMNS = frozenset({"rows_loaded", "rows_quarantined"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data.filter(pl.col("listed")), SUPPRESSION, rules)
    labels = {outcome: label for outcome, (label, _, _) in OUTCOMES.items()}
    return text.with_columns(
        pl.col("outcome").replace_strict(labels, default=pl.col("outcome")),
        pl.when(pl.col("superseded"))
        .then(pl.col("superseded_at").dt.strftime("%Y-%m-%d"))
        .otherwise(pl.lit("no"))
        .alias("superseded"),
        pl.col("message").fill_null(""),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """Every file behind the chart (each program in view, every batch), not only the
    files the table lists: the chart plots them all."""
    text = text_frame(data, SUPPRESSION, rules, CSV_COLUMNS)
    return text.with_columns(pl.col("loaded_at", "superseded_at").dt.strftime("%Y-%m-%dT%H:%M:%S"))


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS, Control.BATCH})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.load_ledger(), view.programs, view.state.period))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot, view.state.period))
