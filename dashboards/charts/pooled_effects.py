"""The programs together: pooled difference from in-person CBT, overall and by delivery mode.

Reads `mart_pooled_effects` (one row per outcome, timepoint, subgroup and random-effects
method: DerSimonian-Laird, the primary, and Paule-Mandel beside it) and
`mart_subgroup_tests` (the test for differences between delivery modes). Each row shows
the pooled difference with its CI and the prediction interval for a new program, both at
the snapshot's confidence_level (carried in the frame, `confidence_of`), with the
non-inferiority margin drawn. Input frames: the suppressed pooled mart
(`Marts.pooled_effects`) and the subgroup tests (no counts).
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.charts.common import (
    MISSING,
    Status,
    ci_name,
    ci_text,
    confidence_of,
    configured_confidence,
    level,
    level_headers,
    no_data_figure,
    ordered_modes,
    points,
    require_suppressed,
    text_frame,
    titled,
)
from dashboards.charts.comparison_common import (
    ALL_PROGRAMS,
    METHOD_LABELS,
    difference_axis_title,
    direction_note,
    margin_position,
    subgroup_name,
    title,
)
from dashboards.charts.protocol import ChartData, ChartView, Control, Drawing
from dashboards.marts import Marts
from dashboards.marts.effectiveness import POOLED_EFFECTS as SUPPRESSION
from dashboards.suppression import SUPPRESSED_SUFFIX, SuppressionRules
from dashboards.theme import TEXT_COLOUR, mode_style
from dashboards.view_state import ViewState

MART = "mart_pooled_effects"
TESTS_MART = "mart_subgroup_tests"
PRIMARY_METHOD = "dl"
TEST_COLUMNS = ("groups", "q_between", "df", "p_value")

CSV_COLUMNS = (
    "instrument",
    "scale",
    "outcome_label",
    "timepoint",
    "subgroup",
    "method",
    "k",
    "programs",
    "programs_excluded",
    "n_episodes",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "tau2",
    "i2",
    "q",
    "q_p",
    "pi_low",
    "pi_high",
    "mcid_points",
    "noninferiority_margin",
    "verdict",
    "confidence_level",
    "groups",
    "q_between",
    "df",
    "p_value",
)


def process_data(df: pl.DataFrame, tests: pl.DataFrame, filters: ViewState) -> pl.DataFrame:
    """Pooled rows of the outcome and timepoint: all programs, then the modes in view.

    Each row carries its method's subgroup test, withheld (null, `test_withheld`) when
    any delivery mode's pooled estimate is hidden, since the test is built from them.
    Whether it is withheld depends on every mode, not on the modes in view.
    """
    require_suppressed(df, SUPPRESSION)
    if filters.outcome is None or filters.timepoint is None:
        raise ValueError("the pooled chart needs an outcome and a timepoint")
    of_view = (
        (pl.col("instrument") == filters.outcome.instrument)
        & (pl.col("scale") == filters.outcome.scale)
        & (pl.col("timepoint") == filters.timepoint)
    )
    rows = df.filter(of_view)
    withheld = (
        rows.filter(pl.col("subgroup") != ALL_PROGRAMS)
        .group_by("method")
        .agg(pl.col("estimate" + SUPPRESSED_SUFFIX).any().alias("test_withheld"))
    )
    test = tests.filter(of_view).select("method", *TEST_COLUMNS)
    rows = rows.join(test, on="method", how="left").join(withheld, on="method", how="left")
    rows = rows.with_columns(pl.col("test_withheld").fill_null(False)).with_columns(
        pl.when(pl.col("test_withheld")).then(None).otherwise(pl.col(c)).alias(c)
        for c in TEST_COLUMNS
    )
    subgroups = [ALL_PROGRAMS, *ordered_modes(filters.modes)]
    rows = rows.filter(pl.col("subgroup").is_in(subgroups))
    labels = [
        f"{subgroup_name(s)}, {METHOD_LABELS.get(m, m)}"
        for s, m in rows.select("subgroup", "method").rows()
    ]
    return (
        rows.with_columns(
            pl.when(pl.col("estimate" + SUPPRESSED_SUFFIX))
            .then(pl.lit(Status.COMPLEMENTARY.value))
            .when(pl.col("estimate").is_null())
            .then(pl.lit(Status.NO_ESTIMATE.value))
            .otherwise(pl.lit(Status.SHOWN.value))
            .alias("status"),
            pl.Series("label", labels, dtype=pl.String),
            pl.col("subgroup")
            .replace_strict({s: i for i, s in enumerate(subgroups)})
            .alias("_order"),
        )
        .sort("_order", pl.col("method") != PRIMARY_METHOD)
        .drop("_order")
    )


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def subgroup_test_text(data: pl.DataFrame) -> str:
    """The test for differences between delivery modes, for each method, in words."""
    if data.is_empty():
        return ""
    sentences = []
    for row in data.unique(subset="method", keep="first", maintain_order=True).iter_rows(
        named=True
    ):
        method = METHOD_LABELS.get(row["method"], row["method"])
        if row["test_withheld"]:
            sentences.append(
                f"Difference between delivery modes ({method}): not shown, because a "
                "delivery mode's pooled estimate is hidden."
            )
        elif row["q_between"] is None or not row["groups"] or row["groups"] < 2:
            sentences.append(
                f"Difference between delivery modes ({method}): fewer than two modes pooled, "
                "no test."
            )
        else:
            sentences.append(
                f"Difference between delivery modes ({method}): Q = {row['q_between']:.2f} on "
                f"{row['df']} df, {_p(row['p_value'])}."
            )
    return " ".join(sentences)


def _programs(k: int) -> str:
    return f"{k} program" if k == 1 else f"{k} programs"


def verdict_words(row: dict) -> str:
    if row["verdict"] is not None:
        return str(row["verdict"])
    if row["noninferiority_margin"] is None:
        return "no verdict (no published MCID)"
    return "no verdict"


def _omitted(data: pl.DataFrame) -> str:
    hidden = data.filter(pl.col("status") != Status.SHOWN.value)
    if hidden.is_empty():
        return ""
    reasons = {
        Status.COMPLEMENTARY.value: "its one program's comparison is hidden",
        Status.NO_ESTIMATE.value: "no program could be pooled",
    }
    parts = [f"{row['label']} ({reasons[row['status']]})" for row in hidden.iter_rows(named=True)]
    return "Not shown: " + "; ".join(parts) + "."


def create_figure(data: pl.DataFrame) -> go.Figure:
    """Pooled differences (diamonds) with CI and prediction interval (dotted line)."""
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    if shown.is_empty():
        return no_data_figure(
            "No pooled estimate for this outcome and timepoint."
            if data.is_empty()
            else "No pooled estimate can be shown."
        )
    higher_is_better = bool(shown["higher_is_better"][0])
    confidence = confidence_of(data)
    ci = ci_name(confidence)
    figure = go.Figure()
    with_pi = shown.filter(pl.col("pi_low").is_not_null())
    if with_pi.height:
        xs: list[float | None] = []
        ys: list[str | None] = []
        for low, high, label in with_pi.select("pi_low", "pi_high", "label").rows():
            xs += [low, high, None]
            ys += [label, label, None]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"{level(confidence)} prediction interval (a new program)",
                line={"color": TEXT_COLOUR, "dash": "dot", "width": 2},
                hoverinfo="skip",
            )
        )
    for method, symbol in ((PRIMARY_METHOD, "diamond"), ("pm", "diamond-open")):
        for subgroup in shown.filter(pl.col("method") == method)["subgroup"].unique(
            maintain_order=True
        ):
            rows = shown.filter(pl.col("method") == method, pl.col("subgroup") == subgroup)
            colour = TEXT_COLOUR if subgroup == ALL_PROGRAMS else mode_style(subgroup).colour
            figure.add_trace(
                go.Scatter(
                    x=rows["estimate"].to_list(),
                    y=rows["label"].to_list(),
                    mode="markers",
                    name=f"{subgroup_name(subgroup)}, {METHOD_LABELS.get(method, method)}",
                    showlegend=False,
                    marker={
                        "color": colour,
                        "symbol": symbol,
                        "size": 16,
                        "line": {"width": 2, "color": colour},
                    },
                    error_x={
                        "type": "data",
                        "symmetric": False,
                        "array": (rows["ci_high"] - rows["estimate"]).to_list(),
                        "arrayminus": (rows["estimate"] - rows["ci_low"]).to_list(),
                        "color": colour,
                        "thickness": 2,
                        "width": 6,
                    },
                    customdata=rows.select("ci_low", "ci_high", "k", "i2").rows(),
                    hovertemplate=(
                        "<b>%{y}</b><br>Pooled difference %{x:.2f} "
                        f"({ci} %{{customdata[0]:.2f}} to %{{customdata[1]:.2f}})<br>"
                        "%{customdata[2]} programs, I\u00b2 %{customdata[3]:.0%}<extra></extra>"
                    ),
                )
            )
    margins = shown["noninferiority_margin"].drop_nulls()
    margin = margin_position(margins[0] if margins.len() else None, higher_is_better)
    ends = [0.0, *shown["ci_low"], *shown["ci_high"], *with_pi["pi_low"], *with_pi["pi_high"]]
    if margin is not None:
        ends.append(margin)
        figure.add_vline(
            x=margin,
            line={"color": "#D55E00", "dash": "dash", "width": 2},
            annotation={"text": "non-inferiority margin", "font": {"size": 12}},
            annotation_position="top",
        )
    figure.add_vline(x=0, line={"color": TEXT_COLOUR, "width": 1})
    for row in shown.iter_rows(named=True):
        figure.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="left",
            xshift=8,
            y=row["label"],
            yref="y",
            text=f"{verdict_words(row)}, k = {row['k']}",
            showarrow=False,
            font={"size": 12},
        )
    pad = 0.08 * ((max(ends) - min(ends)) or 1.0)
    figure.update_yaxes(
        categoryorder="array", categoryarray=shown["label"].to_list(), autorange="reversed"
    )
    figure.update_xaxes(
        title=difference_axis_title(
            "pooled difference, program minus in-person CBT (points)", higher_is_better
        ),
        title_font={"size": 13},
        range=[min(ends) - pad, max(ends) + pad],
    )
    footer = " ".join(
        s for s in (subgroup_test_text(data), direction_note(higher_is_better), _omitted(data)) if s
    )
    figured = titled(
        figure,
        title(data),
        "Random-effects pooled difference (filled: DerSimonian-Laird; open: Paule-Mandel) "
        f"with {ci}",
        footer,
        260 + 44 * shown.height,
    )
    figured.update_layout(margin={"r": 260})
    return figured


def summarise(data: pl.DataFrame) -> str:
    if data.is_empty():
        return f"{title(data)}: no pooled estimate."
    shown = data.filter(pl.col("status") == Status.SHOWN.value)
    ci = ci_name(confidence_of(data)) if shown.height else ""
    items = []
    for row in shown.iter_rows(named=True):
        pi = (
            f", prediction interval {points(row['pi_low'], 2)} to {points(row['pi_high'], 2)}"
            if row["pi_low"] is not None
            else ""
        )
        i2 = f", I\u00b2 {100 * row['i2']:.0f}%" if row["i2"] is not None else ""
        items.append(
            f"{row['label']}: {points(row['estimate'], 2)} ({ci} {points(row['ci_low'], 2)} "
            f"to {points(row['ci_high'], 2)}{pi}{i2}; {_programs(row['k'])}): {verdict_words(row)}"
        )
    sentences = [
        f"{title(data)}, pooled difference from in-person CBT: " + "; ".join(items) + "."
        if items
        else f"{title(data)}: no pooled estimate can be shown.",
        subgroup_test_text(data),
        _omitted(data),
    ]
    return " ".join(s for s in sentences if s)


def about(
    rules: SuppressionRules,
    mart_comment: str | None,
    tests_comment: str | None,
    confidence: float,
    min_programs: int,
) -> list[str]:
    """The "About this chart" text; `confidence` and `min_programs` (the fewest programs a
    prediction interval is given for) are the snapshot's ref_effectiveness_thresholds."""
    paragraphs = [
        "The programs' adjusted differences from in-person CBT pooled by inverse-variance "
        "random-effects meta-analysis, for all iCBT programs and for each delivery mode. "
        "Only primary comparisons whose estimate passed the sample-size, variance, balance "
        "and equipoise diagnostics are pooled. Between-program variance (tau\u00b2) by "
        "DerSimonian-Laird (filled diamonds, the primary analysis) and Paule-Mandel (open "
        "diamonds); the two differ when programs disagree a lot.",
        f"The dotted line is the {level(confidence)} prediction interval: where a new "
        f"program's difference would be expected to fall (shown for {min_programs} or more "
        "programs). The verdict applies the non-inferiority rule to the pooled "
        f"{ci_name(confidence)}.",
        "The test for subgroup differences compares the delivery modes' pooled estimates "
        "(Q between, chi-squared); with few programs per mode it has little power.",
        f"Source: the warehouse tables {MART} and {TESTS_MART}; methods in "
        "docs/methods-effectiveness.md.",
        "Privacy: a pooled estimate of a single program is that program's comparison and is "
        "hidden wherever the comparison is; a pooled episode count is hidden when it would "
        f"reveal a program hidden on this page (counts of 1 to {rules.threshold - 1} and "
        "their complements).",
    ]
    for table, comment in ((MART, mart_comment), (TESTS_MART, tests_comment)):
        if comment:
            paragraphs.insert(-1, f"How the pipeline describes {table}: {comment}")
    return paragraphs


TABLE_HEADERS = {
    "label": "Subgroup and method",
    "k": "Programs",
    "n_episodes": "Episodes",
    "estimate": "Pooled difference",
    "ci": "CI",
    "pi": "prediction interval",
    "tau2": "tau\u00b2",
    "i2": "I\u00b2",
    "verdict": "Verdict",
    "programs": "Programs pooled",
    "programs_excluded": "Programs left out",
}
NUMERIC_COLUMNS = frozenset({"k", "n_episodes", "estimate", "ci", "pi", "tau2", "i2"})


def table_headers(confidence: float) -> dict[str, str]:
    """TABLE_HEADERS with the interval columns named by the snapshot's confidence level."""
    return level_headers(TABLE_HEADERS, confidence, "ci", "pi")


def table_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    text = text_frame(data, SUPPRESSION, rules, decimals=2).with_columns(
        text_frame(data, SUPPRESSION, rules, decimals=0, percents=("i2",))["i2"]
    )
    markers = [rules.small_label, rules.suppressed_label, MISSING, ""]
    ci, pi = (
        [ci_text(lo, hi, markers) or MISSING for lo, hi in text.select(low, high).iter_rows()]
        for low, high in (("ci_low", "ci_high"), ("pi_low", "pi_high"))
    )
    verdicts = [
        text_row["verdict"] if row["status"] != Status.SHOWN.value else verdict_words(row)
        for row, text_row in zip(
            data.iter_rows(named=True), text.iter_rows(named=True), strict=True
        )
    ]
    return text.with_columns(
        pl.Series("ci", ci, dtype=pl.String),
        pl.Series("pi", pi, dtype=pl.String),
        pl.Series("verdict", verdicts, dtype=pl.String),
        pl.col("k").cast(pl.String),
        pl.col("programs").fill_null(MISSING).replace("", MISSING),
        pl.col("programs_excluded").fill_null(MISSING).replace("", MISSING),
    ).select(list(TABLE_HEADERS))


def csv_frame(data: pl.DataFrame, rules: SuppressionRules) -> pl.DataFrame:
    return text_frame(data, SUPPRESSION, rules, CSV_COLUMNS, decimals=4)


# The chart protocol (dashboards/charts/protocol.py).
CONTROLS: frozenset[Control] = frozenset({Control.OUTCOME, Control.TIMEPOINT, Control.MODES})


def describe(marts: Marts) -> list[str]:
    min_programs = marts.reference_value(
        "ref_effectiveness_thresholds", "min_programs_for_prediction_interval"
    )
    return about(
        marts.rules,
        marts.comment(MART),
        marts.comment(TESTS_MART),
        configured_confidence(marts),
        # random_effects never gives one below three programs (t on k - 2 df).
        max(round(min_programs), 3),
    )


def load(marts: Marts, view: ChartView) -> ChartData:
    data = process_data(marts.pooled_effects(), marts.subgroup_tests(), view.state)
    headers = table_headers(configured_confidence(marts))
    return ChartData(data, data, headers=headers)


def draw(data: ChartData, view: ChartView) -> Drawing:
    return Drawing(create_figure(data.plot), summarise(data.plot))
