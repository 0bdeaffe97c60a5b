"""A page's charts as a registry: one section and one callback per chart, by a loop.

Every chart module has the same interface (dashboards/charts/protocol.py); a page lists
its charts (`Chart`) with the controls it offers and how their values resolve to a
`ChartView`, and `ChartPage.register` gives each chart its own callbacks: the figure,
summary and table (listening only to the controls the chart uses), the CSV download
(computing that chart only) and the PNG export. A callback reads the request's one
snapshot (`Runtime.snapshot`), so nothing it returns mixes two publications; what it
drew is kept per snapshot and view, so a repeated view costs a look-up.

`ChartPage.layout` is every chart page's layout: it reads the request's snapshot, asks
the page for what is particular to it (`PageBody`: the view, its notes and controls),
and frames the chart sections with the page's URL, header and footer; a warehouse that
cannot be read gives the page's "unavailable" state, as on every page. The first chart
comes drawn in the layout, so a page shows a chart without waiting for a callback.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dash import Input, Output, State, callback, dcc, html

from dashboards.charts.common import graph_config
from dashboards.charts.comparison_common import timepoint_label
from dashboards.charts.protocol import ChartData, ChartModule, ChartView, Control
from dashboards.components import (
    chart_section,
    csv_download,
    data_table,
    page_footer,
    page_header,
    register_image_export,
    unavailable_page,
    unreadable,
)
from dashboards.data import WarehouseUnavailableError
from dashboards.ids import ChartIds, Id
from dashboards.marts import Marts
from dashboards.runtime import current
from dashboards.snapshot import stamp_download

# Drawn charts kept (figure, summary, table per snapshot, chart and view): enough for
# every chart of every page in a few views, small beside the marts themselves.
DRAWN_CACHE_SIZE = 512

Values = Mapping[Control, Any]
Options = Mapping[Id, list[str]]
# A page's view for its controls' values and offered options (`ChartPage.resolve`).
Resolve = Callable[[Marts, Values, Options], ChartView]


@dataclass(frozen=True)
class Chart:
    """One chart of a page: its module, ids, file name, heading and table caption."""

    module: ChartModule
    ids: ChartIds
    name: str
    heading: str
    # The table's caption; "{outcome}" and "{timepoint}" are replaced by the view's,
    # "{reference}" by the chart data's reference text.
    caption: str
    table_open: bool = False

    def about(self, marts: Marts) -> list[str]:
        return self.module.describe(marts)


class _DrawnCache:
    """Figure, config, summary and table per (snapshot, chart, view), least recent out."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, tuple[Any, ...]] = OrderedDict()

    def get(self, key: Hashable, draw: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        drawn = draw()
        with self._lock:
            self._items[key] = drawn
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return drawn


_DRAWN = _DrawnCache(DRAWN_CACHE_SIZE)


def _hashable(value: Any) -> Hashable:
    """A control's value or options (lists, dicts) as a cache key."""
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _caption(chart: Chart, view: ChartView, data: ChartData) -> str:
    timepoint = view.state.timepoint
    return chart.caption.format(
        outcome=view.outcome_label,
        timepoint=timepoint_label(timepoint).lower() if timepoint else "",
        reference=data.reference,
    ).strip()


def _in_order(sections: list[html.Section]) -> list[Any]:
    return list(sections)


@dataclass(frozen=True)
class PageBody:
    """What one page shows besides its charts, for the view it resolved from the URL.

    `before` comes between the header and the charts (notes, the controls), `after`
    between the charts and the footer; `place` lays the chart sections out (a page
    that puts a note among them), in the registry's order by default.
    """

    view: ChartView
    before: Sequence[Any] = ()
    after: Sequence[Any] = ()
    place: Callable[[list[html.Section]], list[Any]] = _in_order


# Builds a page's body from the request's snapshot and the URL's query; a page whose
# mart has no rows yet returns its `empty_mart` page instead.
BuildBody = Callable[[Marts, Mapping[str, Any]], PageBody | html.Div]


@dataclass(frozen=True)
class ChartPage:
    """A page's charts and the controls they read, registered by one loop."""

    url: Id
    # Each control and the component whose `value` holds it, in the page's order.
    controls: Sequence[tuple[Control, Id]]
    # Components whose offered `options` the view is resolved against.
    options: Sequence[Id]
    resolve: Resolve
    file_stem: Callable[[Chart, ChartView], str]
    charts: Sequence[Chart]

    def view(self, marts: Marts, values: Sequence[Any], options: Sequence[Any]) -> ChartView:
        """The view for the controls' values and offered options, as callbacks get them."""
        by_control = dict(zip((c for c, _ in self.controls), values, strict=True))
        offered = {
            component: [o["value"] for o in (given or [])]
            for component, given in zip(self.options, options, strict=True)
        }
        return self.resolve(marts, by_control, offered)

    def sections(self, marts: Marts, view: ChartView) -> list[html.Section]:
        """Every chart's section, in the registry's order.

        The first chart is drawn with the page: its figure, summary and table travel in
        the layout, so the browser draws it as soon as the page arrives, before it asks
        for the others (whose callbacks answer after, charts further down the page). Its
        callback redraws it when a control it uses changes.
        """
        first = self.charts[0]
        key = (marts.identity, first.ids.graph, view)
        drawn = _DRAWN.get(key, lambda: self._draw(marts, first, view))
        return [
            chart_section(
                chart.ids,
                chart.heading,
                chart.about(marts),
                self.file_stem(chart, view),
                table_open=chart.table_open,
                drawn=drawn if chart is first else None,
            )
            for chart in self.charts
        ]

    def page_layout(self, title: str, lead: str, build: BuildBody) -> Callable[..., html.Div]:
        """The page module's Dash `layout`: called with the URL's query parameters."""

        def layout(**query: Any) -> html.Div:
            return self.layout(title, lead, query, build)

        return layout

    def layout(self, title: str, lead: str, query: Mapping[str, Any], build: BuildBody) -> html.Div:
        """The page for the URL's query: header, the page's body around its chart
        sections, footer; the unavailable or empty state where there is nothing to show."""
        runtime = current()
        try:
            marts = runtime.snapshot()
            body = build(marts, query)
            if not isinstance(body, PageBody):
                return body
            sections = self.sections(marts, body.view)
            built_at = marts.built_at()
        except WarehouseUnavailableError as exc:
            return unavailable_page(title, exc)
        return html.Div(
            [
                dcc.Location(id=self.url, refresh=False),
                *page_header(title, lead),
                *body.before,
                *body.place(sections),
                *body.after,
                *page_footer(runtime.rules, built_at),
            ]
        )

    def _triggers(self, chart: Chart) -> list[Input | State]:
        """The chart's controls as Inputs, the rest as State; a chart that uses none is
        drawn once, when the page opens (its URL's pathname is set)."""
        uses = chart.module.CONTROLS
        controls: list[Input | State] = [
            Input(component, "value") if control in uses else State(component, "value")
            for control, component in self.controls
        ]
        return [Input(self.url, "pathname"), *controls] if not uses else controls

    def _states(self) -> list[State]:
        return [State(component, "value") for _, component in self.controls]

    def _options(self) -> list[State]:
        return [State(component, "options") for component in self.options]

    def draw(self, chart: Chart, values: Sequence[Any], options: Sequence[Any]) -> tuple[Any, ...]:
        """Figure, config, summary and table of one chart for the controls' values."""
        try:
            marts = current().snapshot()
            key = (marts.identity, chart.ids.graph, _hashable(values), _hashable(options))
            return _DRAWN.get(
                key, lambda: self._draw(marts, chart, self.view(marts, values, options))
            )
        except WarehouseUnavailableError:
            return tuple(unreadable([chart.name]))

    def _draw(self, marts: Marts, chart: Chart, view: ChartView) -> tuple[Any, ...]:
        data = chart.module.load(marts, view)
        figure, summary = chart.module.draw(data, view)
        numbers = chart.module.table_frame(data.numbers, view.rules)
        table = (
            data_table(
                numbers,
                data.headers or chart.module.TABLE_HEADERS,
                _caption(chart, view, data),
                numeric=chart.module.NUMERIC_COLUMNS,
            )
            if numbers.height
            else html.P("Nothing to list for this view.", className="small")
        )
        return figure, graph_config(self.file_stem(chart, view)), summary, table

    def download(
        self, chart: Chart, values: Sequence[Any], options: Sequence[Any]
    ) -> dict[str, Any]:
        """The chart's numbers as CSV, computed for this chart only, each row naming the
        published snapshot it came from."""
        marts = current().snapshot()
        view = self.view(marts, values, options)
        frame = chart.module.csv_frame(chart.module.load(marts, view).numbers, view.rules)
        stamped, filename = stamp_download(
            frame, f"{self.file_stem(chart, view)}.csv", marts.snapshot_id()
        )
        return csv_download(stamped, filename)

    def register(self) -> None:
        """One drawing callback (none for a first chart that uses no control: it comes
        drawn with the page), one CSV callback and the PNG export per chart."""
        for chart in self.charts:
            self._register(chart)

    def _register(self, chart: Chart) -> None:
        count = len(self.controls)
        drawn_with_page = chart is self.charts[0]
        # A chart drawn with the page that uses no control has nothing to redraw it for.
        if not (drawn_with_page and not chart.module.CONTROLS):
            self._register_drawing(chart, prevent_initial_call=drawn_with_page)

        @callback(
            Output(chart.ids.download, "data"),
            Input(chart.ids.csv, "n_clicks"),
            *self._states(),
            *self._options(),
            prevent_initial_call=True,
        )
        def download(_clicks: int, *args: Any) -> dict[str, Any]:
            """The chart's numbers as CSV, with the same suppression as on screen."""
            return self.download(chart, args[:count], args[count:])

        register_image_export(chart.ids)

    def _register_drawing(self, chart: Chart, *, prevent_initial_call: bool) -> None:
        """The chart's drawing callback; one drawn with the page is not called when the
        page opens (`sections`), only when a control it uses changes."""
        count = len(self.controls)
        triggers = self._triggers(chart)
        skip = len(triggers) - count

        @callback(
            Output(chart.ids.graph, "figure"),
            Output(chart.ids.graph, "config"),
            Output(chart.ids.summary, "children"),
            Output(chart.ids.table, "children"),
            *triggers,
            *self._options(),
            prevent_initial_call=prevent_initial_call,
        )
        def update_chart(*args: Any) -> tuple[Any, ...]:
            """Redraw this chart for the controls it depends on."""
            values = args[skip : skip + count]
            return self.draw(chart, values, args[skip + count :])
