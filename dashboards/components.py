"""Layout pieces shared by pages: status messages, controls, chart sections, tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime
from html import escape
from typing import Any

import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, State, clientside_callback, dcc, html

from dashboards import auth
from dashboards.charts.common import graph_config, no_data_figure
from dashboards.data import MartMissingError, WarehouseNotPublishedError
from dashboards.ids import ChartIds, Id
from dashboards.runtime import current
from dashboards.snapshot import current_snapshot_id
from dashboards.suppression import SuppressionRules


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
    """When the data on screen were published, and which snapshot they are (to cite)."""
    snapshot_id = current_snapshot_id(current().warehouse)
    named = f", snapshot {snapshot_id}" if snapshot_id else ""
    return html.P(
        f"Data published {built_at:%Y-%m-%d %H:%M} UTC{named}.",
        className="text-body-secondary small mt-3",
    )


def page_footer(rules: SuppressionRules, built_at: datetime) -> list[html.P]:
    """What every chart page ends with: the suppression legend and the publication."""
    return [
        html.P(rules.legend(), className="small text-body-secondary"),
        published_line(built_at),
    ]


def data_table(
    frame: pl.DataFrame,
    headers: Mapping[str, str],
    caption: str,
    *,
    numeric: AbstractSet[str] = frozenset(),
) -> html.Div:
    """A plain HTML table: caption, column headers and row headers for screen readers.

    The first column names the row (a `th scope="row"`); `numeric` columns are
    right-aligned so digits line up. The table is one component holding escaped HTML,
    not a component per cell: Dash's renderer re-checks every component on each update,
    and tables of a few thousand cells made a page's first render take seconds
    (benchmarks/RESULTS.md, dashboard latency).
    """
    columns = list(headers)

    def cell(tag: str, value: object, column: str, scope: str = "") -> str:
        attributes = f' scope="{scope}"' if scope else ""
        if column in numeric:
            attributes += ' class="text-end text-nowrap"'
        text = "" if value is None else escape(str(value))
        return f"<{tag}{attributes}>{text}</{tag}>"

    head = "".join(cell("th", headers[c], c, "col") for c in columns)
    body = "".join(
        "<tr>"
        + cell("th", row[0], columns[0], "row")
        + "".join(cell("td", v, c) for c, v in zip(columns[1:], row[1:], strict=True))
        + "</tr>"
        for row in frame.select(columns).iter_rows()
    )
    table = (
        '<table class="table table-sm table-striped align-middle caption-top">'
        f"<caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )
    # Focusable so keyboard users can scroll a table wider than the screen.
    return html.Div(
        dcc.Markdown(table, dangerously_allow_html=True),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **{"aria-label": caption},
    )


def chart_section(
    ids: ChartIds,
    heading: str,
    about: Sequence[str],
    image_name: str,
    *,
    table_open: bool = False,
    drawn: Sequence[Any] | None = None,
) -> html.Section:
    """A chart with its text summary, export buttons, "About this chart" and numbers.

    The summary is the figure's caption and is announced when it changes; the PNG button
    is the keyboard-reachable twin of the modebar's camera (`register_image_export`); the
    CSV holds the numbers behind the chart with the same suppression as on screen.
    `drawn` (figure, config, summary, table, as the chart's callback returns them) fills
    the section when it is drawn with the page rather than by its callback.
    """
    heading_id = f"{ids.graph}-heading"
    figure, config, summary, table = drawn or (None, graph_config(image_name), None, None)
    return html.Section(
        [
            html.H2(heading, id=heading_id, className="h4 mt-4"),
            html.Figure(
                [
                    dcc.Graph(id=ids.graph, config=config, **({"figure": figure} if drawn else {})),
                    html.Figcaption(
                        summary, id=ids.summary, className="small", **{"aria-live": "polite"}
                    ),
                ],
                className="mb-2",
            ),
            html.Div(
                [
                    dbc.Button(
                        "Download chart (PNG)",
                        id=ids.image,
                        color="secondary",
                        outline=True,
                        size="sm",
                        className="me-2",
                    ),
                    dbc.Button("Download data (CSV)", id=ids.csv, color="primary", size="sm"),
                    dcc.Download(id=ids.download),
                ],
                className="mb-2",
            ),
            html.Details(
                [
                    html.Summary("About this chart"),
                    *[html.P(text, className="small mt-2") for text in about],
                ],
                className="mb-2",
            ),
            html.Details(
                [html.Summary("Numbers behind the chart"), html.Div(table, id=ids.table)],
                open=table_open,
                className="mb-3",
            ),
        ],
        **{"aria-labelledby": heading_id},
    )


# The modebar's camera button is not reachable by keyboard; the PNG button is, and saves
# the same image through Plotly's own downloadImage with the graph's export settings.
_IMAGE_EXPORT = """
function(clicks, config, graphId) {
    const graph = document.querySelector("#" + CSS.escape(graphId) + " .js-plotly-plot");
    if (clicks && graph) {
        Plotly.downloadImage(graph, config.toImageButtonOptions);
    }
}
"""


def register_image_export(ids: ChartIds) -> None:
    """The PNG button's clientside callback; call at a page module's import."""
    clientside_callback(
        _IMAGE_EXPORT,
        Input(ids.image, "n_clicks"),
        State(ids.graph, "config"),
        State(ids.graph, "id"),
        prevent_initial_call=True,
    )


# A text cell a spreadsheet would read as a formula (OWASP, "CSV Injection"): one that
# starts with =, +, -, @, a tab or a carriage return. A plain number ("-0.42", "+3") is
# read as a number, not a formula, so it is left as it is.
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula, prefixed with a single quote.

    OWASP's CSV-injection guidance: a program or clinic name such as `=HYPERLINK(...)`
    comes from a delivery, and a spreadsheet opening the download would evaluate it.
    The quote makes the cell plain text; the visible value keeps every character.
    """
    text = [
        name
        for name, dtype in frame.schema.items()
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum)
    ]
    return frame.with_columns(
        pl.when(
            pl.col(name).cast(pl.String).str.contains(_FORMULA_START)
            & ~pl.col(name).cast(pl.String).str.contains(_PLAIN_NUMBER)
        )
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def csv_download(frame: pl.DataFrame, filename: str) -> dict[str, Any]:
    """A dcc.Download payload: the already-suppressed, labelled frame as UTF-8 CSV.

    Text cells that a spreadsheet would evaluate as formulas are neutralised first.
    """
    return dcc.send_string(neutralised(frame).write_csv(), filename=filename, type="text/csv")


def select(
    component_id: Id, label: str, options: Sequence[tuple[str, str]], value: str, **props: Any
) -> html.Div:
    """A labelled native select (keyboard and screen-reader friendly)."""
    return html.Div(
        [
            dbc.Label(label, html_for=component_id, className="fw-semibold"),
            dbc.Select(
                id=component_id,
                options=[{"label": text, "value": key} for key, text in options],
                value=value,
                **props,
            ),
        ],
        className="mb-3",
    )


def checklist(
    component_id: Id,
    legend: str,
    options: Sequence[tuple[str, str]],
    values: Sequence[str],
    *,
    scroll: bool = False,
) -> html.Fieldset:
    """Checkboxes in a fieldset whose legend names the group for screen readers.

    `scroll` keeps a long list in a box of its own height; focus moving through the
    checkboxes scrolls it, so it stays usable from the keyboard.
    """
    box = {"maxHeight": "13rem", "overflowY": "auto"} if scroll else {}
    return html.Fieldset(
        [
            html.Legend(legend, className="form-label fs-6 fw-semibold"),
            html.Div(
                dbc.Checklist(
                    id=component_id,
                    options=[{"label": text, "value": key} for key, text in options],
                    value=list(values),
                ),
                style=box,
                className="border rounded px-2 py-1" if scroll else "",
            ),
        ],
        className="mb-3",
    )


def controls(children: Sequence[Any]) -> html.Div:
    """The page's filters side by side (stacked on narrow screens), in reading order."""
    return html.Div(
        [dbc.Col(child, md=True) for child in children],
        role="group",
        className="row mb-3",
        **{"aria-label": "Choose what the charts show"},
    )


def page_header(title: str, lead: str) -> list[Any]:
    return [html.H1(title), html.P(lead, className="lead")]


def empty_mart(title: str, mart: str) -> html.Div:
    """A page whose mart is published without rows yet."""
    return html.Div(
        [
            html.H1(title),
            dbc.Alert(
                f"{mart} is published but holds no rows yet.",
                id=Id.WAREHOUSE_STATUS,
                color="info",
            ),
        ]
    )


def unavailable_page(title: str, exc: Exception) -> html.Div:
    return html.Div([html.H1(title), unavailable(exc)])


def unreadable(image_names: Iterable[str]) -> list[Any]:
    """Figure, config, summary and table of each chart when the warehouse went away."""
    message = "The warehouse cannot be read right now; reload the page in a moment."
    return [
        part
        for name in image_names
        for part in (no_data_figure(message), graph_config(name), message, html.P(message))
    ]


def page_link(path: str, text: str, search: str = "", **props: Any) -> dcc.Link | None:
    """A link to another page, or None when the signed-in user may not open it.

    A path no page is registered for (a page still being built) is linked as it is: the
    link works as soon as the page exists. Call during a request (layout or callback).
    """
    page = auth.page_for_path(path)
    if page is not None and not auth.can_view(auth.current_user(), page):
        return None
    return dcc.Link(text, href=f"{path}{search}", **props)
