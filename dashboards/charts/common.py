"""Pieces every chart shares: empty states, statuses of suppressed rows, labels, layout."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

import plotly.graph_objects as go
import polars as pl

from dashboards.suppression import (
    SMALL_SUFFIX,
    SUPPRESSED_SUFFIX,
    SuppressionRules,
    SuppressionSpec,
    is_suppressed,
    labelled,
)
from dashboards.theme import DELIVERY_MODES, mode_label
from dashboards.view_state import Unit

if TYPE_CHECKING:
    from dashboards.marts import Marts

MISSING = "\u2014"
UNIT_TYPE_LABELS = {
    "program": "Program",
    "delivery_mode": "Delivery mode",
    "all_icbt": "All iCBT",
}


class Status(StrEnum):
    """Why a row is, or is not, drawn."""

    SHOWN = "shown"
    SMALL = "small"
    COMPLEMENTARY = "complementary"
    NO_DATA = "no_data"
    NO_ESTIMATE = "no_estimate"


def reasons(what: str) -> dict[Status, str]:
    """Why a row is not drawn, in words; `what` names the count (e.g. "episodes")."""
    return {
        Status.SMALL: f"too few {what} to show",
        Status.COMPLEMENTARY: "hidden so that a small group cannot be worked out from totals",
        Status.NO_DATA: f"no {what}",
        Status.NO_ESTIMATE: "no estimate published",
    }


def status(count: str, estimate: str) -> pl.Expr:
    """`Status` of each row of a suppressed frame, from its count and the value drawn."""
    return (
        pl.when(pl.col(count + SUPPRESSED_SUFFIX) & pl.col(count + SMALL_SUFFIX))
        .then(pl.lit(Status.SMALL.value))
        .when(pl.col(count + SUPPRESSED_SUFFIX) | pl.col(estimate + SUPPRESSED_SUFFIX))
        .then(pl.lit(Status.COMPLEMENTARY.value))
        .when(pl.col(count).fill_null(0) == 0)
        .then(pl.lit(Status.NO_DATA.value))
        .when(pl.col(estimate).is_null())
        .then(pl.lit(Status.NO_ESTIMATE.value))
        .otherwise(pl.lit(Status.SHOWN.value))
        .alias("status")
    )


def require_suppressed(frame: pl.DataFrame, spec: SuppressionSpec) -> None:
    """Refuse a frame that has not been through `suppress`, so nothing unsafe is drawn."""
    if not is_suppressed(frame, spec):
        raise ValueError("process_data needs a frame returned by suppress() for its mart")


def omitted_note(data: pl.DataFrame, name: str, what: str) -> str:
    """Every row not drawn, and why: "Not shown: A (too few episodes to show); ..."."""
    hidden = data.filter(pl.col("status") != Status.SHOWN.value)
    if hidden.is_empty():
        return ""
    why = reasons(what)
    parts = [f"{row[name]} ({why[Status(row['status'])]})" for row in hidden.iter_rows(named=True)]
    return "Not shown: " + "; ".join(parts) + "."


def points(value: float, decimals: int = 1) -> str:
    """A signed number with a real minus sign, which screen readers say as "minus"."""
    return f"{value:+.{decimals}f}".replace("-", "\u2212")


def percent(value: float | None) -> str:
    return MISSING if value is None else f"{100 * value:.0f}%"


def level(share: float) -> str:
    """A configured share as a percentage with the digits it has (0.998 -> 99.8%)."""
    return f"{100 * share:g}%"


# The column the dashboard's queries of the marts with intervals add (sql/dashboard/), from
# ref_effectiveness_thresholds: the level every published interval was computed at.
CONFIDENCE_LEVEL = "confidence_level"


def configured_confidence(marts: Marts) -> float:
    """The snapshot's two-sided confidence level, for text drawn without a frame (notes,
    table headings): the value `confidence_of` reads from the frames."""
    return marts.reference_value("ref_effectiveness_thresholds", CONFIDENCE_LEVEL)


def confidence_of(data: pl.DataFrame) -> float:
    """The level of the intervals in a frame read from a mart (rows a left join found no
    mart row for carry none), so a chart names the level its numbers were published at
    and never types one."""
    levels = data[CONFIDENCE_LEVEL].drop_nulls().unique()
    if levels.len() != 1:
        raise ValueError(f"expected one confidence level in the frame, found {levels.to_list()}")
    return float(levels[0])


def ci_name(confidence: float) -> str:
    """Every interval's label: the configured level as `level` writes it, then "CI"."""
    return f"{level(confidence)} CI"


def level_headers(headers: Mapping[str, str], confidence: float, *columns: str) -> dict[str, str]:
    """A table's headings with each interval column's prefixed by the snapshot's level
    as `level` writes it ("CI low" becomes "<level> CI low"), for `ChartData.headers`."""
    return {**headers, **{column: f"{level(confidence)} {headers[column]}" for column in columns}}


def unit_name(unit_type: str, unit_id: str, unit_label: str | None) -> str:
    """Readable unit name: program names as published, modes by their display label."""
    if unit_type == "delivery_mode":
        return mode_label(unit_id)
    if unit_type == "all_icbt":
        return "All iCBT programs"
    return unit_label or unit_id


def with_unit_names(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `unit_name` to a reporting-unit frame."""
    names = [
        unit_name(t, i, label)
        for t, i, label in frame.select("unit_type", "unit_id", "unit_label").iter_rows()
    ]
    return frame.with_columns(pl.Series("unit_name", names, dtype=pl.String))


def of_unit(unit: Unit) -> pl.Expr:
    """Filter expression for the rows of one reporting unit."""
    return (pl.col("unit_type") == unit.unit_type) & (pl.col("unit_id") == unit.unit_id)


def ordered_modes(present: Sequence[str]) -> list[str]:
    """Delivery modes in the contract's order of therapist involvement, others after."""
    modes = set(present)
    return [m for m in DELIVERY_MODES if m in modes] + sorted(modes - set(DELIVERY_MODES))


def no_data_figure(message: str) -> go.Figure:
    """A blank figure that states why there is nothing to draw, instead of empty axes."""
    figure = go.Figure()
    figure.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font={"size": 16},
    )
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(height=240, margin={"t": 24, "b": 24})
    return figure


def titled(figure: go.Figure, title: str, subtitle: str, footer: str, height: int) -> go.Figure:
    """Title, subtitle and a wrapped footer note (Plotly does not wrap annotations)."""
    lines = textwrap.wrap(footer, 90)
    if lines:
        figure.add_annotation(
            text="<br>".join(lines),
            x=0,
            xref="paper",
            xanchor="left",
            y=0,
            yref="paper",
            yanchor="top",
            yshift=-56,
            showarrow=False,
            align="left",
            font={"size": 12},
        )
    figure.update_layout(
        title={
            "text": title,
            "subtitle": {"text": subtitle},
            "x": 0.01,
            "xref": "container",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
        },
        height=height + 18 * len(lines),
        margin={"t": 110, "b": 64 + 18 * len(lines)},
    )
    return figure


def delivery_dots(
    rows: pl.DataFrame, y: str, name: str, colour: str, symbol: str, hovertemplate: str
) -> go.Scatter:
    """Days since each program's last delivery as a dot labelled "n days" (freshness).

    A labelled dot, not a bar: a program that delivered today (0 days) would be a bar of
    no length, invisible and unlabelled. `rows` carries latest_batch_id and
    overdue_after_days for the hover (`customdata`).
    """
    return go.Scatter(
        x=rows["days_since_delivery"].to_list(),
        y=rows[y].to_list(),
        mode="markers+text",
        name=name,
        marker={"color": colour, "size": 11, "symbol": symbol},
        text=[f"{d} days" for d in rows["days_since_delivery"]],
        textposition="middle right",
        customdata=rows.select("latest_batch_id", "overdue_after_days").rows(),
        hovertemplate=hovertemplate,
    )


def graph_config(filename: str) -> dict[str, object]:
    """dcc.Graph config: the modebar's "download as image" saves `<filename>.png`."""
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
    }


def text_frame(
    data: pl.DataFrame,
    spec: SuppressionSpec,
    rules: SuppressionRules,
    columns: Sequence[str] | None = None,
    *,
    decimals: int = 1,
    percents: Sequence[str] = (),
) -> pl.DataFrame:
    """Declared columns as text with suppression labels, then `columns` (all) in order.

    Tables use one decimal, show a missing value as a dash and shares (`percents`) as
    percentages; CSV downloads use more decimals, leave a missing value empty and keep
    shares as published.
    """
    scaled = data.with_columns(pl.col(c) * 100 for c in percents)
    text = labelled(scaled, spec, rules, decimals=decimals, missing=MISSING if decimals < 2 else "")
    markers = (rules.small_label, rules.suppressed_label, MISSING, "")
    text = text.with_columns(
        pl.when(pl.col(c).is_in(markers)).then(pl.col(c)).otherwise(pl.col(c) + "%").alias(c)
        for c in percents
    )
    return text if columns is None else text.select(list(columns))


def ci_text(low: str, high: str, markers: Sequence[str]) -> str:
    """ "a to b", or the suppression label when either end is hidden or missing."""
    for end in (low, high):
        if end in markers:
            return end
    return f"{low} to {high}"


def rests_on(programs: int, episodes: int | None, what: str) -> str:
    """ "Rests on 3 programs and 1,200 contract v2 episodes.": what a v2-only analysis
    counts, the episode count shown only where suppression lets it."""
    counted = f"{episodes:,}" if episodes is not None else "a hidden number of"
    noun = "program" if programs == 1 else "programs"
    return f"Rests on {programs} {noun} and {counted} {what}."
