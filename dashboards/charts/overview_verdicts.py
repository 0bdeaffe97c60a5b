"""Headline verdicts: iCBT against in-person CBT per outcome, with the certainty of each.

Reads three suppressed marts for one timepoint: `mart_pooled_effects` (all iCBT programs
pooled, DerSimonian-Laird: the pooled verdict), `mart_comparisons` (each delivery mode's
primary comparison: its `verdict_display`, which names failed diagnostics instead of a
verdict it withholds) and `mart_evidence_certainty` (the certainty of each). A cell
hidden in its mart is hidden here. The table names the intervals' level from the
snapshot's ref_effectiveness_thresholds (`table_headers`).
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    ci_name,
    configured_confidence,
    no_data_figure,
    require_suppressed,
    titled,
)
from dashboards.charts.comparison_common import ALL_PROGRAMS, timepoint_label, verdict_label
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.effectiveness import COMPARISONS, EVIDENCE_CERTAINTY, POOLED_EFFECTS
from dashboards.suppression import SMALL_SUFFIX, SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import DELIVERY_MODES, OKABE_ITO, TEXT_COLOUR, mode_label

MARTS = ("mart_pooled_effects", "mart_comparisons", "mart_evidence_certainty")
POOLING_METHOD = "dl"

# Verdict -> (grid position on the colour scale, colour); the words are in every cell.
CATEGORIES = {
    "hidden": (0, "#FFFFFF"),
    "none": (1, "#E9ECEF"),
    "inferior": (2, OKABE_ITO["vermillion"]),
    "inconclusive": (3, OKABE_ITO["yellow"]),
    "non-inferior": (4, OKABE_ITO["sky_blue"]),
    "superior": (5, OKABE_ITO["bluish_green"]),
}

CSV_COLUMNS = (
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "subject",
    "column_label",
    "estimate",
    "ci_low",
    "ci_high",
    "verdict_text",
    "certainty",
)


def process_data(
    pooled: pl.DataFrame,
    comparisons: pl.DataFrame,
    certainty: pl.DataFrame,
    timepoint: str,
) -> pl.DataFrame:
    """One row per outcome and column (all programs pooled, then each iCBT mode)."""
    require_suppressed(pooled, POOLED_EFFECTS)
    require_suppressed(comparisons, COMPARISONS)
    require_suppressed(certainty, EVIDENCE_CERTAINTY)
    ratings = certainty.filter(pl.col("timepoint") == timepoint).select(
        "evidence_type", "instrument", "scale", "subject_id", "evidence_id", "certainty"
    )
    all_programs = (
        pooled.filter(
            pl.col("timepoint") == timepoint,
            pl.col("subgroup") == ALL_PROGRAMS,
            pl.col("method") == POOLING_METHOD,
        )
        .join(
            ratings.filter(pl.col("evidence_type") == "pooled"),
            left_on=["instrument", "scale", "subgroup"],
            right_on=["instrument", "scale", "subject_id"],
            how="left",
        )
        .select(
            "instrument",
            "scale",
            "outcome_label",
            "higher_is_better",
            "timepoint",
            pl.col("subgroup").alias("subject"),
            "estimate",
            "ci_low",
            "ci_high",
            pl.coalesce(
                "verdict",
                pl.when(pl.col("noninferiority_margin").is_null())
                .then(pl.lit("no verdict (no published MCID)"))
                .otherwise(pl.lit("no verdict")),
            ).alias("verdict_text"),
            "certainty",
            pl.col("estimate" + SUPPRESSED_SUFFIX).alias("hidden"),
            pl.lit(False).alias("small"),
        )
    )
    modes = (
        comparisons.filter(
            pl.col("timepoint") == timepoint,
            pl.col("subject_type") == "delivery_mode",
            pl.col("is_primary"),
        )
        .join(
            ratings.select("evidence_id", "certainty"),
            left_on="comparison_id",
            right_on="evidence_id",
            how="left",
        )
        .select(
            "instrument",
            "scale",
            "outcome_label",
            "higher_is_better",
            "timepoint",
            pl.col("subject_id").alias("subject"),
            pl.col("adjusted_difference").alias("estimate"),
            pl.col("adjusted_ci_low").alias("ci_low"),
            pl.col("adjusted_ci_high").alias("ci_high"),
            verdict_label("verdict_display").alias("verdict_text"),
            "certainty",
            pl.col("verdict_display" + SUPPRESSED_SUFFIX).alias("hidden"),
            (
                pl.col("n_program_analysed" + SMALL_SUFFIX)
                | pl.col("n_comparator_analysed" + SMALL_SUFFIX)
            ).alias("small"),
        )
    )
    columns = [ALL_PROGRAMS, *DELIVERY_MODES]
    labels = {
        ALL_PROGRAMS: "All iCBT programs, pooled",
        **{m: mode_label(m) for m in DELIVERY_MODES},
    }
    return (
        pl.concat([all_programs, modes])
        .with_columns(
            pl.col("subject")
            .replace_strict(labels, default=pl.col("subject"))
            .alias("column_label"),
            pl.col("subject")
            .replace_strict({c: i for i, c in enumerate(columns)}, default=len(columns))
            .alias("_column"),
            pl.when(pl.col("hidden") & pl.col("small"))
            .then(pl.lit(Status.SMALL.value))
            .when(pl.col("hidden"))
            .then(pl.lit(Status.COMPLEMENTARY.value))
            .otherwise(pl.lit(Status.SHOWN.value))
            .alias("status"),
        )
        .sort("outcome_label", "_column")
        .drop("_column")
    )


def category(row: dict) -> str:
    """The colour category of a cell: its verdict, no verdict, or hidden."""
    if row["status"] != Status.SHOWN.value:
        return "hidden"
    return row["verdict_text"] if row["verdict_text"] in CATEGORIES else "none"


def cell_text(row: dict, rules: SuppressionRules) -> str:
    """A cell in words: the verdict (or why none) and its certainty."""
    if row["status"] == Status.SMALL.value:
        return f"{rules.small_label}: too few to show"
    if row["status"] == Status.COMPLEMENTARY.value:
        return f"{rules.suppressed_label}: hidden to protect a small group"
    certainty = f"{row['certainty']} certainty" if row["certainty"] else "certainty not rated"
    return f"{row['verdict_text']}; {certainty}"


def create_figure(data: pl.DataFrame, rules: SuppressionRules) -> go.Figure:
    """A grid: outcomes down, all programs pooled and each mode across, verdict in words."""
    if data.is_empty():
        return no_data_figure("No comparison with in-person CBT has been published yet.")
    outcomes = data["outcome_label"].unique(maintain_order=True).to_list()
    columns = data["column_label"].unique(maintain_order=True).to_list()
    cells = {(r["outcome_label"], r["column_label"]): r for r in data.iter_rows(named=True)}
    z, text = [], []
    for outcome in outcomes:
        z_row, text_row = [], []
        for column in columns:
            row = cells.get((outcome, column))
            z_row.append(CATEGORIES[category(row)][0] if row else None)
            words = cell_text(row, rules) if row else "no comparison"
            lines = [line for part in words.split("; ") for line in textwrap.wrap(part, 26)]
            text_row.append("<br>".join(lines))
        z.append(z_row)
        text.append(text_row)
    top = len(CATEGORIES) - 1
    scale = [[position / top, colour] for position, colour in CATEGORIES.values()]
    figure = go.Figure(
        go.Heatmap(
            z=z,
            x=columns,
            y=outcomes,
            zmin=0,
            zmax=top,
            colorscale=scale,
            showscale=False,
            xgap=3,
            ygap=3,
            text=text,
            texttemplate="%{text}",
            textfont={"color": TEXT_COLOUR, "size": 12},
            hovertemplate="<b>%{y}</b>, %{x}<br>%{text}<extra></extra>",
        )
    )
    figure.update_xaxes(
        side="top",
        title=None,
        tickangle=0,
        tickvals=columns,
        ticktext=[c.replace(" (", "<br>(").replace(", ", ",<br>") for c in columns],
    )
    figure.update_yaxes(autorange="reversed", title=None)
    return titled(
        figure,
        f"iCBT against in-person CBT, {timepoint_label(data['timepoint'][0]).lower()}",
        "Non-inferiority verdict (or the diagnostics that withheld it) and its certainty",
        "A verdict is shown only when every diagnostic passed; 'not shown' names the failed "
        "ones. Certainty follows GRADE: observational evidence starts low.",
        300 + 84 * len(outcomes),
    )


def summarise(data: pl.DataFrame, rules: SuppressionRules) -> str:
    if data.is_empty():
        return "No comparison with in-person CBT has been published yet."
    parts = []
    for outcome in data["outcome_label"].unique(maintain_order=True):
        rows = data.filter(pl.col("outcome_label") == outcome)
        cells = "; ".join(
            f"{row['column_label']}: {cell_text(row, rules)}" for row in rows.iter_rows(named=True)
        )
        parts.append(f"{outcome} ({cells})")
    label = timepoint_label(data["timepoint"][0]).lower()
    return f"iCBT against in-person CBT at {label}: " + ". ".join(parts) + "."


def about(rules: SuppressionRules, comments: dict[str, str | None]) -> list[str]:
    paragraphs = [
        "For each outcome: all iCBT programs pooled by random-effects meta-analysis "
        "(DerSimonian-Laird), and each delivery mode's programs together compared with the "
        "national in-person cohort. Verdicts follow the non-inferiority rule against half "
        "the outcome's minimal clinically important difference: superior, non-inferior, "
        "inferior or inconclusive. A delivery mode's verdict is shown only when every "
        "diagnostic passed; otherwise the failed diagnostics are named.",
        "Certainty: observational evidence starts low and is rated down for risk of bias, "
        "inconsistency, imprecision and indirectness (details on the Effectiveness page).",
        "Source: the warehouse tables " + ", ".join(MARTS) + ".",
        f"Privacy: a cell built on 1 to {rules.threshold - 1} episodes, or hidden so that "
        "such a group cannot be worked out from a total, is not shown.",
    ]
    for table, comment in comments.items():
        if comment:
            paragraphs.insert(-1, f"How the pipeline describes {table}: {comment}")
    return paragraphs


TABLE_HEADERS = {
    "outcome_label": "Outcome",
    "column_label": "Programs compared",
    "difference": "Difference (CI)",
    "verdict_text": "Verdict",
    "certainty": "Certainty",
}
NUMERIC_COLUMNS = frozenset({"difference"})


def _hidden_label(row: dict, rules: SuppressionRules) -> str | None:
    if row["status"] == Status.SMALL.value:
        return rules.small_label
    if row["status"] == Status.COMPLEMENTARY.value:
        return rules.suppressed_label
    return None


def _number(row: dict, column: str, rules: SuppressionRules, decimals: int) -> str:
    label = _hidden_label(row, rules)
    if label is not None:
        return label
    return "" if row[column] is None else f"{row[column]:.{decimals}f}"


def _difference(row: dict, rules: SuppressionRules) -> str:
    label = _hidden_label(row, rules)
    if label is not None:
        return label
    if row["estimate"] is None:
        return MISSING
    estimate, low, high = (_number(row, c, rules, 2) for c in ("estimate", "ci_low", "ci_high"))
    return f"{estimate} ({low} to {high})"


def _labelled(data: pl.DataFrame, rules: SuppressionRules) -> list[dict]:
    """Rows with verdict and certainty as text, suppression labels in hidden cells."""
    rows = []
    for row in data.iter_rows(named=True):
        label = _hidden_label(row, rules)
        rows.append(
            {
                **row,
                "verdict_text": label or row["verdict_text"],
                "certainty": label or row["certainty"] or MISSING,
            }
        )
    return rows


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval named by the snapshot's confidence level."""
    return TABLE_HEADERS | {"difference": f"Difference ({ci_name(confidence)})"}


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    rows = [{**row, "difference": _difference(row, rules)} for row in _labelled(data, rules)]
    return pl.DataFrame(
        [{c: row[c] for c in TABLE_HEADERS} for row in rows],
        schema=dict.fromkeys(TABLE_HEADERS, pl.String),
    )


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """The grid's numbers, suppressed cells as their labels."""
    rows = [
        {
            **row,
            **{c: _number(row, c, rules, 4) for c in ("estimate", "ci_low", "ci_high")},
        }
        for row in _labelled(data, rules)
    ]
    return pl.DataFrame(
        [{c: row[c] for c in CSV_COLUMNS} for row in rows],
        schema=dict.fromkeys(CSV_COLUMNS, pl.String),
    )


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.TIMEPOINT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, {table: marts.comment(table) for table in MARTS})


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(
        marts.pooled_effects(),
        marts.comparisons(),
        marts.evidence_certainty(),
        str(view.state.timepoint),
    )
    return ChartData(data, data, headers=table_headers(configured_confidence(marts)))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot, view.rules), summarise(data.plot, view.rules))
