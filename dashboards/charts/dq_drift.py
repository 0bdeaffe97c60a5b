"""Drift of case mix and baseline severity per program and batch (Evidently).

Reads `drift_results` (one row per program, batch and reference: the program's own first
batches, or all in-person clinics up to the batch) with the names of the features that
drifted (drift_columns), and `mart_drift_reports` for the kept HTML reports. The grid shows
every batch's verdict against the program's own reference; the table shows each program's
latest batch against both references. Episode counts are shown for the latest batch only
(`Marts.drift_results`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    level,
    no_data_figure,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.grid import SIDE_LEGEND, program_batch_grid
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.quality import DRIFT_RESULTS as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from pipelines.quality.config import DriftPolicy, load_quality_policy

MART = "drift_results"
OWN_REFERENCE = "own_reference"

VERDICTS = {
    "drift": ("Drift", OKABE_ITO["vermillion"], "x"),
    "no_drift": ("No drift", OKABE_ITO["bluish_green"], "circle"),
    "insufficient_data": ("Too few episodes to test", "#868E96", "circle-open"),
}
REFERENCES = {
    OWN_REFERENCE: "The program's first batches",
    "in_person": "In-person clinics",
}

CSV_COLUMNS = (
    "program_id",
    "program_name",
    "batch_id",
    "reference",
    "current_rows",
    "reference_rows",
    "columns_tested",
    "columns_drifted",
    "drift_share",
    "verdict",
    "drifted_columns",
)


def process_data(df: pl.DataFrame, programs: Sequence[str]) -> pl.DataFrame:
    """Comparisons of the programs in view; `latest` marks each program's latest batch
    per reference (the table's rows)."""
    require_suppressed(df, SUPPRESSION)
    return (
        df.filter(pl.col("program_id").is_in(list(programs)))
        .with_columns(
            (pl.col("batch_id") == pl.col("batch_id").max().over("program_id", "reference")).alias(
                "latest"
            ),
            pl.coalesce("program_name", "program_id").alias("program_name"),
        )
        .sort("program_id", "batch_id", "reference")
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Programs by batch: each batch's verdict against the program's own reference."""
    own = data.filter(pl.col("reference") == OWN_REFERENCE)
    if own.is_empty():
        return no_data_figure(
            "No program in view has batches after its reference period to compare yet."
        )
    figure = go.Figure()
    for verdict, (label, colour, symbol) in VERDICTS.items():
        rows = own.filter(pl.col("verdict") == verdict)
        if rows.is_empty():
            continue
        figure.add_trace(
            go.Scatter(
                x=rows["batch_id"].to_list(),
                y=rows["program_id"].to_list(),
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 12, "color": colour},
                customdata=rows.select(
                    pl.col("drifted_columns").fill_null("none"), "columns_tested"
                ).rows(),
                hovertemplate=(
                    "<b>%{y}</b>, batch %{x}<br>" + label + "<br>drifted: %{customdata[0]} "
                    "(of %{customdata[1]} tested)<extra></extra>"
                ),
            )
        )
    figure.update_layout(legend=SIDE_LEGEND, showlegend=True)
    programs = sorted(own["program_id"].unique().to_list())
    program_batch_grid(figure, programs, "Batch")
    return titled(
        figure,
        "Case-mix drift against each program's own reference",
        "Each batch with the two before it, against the program's first batches",
        "",
        200 + 26 * len(programs),
    )


def summarise(data: pl.DataFrame) -> str:
    latest = data.filter(pl.col("latest"))
    if latest.is_empty():
        return "No program in view has a drift comparison yet."
    own = latest.filter(pl.col("reference") == OWN_REFERENCE)
    drifting = own.filter(pl.col("verdict") == "drift")
    sentences = [
        f"Latest batch against each program's own reference: {drifting.height} of "
        f"{own.height} programs drift"
        + (
            " ("
            + "; ".join(
                f"{p}: {cols}"
                for p, cols in drifting.select("program_id", "drifted_columns").rows()
            )
            + ")."
            if drifting.height
            else "."
        )
    ]
    everything = data.filter(pl.col("reference") == OWN_REFERENCE)
    earlier = everything.filter(pl.col("verdict") == "drift", ~pl.col("latest"))
    if earlier.height:
        sentences.append(f"{earlier.height} earlier batches drifted.")
    in_person = latest.filter(pl.col("reference") == "in_person", pl.col("verdict") == "drift")
    sentences.append(
        f"{in_person.height} programs differ from the in-person clinics in their latest batch "
        "(expected: iCBT programs serve different people)."
    )
    return " ".join(sentences)


REPORT_LINK_TEXT = "Open summary"
DATA_DRIFT = "data_drift"


def servable(min_episodes: int) -> pl.Expr:
    """Which listed reports get a summary: data-drift reports of the current data version
    (their episodes are known) describing at least `min_episodes` episodes."""
    return (
        (pl.col("report_type") == DATA_DRIFT)
        & (pl.col("current_episodes").fill_null(0) >= min_episodes)
    ).alias("served")


def report_link_name(row: dict[str, Any]) -> str:
    """A summary link's accessible name: its visible text first, then which report
    (WCAG 2.5.3, label in name: speech users say what they see)."""
    return (
        f"{REPORT_LINK_TEXT}: drift report of {row['program_id']}, "
        f"batch {row['batch_id']} (new tab)"
    )


def report_rows(reports: pl.DataFrame, programs: Sequence[str], min_episodes: int) -> pl.DataFrame:
    """The kept drift reports of the programs in view, newest batch first; `served` is
    false for a report that describes fewer than `min_episodes` episodes (or an older data
    version). Evidently's batch summaries are never served (dashboards/reports.py) and
    are not listed."""
    return (
        reports.filter(
            pl.col("program_id").is_in(list(programs)), pl.col("report_type") == DATA_DRIFT
        )
        .with_columns(
            servable(min_episodes),
            pl.col("reference")
            .replace_strict(REFERENCES, default=pl.col("reference"))
            .fill_null(MISSING)
            .alias("reference_label"),
            pl.col("verdict")
            .replace_strict({v: label for v, (label, _, _) in VERDICTS.items()}, default=None)
            .fill_null(MISSING)
            .alias("verdict_label"),
        )
        .sort(["batch_id", "program_id", "reference"], descending=[True, False, False])
    )


def about(rules: SuppressionRules, mart_comment: str | None, policy: DriftPolicy) -> list[str]:
    """`policy`: the drift test's settings (config/quality.yaml drift)."""
    paragraphs = [
        f"Each batch's new episodes (with the {policy.current_batches - 1} batches before "
        "it) are compared with a reference on age band, sex, rurality, baseline PHQ-9, "
        "GAD-7 and PEG, and early engagement, with Evidently's tests (Kolmogorov-Smirnov "
        f"for numbers, chi-square for categories, p at most {policy.column_threshold:g}). A "
        f"batch drifts when at least {level(policy.drift_share)} of the tested features and "
        f"at least {policy.min_drifted_columns} drift. Against the program's own first "
        "batches drift is a change worth a look; against in-person clinics it is context, "
        "since iCBT programs serve different people.",
        f"Source: the warehouse tables {MART} and drift_columns, and the Evidently HTML "
        "reports listed in mart_drift_reports (docs/ingestion.md).",
        f"Privacy: episode counts are shown for each program's latest batch only, as "
        f"{rules.small_label} from 1 to {rules.threshold - 1}: consecutive windows overlap, "
        "so two of them would give a month's new episodes. Evidently's HTML reports draw "
        "the episodes' distributions (counts of single people, each score's minimum and "
        "maximum) and are not served: each drift report's link opens a summary of it "
        "without any count or extreme value (each feature's test, p-value and verdict).",
    ]
    if mart_comment:
        paragraphs.insert(2, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "program_name": "Program",
    "reference": "Compared with",
    "batch_id": "Batch",
    "current_rows": "Episodes compared",
    "reference_rows": "Reference episodes",
    "columns_tested": "Features tested",
    "columns_drifted": "Features drifting",
    "verdict": "Verdict",
    "drifted_columns": "Drifting features",
}
NUMERIC_COLUMNS = frozenset({"current_rows", "reference_rows", "columns_tested", "columns_drifted"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data.filter(pl.col("latest")), SUPPRESSION, rules)
    return text.with_columns(
        pl.col("reference").replace_strict(REFERENCES, default=pl.col("reference")),
        pl.col("verdict").replace_strict(
            {v: label for v, (label, _, _) in VERDICTS.items()}, default=pl.col("verdict")
        ),
        pl.col("columns_tested", "columns_drifted").cast(pl.String),
        pl.col("drifted_columns").fill_null(""),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data.filter(pl.col("latest")), SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.MODES, Control.PROGRAMS})


def describe(marts: Marts) -> list[str]:
    drift, _ = load_quality_policy()
    return about(marts.rules, marts.comment(MART), drift)


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(process_data(marts.drift_results(), view.programs))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
