"""Open safety signals: how many, in which program, on which indicator.

Reads the open signals (status new or ongoing) of `safety_signal_register`, one row per
program and indicator with the number of open signals (CUSUM and funnel-plot signals
counted separately), how many opened in the latest run, and since when. Signals are
counted, not patients, and the register's evidence counts are not read, so there is
nothing to suppress. The Safety page (`/safety`) shows each signal's evidence.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import no_data_figure, titled
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR

MART = "safety_signal_register"
SAFETY_PATH = "/safety"

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "delivery_mode",
    "indicator",
    "indicator_label",
    "severe",
    "open_signals",
    "new_signals",
    "methods",
    "first_opened_month",
)


def process_data(df: pl.DataFrame) -> pl.DataFrame:
    """Open signals per program and indicator: severe indicators first, then by program."""
    return df.with_columns(
        pl.coalesce("program_name", "program_id").alias("program"),
        pl.when(pl.col("severe"))
        .then(pl.col("indicator_label") + " (severe)")
        .otherwise(pl.col("indicator_label"))
        .alias("indicator_name"),
    ).sort(pl.col("severe"), "program_id", "indicator", descending=[True, False, False])


def by_program(data: pl.DataFrame) -> list[tuple[str, str, int]]:
    """(program id, name, open signals) per program with any, most signals first."""
    totals = (
        data.group_by("program_id", "program", maintain_order=True)
        .agg(pl.col("open_signals").sum())
        .sort("open_signals", "program_id", descending=[True, False])
    )
    return list(totals.rows())


def create_figure(data: pl.DataFrame) -> go.Figure:
    """A grid of open signals: indicators down, programs across, the count in each cell."""
    if data.is_empty():
        return no_data_figure("No open safety signals.")
    programs = data["program_id"].unique().sort().to_list()
    names = dict(data.select("program_id", "program").unique().rows())
    indicators = data["indicator_name"].unique(maintain_order=True).to_list()
    counts = {
        (i, p): n for p, i, n in data.select("program_id", "indicator_name", "open_signals").rows()
    }
    z = [[counts.get((i, p)) for p in programs] for i in indicators]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=programs,
            y=["<br>".join(textwrap.wrap(i, 48)) for i in indicators],
            zmin=1,
            zmax=max(2, int(data["open_signals"].max())),
            colorscale=[[0, "#FBD9C4"], [1, OKABE_ITO["vermillion"]]],
            showscale=False,
            xgap=2,
            ygap=2,
            text=[["" if n is None else str(n) for n in row] for row in z],
            texttemplate="%{text}",
            textfont={"color": TEXT_COLOUR, "size": 14},
            customdata=[[names[p] for p in programs] for _ in indicators],
            hovertemplate="<b>%{customdata}</b><br>%{y}<br>%{text} open<extra></extra>",
        )
    )
    figure.update_xaxes(side="top", title=None, type="category")
    figure.update_yaxes(autorange="reversed", title=None, type="category")
    return titled(
        figure,
        "Open safety signals",
        "Signals still open (new or ongoing), per indicator and program",
        "A signal opens when a program's rate of an indicator rises above what in-person CBT "
        "patients with the same case mix experience (CUSUM or funnel plot): a prompt to "
        "investigate, not a finding. Evidence and history are on the Safety page.",
        260 + 56 * len(indicators),
    )


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No open safety signals."
    total = int(data["open_signals"].sum())
    severe = int(data.filter(pl.col("severe"))["open_signals"].sum())
    programs = by_program(data)
    items = [
        f"{name}: "
        + ", ".join(
            f"{row['indicator_name']} ({row['open_signals']})"
            for row in data.filter(pl.col("program_id") == program_id).iter_rows(named=True)
        )
        for program_id, name, _ in programs
    ]
    return (
        f"{total} open safety signals ({severe} on severe indicators) in {len(programs)} "
        "programs. " + "; ".join(items) + "."
    )


def about(mart_comment: str | None) -> list[str]:
    paragraphs = [
        "Each cell counts the signals still open for one program and safety indicator. A "
        "CUSUM signal and a funnel-plot signal on the same indicator count as two. Severe "
        "indicators (serious adverse events, self-harm, item-9 answers, follow-up breaches "
        "after them) are marked and listed first. A signal is a prompt to investigate, not a "
        "finding: the Safety page (analysts) shows its evidence against in-person CBT.",
        f"Source: the warehouse table {MART}, kept across pipeline runs; how signals open and "
        "resolve is in docs/safety.md. Signals are counted, not patients, so no count here "
        "is suppressed.",
    ]
    if mart_comment:
        paragraphs.insert(1, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program": "Program",
    "indicator_name": "Indicator",
    "open_signals": "Open",
    "new_signals": "New this run",
    "methods": "Method",
    "first_opened": "Open since",
}
NUMERIC_COLUMNS = frozenset({"open_signals", "new_signals"})


def table_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    return data.with_columns(
        pl.col("first_opened_month").dt.strftime("%Y-%m").alias("first_opened"),
        pl.col("open_signals").cast(pl.String),
        pl.col("new_signals").cast(pl.String),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, _rules: SuppressionRules) -> pl.DataFrame:
    return data.select(CSV_COLUMNS)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset()


def describe(marts: Marts) -> list[str]:
    return about(marts.comment(MART))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.overview_safety_signals()))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
