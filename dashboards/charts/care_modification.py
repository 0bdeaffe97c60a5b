"""Does the difference from in-person CBT depend on concurrent multidisciplinary pain care?

Reads `mart_care_modification` (one row per outcome, timepoint, random-effects method and
care stratum): the iCBT minus in-person CBT difference pooled over programs among
contract v2 episodes with, and without, other pain care (physiotherapy, a pain clinic or
a medication review), and the test for a difference between the two strata. The HTA's
interviewees saw iCBT as part of multidisciplinary care; this asks whether the data
agree. It is observational: patients with and without other care may differ in ways the
case-mix adjustment does not capture. Input frames must be the suppressed mart
(`Marts.care_modification`); the intervals' level is the snapshot's confidence_level,
carried in the frame (`confidence_of`).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    ci_name,
    ci_text,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    points,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import (
    METHOD_LABELS,
    difference_axis_title,
    direction_note,
    fit_legend,
)
from dashboards.charts.pooled_effects import PRIMARY_METHOD
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing, require_outcome
from dashboards.marts import Marts
from dashboards.marts.context import CARE_MODIFICATION as SUPPRESSION
from dashboards.suppression import SuppressionRules
from dashboards.theme import OKABE_ITO
from dashboards.view_state import OutcomeKey

MART = "mart_care_modification"
STRATA = {
    "with_care": "With concurrent pain care",
    "without_care": "Without concurrent pain care",
}
CAVEAT = (
    "Observational: patients with and without other pain care may differ in ways the "
    "case-mix adjustment does not capture, so a difference between the strata is a "
    "signal to look into, not proof that other care changes what iCBT does."
)

CSV_COLUMNS = (
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "method",
    "stratum",
    "k",
    "n_episodes",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "confidence_level",
    "tau2",
    "difference_without_minus_with",
    "q_between",
    "df",
    "p_value",
    "v2_programs",
    "v2_episodes",
)


def process_data(df: pl.DataFrame, outcome: OutcomeKey, timepoint: str) -> pl.DataFrame:
    """The outcome's strata at the timepoint, primary method first, with care first."""
    require_suppressed(df, SUPPRESSION)
    rows = df.filter(
        pl.col("instrument") == outcome.instrument,
        pl.col("scale") == outcome.scale,
        pl.col("timepoint") == timepoint,
        pl.col("stratum").is_in(list(STRATA)),
    )
    strata = {s: i for i, s in enumerate(STRATA)}
    return (
        rows.with_columns(
            pl.col("stratum").replace_strict(STRATA).alias("stratum_label"),
            pl.col("method")
            .replace_strict(METHOD_LABELS, default=None)
            .fill_null(pl.col("method"))
            .alias("method_label"),
            pl.col("estimate").is_not_null().alias("shown"),
            pl.col("stratum").replace_strict(strata).alias("_stratum_order"),
        )
        .sort(pl.col("method") != PRIMARY_METHOD, "method", "_stratum_order")
        .drop("_stratum_order")
    )


def _test_text(row: dict[str, object]) -> str:
    """The test for a difference between the strata, in words, for one method's row."""
    method = row["method_label"]
    if row["p_value"] is None:
        return f"Test between the strata ({method}): not shown, a stratum is hidden or missing."
    return (
        f"Test between the strata ({method}): difference without minus with care "
        f"{points(row['difference_without_minus_with'])} points, Q = {row['q_between']:.2f} "
        f"on {row['df']} df, p = {row['p_value']:.3f}."
    )


def _rests_on(row: dict[str, object]) -> str:
    episodes = row["v2_episodes"]
    counted = f"{episodes:,}" if episodes is not None else "a hidden number of"
    return (
        f"Rests on {row['v2_programs']} iCBT programs and {counted} episodes "
        "that follow contract v2."
    )


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Each stratum's pooled difference with its CI, one marker style per method."""
    if data.is_empty():
        return no_data_figure("No contract v2 comparison by concurrent care for this outcome.")
    shown = data.filter(pl.col("shown"))
    if shown.is_empty():
        return no_data_figure("Too few episodes in the care strata to show an estimate.")
    ci = ci_name(confidence_of(data))
    figure = go.Figure()
    symbols = {PRIMARY_METHOD: "diamond", "pm": "diamond-open"}
    for method in shown["method"].unique(maintain_order=True).to_list():
        rows = shown.filter(pl.col("method") == method)
        figure.add_trace(
            go.Scatter(
                x=rows["estimate"].to_list(),
                y=rows["stratum_label"].to_list(),
                mode="markers",
                name=rows["method_label"][0],
                marker={
                    "symbol": symbols.get(method, "circle"),
                    "size": 14,
                    "color": OKABE_ITO["blue"],
                },
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": (rows["ci_high"] - rows["estimate"]).to_list(),
                    "arrayminus": (rows["estimate"] - rows["ci_low"]).to_list(),
                    "thickness": 2,
                },
                customdata=rows.select("ci_low", "ci_high").rows(),
                hovertemplate=f"<b>%{{y}}</b><br>%{{x:+.2f}} points ({ci} "
                "%{customdata[0]:+.2f} to %{customdata[1]:+.2f})<extra>"
                + rows["method_label"][0]
                + "</extra>",
            )
        )
    figure.add_vline(x=0, line={"color": OKABE_ITO["black"], "width": 1})
    first = data.row(0, named=True)
    figure.update_xaxes(
        title=difference_axis_title("iCBT minus in-person CBT", first["higher_is_better"]),
        zeroline=False,
    )
    figure.update_yaxes(autorange="reversed", title=None)
    titled(
        figure,
        f"Concurrent pain care and the comparison: {first['outcome_label']}",
        f"Pooled adjusted difference from in-person CBT with {ci}, per care stratum (contract v2)",
        " ".join([_test_text(first), _rests_on(first), CAVEAT]),
        300,
    )
    return fit_legend(figure)


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return "No contract v2 comparison by concurrent care for this outcome and timepoint."
    first = data.row(0, named=True)
    primary = data.filter(pl.col("method") == first["method"])
    ci = ci_name(confidence_of(data))
    strata = []
    for row in primary.iter_rows(named=True):
        if row["shown"]:
            strata.append(
                f"{row['stratum_label'].lower()}, iCBT minus in-person CBT "
                f"{points(row['estimate'])} points ({ci} {points(row['ci_low'])} to "
                f"{points(row['ci_high'])}; {row['k']} programs)"
            )
        else:
            strata.append(f"{row['stratum_label'].lower()}, not shown (too few episodes)")
    return (
        f"{first['outcome_label']} ({first['method_label']}): "
        + "; ".join(strata)
        + ". "
        + " ".join(
            [
                _test_text(first),
                direction_note(first["higher_is_better"]),
                _rests_on(first),
                CAVEAT,
            ]
        )
    )


def about(rules: SuppressionRules, mart_comment: str | None, confidence: float) -> list[str]:
    paragraphs = [
        "Each marker is the difference between iCBT and in-person CBT, adjusted for case "
        "mix as on the comparisons above, pooled over programs by random effects, among "
        "contract v2 episodes with concurrent multidisciplinary pain care (physiotherapy, "
        "a pain clinic or a medication review) and among those without; the bars are "
        f"{level(confidence)} confidence intervals. The test for subgroup differences asks "
        "whether the two differ (Borenstein et al. 2009, ch. 19); with few programs it has "
        "little power.",
        CAVEAT,
        f"Source: the warehouse table {MART}; only programs that send contract v2 "
        "deliveries record concurrent care, and the footnote says how many.",
        f"Privacy: a stratum with 1 to {rules.threshold - 1} episodes, or one pooling a "
        "program whose comparison is hidden, is not shown, and neither is the test.",
    ]
    if mart_comment:
        paragraphs.insert(3, f"How the pipeline describes {MART}: {mart_comment}")
    return paragraphs


TABLE_HEADERS = {
    "stratum_label": "Stratum",
    "method_label": "Method",
    "k": "Programs",
    "n_episodes": "iCBT episodes",
    "estimate": "Difference",
    "ci": "CI",
    "p_value": "Test p",
}
NUMERIC_COLUMNS = frozenset(TABLE_HEADERS) - {"stratum_label", "method_label"}


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval column named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "ci")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, decimals=1)
    markers = (rules.small_label, rules.suppressed_label, MISSING)
    return text.with_columns(
        pl.struct("ci_low", "ci_high")
        .map_elements(lambda r: ci_text(r["ci_low"], r["ci_high"], markers), pl.String)
        .alias("ci"),
        pl.col("k").cast(pl.String),
        pl.when(pl.col("p_value").is_in(markers))
        .then(pl.col("p_value"))
        .otherwise(data["p_value"].map_elements(lambda p: f"{p:.3f}", pl.String, skip_nulls=True))
        .fill_null(MISSING)
        .alias("p_value"),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.TIMEPOINT})


def describe(marts: Marts) -> list[str]:
    return about(marts.rules, marts.comment(MART), configured_confidence(marts))


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.care_modification(), require_outcome(view), str(view.state.timepoint))
    return ChartData(data, data, headers=table_headers(configured_confidence(marts)))


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
