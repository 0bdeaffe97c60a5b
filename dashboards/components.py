"""Layout pieces shared by pages: the warehouse status message and an accessible table."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from datetime import datetime

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from dashboards.data import MartMissingError, WarehouseNotPublishedError
from dashboards.ids import Id


def unavailable(exc: Exception) -> dbc.Alert:
    """Why a page cannot show data, in words a reader can act on (no server paths)."""
    if isinstance(exc, WarehouseNotPublishedError):
        heading = "No warehouse published yet"
        body = [
            "The pipeline has not published any results. Run ",
            html.Code("make run"),
            " to build and publish the warehouse, then reload this page.",
        ]
    elif isinstance(exc, MartMissingError):
        heading = "This page's data is not in the published warehouse yet"
        body = [
            "The warehouse was published by a pipeline version that does not build the "
            "table this page reads. It will appear after the next run that builds it."
        ]
    else:
        heading = "The warehouse cannot be read right now"
        body = ["Reload the page in a moment; if this persists, check the pipeline's last run."]
    return dbc.Alert(
        [html.H2(heading, className="h4 alert-heading"), html.P(body, className="mb-0")],
        id=Id.WAREHOUSE_STATUS,
        color="warning",
    )


def published_line(built_at: datetime) -> html.P:
    return html.P(
        f"Data published {built_at:%Y-%m-%d %H:%M} UTC.",
        className="text-body-secondary small mt-3",
    )


def data_table(
    frame: pl.DataFrame,
    headers: Mapping[str, str],
    caption: str,
    *,
    numeric: AbstractSet[str] = frozenset(),
) -> html.Div:
    """A plain HTML table: caption, column headers and row headers for screen readers.

    The first column names the row (a `th scope="row"`); `numeric` columns are
    right-aligned so digits line up.
    """
    columns = list(headers)

    def cell_class(column: str) -> str:
        return "text-end text-nowrap" if column in numeric else ""

    head = html.Thead(
        html.Tr([html.Th(headers[c], scope="col", className=cell_class(c)) for c in columns])
    )
    rows = []
    for row in frame.select(columns).iter_rows():
        first, *rest = row
        rows.append(
            html.Tr(
                [html.Th(first, scope="row")]
                + [
                    html.Td(value, className=cell_class(column))
                    for column, value in zip(columns[1:], rest, strict=True)
                ]
            )
        )
    table = html.Table(
        [html.Caption(caption), head, html.Tbody(rows)],
        className="table table-sm table-striped align-middle caption-top",
    )
    # Focusable so keyboard users can scroll a table wider than the screen.
    return html.Div(
        table,
        className="table-responsive",
        tabIndex="0",
        role="region",
        **{"aria-label": caption},
    )
