"""Local results beside the literature: each program's own pre-post change and benchmarks.

Reads `mart_comparisons` (primary comparisons: `program_prepost_g`, the subject's own
standardised pre-post change, and the ids and effects of the benchmarks of the
outcome's domain) and `ref_literature_benchmarks` (citation, measure and 95% CI of each
benchmark, verified numbers only; "95%" in this module is the level the sources published,
a fact about them, not the observatory's configured confidence_level, and only benchmark
rows have an interval here). The routine-care iCBT pre-post benchmark is directly
comparable with a program's own change; the between-group benchmarks (iCBT vs control,
in-person CBT vs usual care) compare with control conditions and are context only.
Input frames: the suppressed comparisons (`Marts.comparisons`) and the
benchmarks (no counts of patients).
"""

from __future__ import annotations

import re

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    no_data_figure,
    omitted_note,
    ordered_modes,
    require_suppressed,
    status,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import (
    fit_legend,
    mode_order,
    subject_names,
)
from dashboards.charts.comparison_common import title as outcome_title
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.effectiveness import COMPARISONS as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO, TEXT_COLOUR, mode_label, mode_style
from dashboards.view_state import ViewState

MART = "mart_comparisons"
REFERENCE = "ref_literature_benchmarks"
WHAT = "analysed episodes"

# Benchmark role -> (id column in mart_comparisons, label, drawn as).
ROLES = {
    "routine_care": (
        "benchmark_routine_care_id",
        "Routine-care iCBT, pre-post",
        "like for like",
    ),
    "internet": ("benchmark_internet_id", "iCBT vs control", "context"),
    "in_person": (
        "benchmark_in_person_id",
        "In-person CBT vs usual care",
        "context",
    ),
}
BENCHMARK_FIELDS = ("improvement", "improvement_ci_low", "improvement_ci_high", "measure")

CSV_COLUMNS = (
    "subject_type",
    "subject_id",
    "subject_name",
    "delivery_mode",
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "n_program_analysed",
    "program_prepost_g",
    "benchmark_domain",
    "benchmark_routine_care_id",
    "benchmark_routine_care_effect",
    "benchmark_internet_id",
    "benchmark_internet_effect",
    "benchmark_in_person_id",
    "benchmark_in_person_effect",
)


def short_citation(citation: str | None) -> str:
    """ "Dear 2023" from "Dear BF et al. Pain Med 2023;24(12)..."."""
    if not citation:
        return ""
    author = citation.split()[0].rstrip(",")
    year = re.search(r"\b(19|20)\d{2}\b", citation)
    return f"{author} {year.group(0)}" if year else author


def process_data(df: pl.DataFrame, benchmarks: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Primary comparisons of the outcome and timepoint in view, with their benchmarks.

    Each row gets the benchmarks' citation, measure and improvement with 95% CI as
    `<role>_<field>` columns (the same on every row of an outcome), and a `status`.
    """
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None or filters.timepoint is None:
        raise ValueError("the benchmark chart needs an outcome and a timepoint")
    rows = df.filter(
        pl.col("is_primary"),
        pl.col("instrument") == filters.outcome.instrument,
        pl.col("scale") == filters.outcome.scale,
        pl.col("timepoint") == filters.timepoint,
        pl.col("delivery_mode").is_in(list(filters.modes)),
        (pl.col("subject_type") == "delivery_mode")
        | pl.col("subject_id").is_in(list(filters.programs)),
    )
    for role, (id_column, _, _) in ROLES.items():
        fields = benchmarks.select(
            pl.col("benchmark_id").alias(id_column),
            pl.col("citation").alias(f"{role}_citation"),
            *[pl.col(f).alias(f"{role}_{f}") for f in BENCHMARK_FIELDS],
        )
        rows = rows.join(fields, on=id_column, how="left", maintain_order="left")
    return (
        rows.with_columns(
            status("n_program_analysed", "program_prepost_g"),
            subject_names(rows),
            mode_order(rows).alias("_order"),
        )
        .sort("_order", pl.col("subject_type") == "delivery_mode", "subject_id")
        .drop("_order")
    )


def benchmark_rows(data: pl.DataFrame) -> list[dict]:
    """The outcome's benchmarks: role, label, citation, effect and CI (positive = better)."""
    if data.is_empty():
        return []
    first = data.row(0, named=True)
    found = []
    for role, (_, label, kind) in ROLES.items():
        if first[f"{role}_improvement"] is None:
            continue
        found.append(
            {
                "role": role,
                "label": f"{label} ({short_citation(first[f'{role}_citation'])})",
                "kind": kind,
                "citation": first[f"{role}_citation"],
                "measure": first[f"{role}_measure"],
                "effect": first[f"{role}_improvement"],
                "ci_low": first[f"{role}_improvement_ci_low"],
                "ci_high": first[f"{role}_improvement_ci_high"],
            }
        )
    return found


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Own pre-post change per program and mode, then the benchmarks, on one effect axis."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    references = benchmark_rows(data)
    if shown.is_empty() and not references:
        return no_data_figure(
            "No comparison matches the filters."
            if data.is_empty()
            else "No program's change can be shown, and this outcome has no benchmark."
        )
    figure = go.Figure()
    for mode in ordered_modes(shown["delivery_mode"].to_list()):
        rows = shown.filter(pl.col("delivery_mode") == mode)
        style = mode_style(mode)
        figure.add_trace(
            go.Scatter(
                x=rows["program_prepost_g"].to_list(),
                y=rows["name"].to_list(),
                mode="markers",
                name=mode_label(mode),
                marker={"color": style.colour, "symbol": style.symbol, "size": 12},
                hovertemplate="<b>%{y}</b><br>Own pre-post change g = %{x:.2f}<extra></extra>",
            )
        )
    for kind, symbol in (
        ("like for like", "star"),
        ("context", "star-open"),
    ):
        rows = [r for r in references if r["kind"] == kind]
        if not rows:
            continue
        figure.add_trace(
            go.Scatter(
                x=[r["effect"] for r in rows],
                y=[r["label"] for r in rows],
                mode="markers",
                name=f"Published benchmark, {kind}",
                marker={
                    "color": TEXT_COLOUR,
                    "symbol": symbol,
                    "size": 14,
                    "line": {"width": 2, "color": TEXT_COLOUR},
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        (r["ci_high"] - r["effect"]) if r["ci_high"] is not None else 0
                        for r in rows
                    ],
                    "arrayminus": [
                        (r["effect"] - r["ci_low"]) if r["ci_low"] is not None else 0 for r in rows
                    ],
                    "color": TEXT_COLOUR,
                    "thickness": 2,
                    "width": 6,
                },
                customdata=[[r["measure"], r["citation"]] for r in rows],
                hovertemplate="<b>%{y}</b><br>%{customdata[0]} %{x:.2f}<br>"
                "%{customdata[1]}<extra></extra>",
            )
        )
    routine = next((r for r in references if r["role"] == "routine_care"), None)
    if routine is not None:
        figure.add_vline(
            x=routine["effect"],
            line={"color": OKABE_ITO["reddish_purple"], "dash": "dash", "width": 2},
            annotation={"text": "routine-care benchmark", "font": {"size": 12}},
            annotation_position="top",
        )
    figure.add_vline(x=0, line={"color": TEXT_COLOUR, "width": 1})
    order = [*shown["name"].to_list(), *[r["label"] for r in references]]
    figure.update_yaxes(categoryorder="array", categoryarray=order, autorange="reversed")
    figure.update_xaxes(
        title="Standardised effect (Hedges' g or SMD), positive = improvement",
        zeroline=True,
    )
    notes = [
        "A program's own pre-post change is comparable with the routine-care benchmark only; "
        "the between-group benchmarks compare treatment with control conditions."
    ]
    if not references:
        notes.append("This outcome's domain has no published benchmark.")
    notes.append(omitted_note(data, "name", WHAT))
    return fit_legend(
        titled(
            figure,
            outcome_title(data),
            "Each program's own standardised pre-post change beside published benchmarks",
            " ".join(n for n in notes if n),
            260 + 40 * len(order),
        )
    )


def summarise(data: pl.DataFrame) -> str:
    title = outcome_title(data)
    if data.is_empty():
        return f"{title}: no comparison matches the filters."
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    references = benchmark_rows(data)
    routine = next((r for r in references if r["role"] == "routine_care"), None)
    sentences = []
    if shown.height:
        items = [
            f"{row['name']} {row['program_prepost_g']:.2f}" for row in shown.iter_rows(named=True)
        ]
        sentences.append(
            f"{title}, own standardised pre-post change (positive = improvement): "
            + "; ".join(items)
            + "."
        )
    if routine is not None:
        above = shown.filter(pl.col("program_prepost_g") >= routine["effect"]).height
        sentences.append(
            f"Routine-care iCBT benchmark {routine['effect']:.2f} "
            f"({short_citation(routine['citation'])}): {above} of {shown.height} at or above it."
        )
    context = [f"{r['label']} {r['effect']:.2f}" for r in references if r["role"] != "routine_care"]
    if context:
        sentences.append("Between-group benchmarks, for context: " + "; ".join(context) + ".")
    if not references:
        sentences.append("This outcome's domain has no published benchmark.")
    sentences.append(omitted_note(data, "name", WHAT))
    return " ".join(s for s in sentences if s)


def about(
    rules: SuppressionRules, mart_comment: str | None, reference_comment: str | None
) -> list[str]:
    paragraphs = [
        "Dots: each program's (or delivery mode's) own change from baseline as a "
        "standardised mean change (Hedges' g, pre-post, positive = improvement), among "
        "analysed episodes. Stars: the published benchmarks of the outcome's domain, with "
        "their 95% CI where the source gives one.",
        "The filled star and the dashed line are routine-care iCBT evaluated before and "
        "after treatment, the like-for-like reference for a program's own change. The open "
        "stars are between-group effects against usual care or waiting list (iCBT vs "
        "control; in-person CBT vs usual care): context for how large effects of these "
        "treatments are, not a reference for a pre-post change.",
        f"Source: {MART} (program_prepost_g and the benchmark ids it attaches) and "
        f"{REFERENCE} (only numbers verified in their source are used as benchmarks).",
        f"Privacy: a program with 1 to {rules.threshold - 1} analysed episodes, or hidden "
        "so that such a program cannot be worked out from its delivery mode's total, shows "
        "no change.",
    ]
    for table, comment in ((MART, mart_comment), (REFERENCE, reference_comment)):
        if comment:
            paragraphs.insert(-1, f"How the pipeline describes {table}: {comment}")
    return paragraphs


TABLE_HEADERS = {
    "name": "Program, mode or benchmark",
    "kind": "What it is",
    "n_program_analysed": "Analysed n",
    "effect": "Effect",
    # The published benchmarks' own level; the subjects' rows have no interval.
    "ci": "95% CI",
    "source": "Source",
}
NUMERIC_COLUMNS = frozenset({"n_program_analysed", "effect", "ci"})


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    """Subjects first (own pre-post change), then the benchmarks with their citation."""
    text = text_frame(data, SUPPRESSION, rules, decimals=2)
    subjects = text.select(
        "name",
        pl.lit("own pre-post change").alias("kind"),
        pl.col("n_program_analysed"),
        pl.col("program_prepost_g").replace("", MISSING).alias("effect"),
        pl.lit(MISSING).alias("ci"),
        pl.lit(MART).alias("source"),
    )
    references = pl.DataFrame(
        [
            {
                "name": r["label"],
                "kind": f"published, {r['kind']}",
                "n_program_analysed": MISSING,
                "effect": f"{r['effect']:.2f}",
                "ci": f"{r['ci_low']:.2f} to {r['ci_high']:.2f}"
                if r["ci_low"] is not None
                else MISSING,
                "source": r["citation"],
            }
            for r in benchmark_rows(data)
        ],
        schema=dict.fromkeys(TABLE_HEADERS, pl.String),
    )
    return pl.concat([subjects, references]).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    extra = [f"{role}_{field}" for role in ROLES for field in ("citation", *BENCHMARK_FIELDS)]
    return text_frame(data, SUPPRESSION, rules, (*CSV_COLUMNS, *extra), decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset(
    {Control.OUTCOME, Control.TIMEPOINT, Control.MODES, Control.PROGRAMS}
)


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), marts.comment(REFERENCE))


def load(marts: Marts, view: ChartView) -> ChartData:
    return ChartData.of(
        process_data(marts.comparisons(), marts.literature_benchmarks(), view.state)
    )


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
