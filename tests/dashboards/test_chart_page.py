"""The chart registry in a real app: one chart per callback, and every CSV download safe.

The app is built in this process (`create_app`) over a copy of the demo warehouse whose
program and unit names start with '=', as a hostile delivery could name them. Each page
that lists its charts in a `ChartPage` is laid out as a first visit would see it, and
every chart's CSV download is computed from those controls: no text cell may start with
a character a spreadsheet runs as a formula.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import duckdb
import plotly
import polars as pl
import pytest
from dash._callback import GLOBAL_CALLBACK_MAP

from dashboards import auth
from dashboards.app import create_app
from dashboards.chart_page import ChartPage
from dashboards.ids import CHART_PARTS
from tests.conftest import DemoBuild, needs_demo_build, settings_for

pytestmark = needs_demo_build

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Every table the dashboard reads a program, subject or unit name from.
HOSTILE_NAMES = (
    "UPDATE staging_programs SET program_name = '=HYPERLINK(\"x\")' || program_name",
    "UPDATE mart_program_outcomes SET program_name = '=HYPERLINK(\"x\")' || program_name",
    "UPDATE mart_adverse_events SET program_name = '=HYPERLINK(\"x\")' || program_name",
    "UPDATE mart_safety_indicators SET program_name = '=HYPERLINK(\"x\")' || program_name",
    "UPDATE mart_comparisons SET subject_name = '=HYPERLINK(\"x\")' || subject_name",
    "UPDATE mart_adverse_event_profile SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_dose_response SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_dropout_survival SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_engagement_funnel SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_equity SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_item9_follow_up SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_overview_headlines SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_score_trajectories SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_therapist_time SET unit_label = '+cmd|' || unit_label",
    "UPDATE mart_wait_times SET unit_label = '+cmd|' || unit_label",
)


def _hostile_names(database: Path) -> None:
    """Prefix every program, subject and unit name with a formula."""
    con = duckdb.connect(str(database))
    try:
        for statement in HOSTILE_NAMES:
            con.execute(statement)
    finally:
        con.close()


@pytest.fixture(scope="module")
def app(demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dash.Dash]:
    settings = settings_for(tmp_path_factory.mktemp("hostile-names"))
    settings.published_database.parent.mkdir(parents=True)
    shutil.copyfile(demo_build.settings.published_database, settings.published_database)
    _hostile_names(settings.published_database)
    yield create_app(settings, auth.AuthConfig.from_env(demo=True))


def _components(tree: Any) -> Iterator[Any]:
    yield tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from _components(child)


def _chart_pages() -> list[tuple[str, Any, ChartPage]]:
    pages = []
    for page in dash.page_registry.values():
        registry = getattr(sys.modules[page["module"]], "PAGE", None)
        if isinstance(registry, ChartPage):
            pages.append((page["path"], page["layout"], registry))
    return pages


def _output_ids(spec: str) -> list[str]:
    """Component ids of a callback's outputs (`id.prop` or `..a.prop...b.prop..`); none
    for a callback without outputs (Dash names those by a hash)."""
    if "." not in spec:
        return []
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [part.rsplit(".", 1)[0] for part in parts]


def test_no_callback_has_more_than_one_charts_outputs(app: dash.Dash) -> None:
    checked = 0
    for outputs in GLOBAL_CALLBACK_MAP:
        charts = {
            component.rsplit("-", 1)[0]
            for component in _output_ids(outputs)
            if component.rsplit("-", 1)[-1] in CHART_PARTS
        }
        assert len(charts) <= 1, outputs
        checked += bool(charts)
    assert checked >= 60  # a drawing and a CSV callback per chart, 33 charts


def test_every_csv_download_neutralises_formula_names(app: dash.Dash) -> None:
    pages = _chart_pages()
    assert len(pages) >= 7
    downloads = neutralised = 0
    with app.server.test_request_context("/"):
        for path, layout, registry in pages:
            found = {c.id: c for c in _components(layout()) if getattr(c, "id", None)}
            values = [found[component].value for _, component in registry.controls]
            options = [found[component].options for component in registry.options]
            for chart in registry.charts:
                payload = registry.download(chart, values, options)
                csv = pl.read_csv(payload["content"].encode(), infer_schema=False)
                downloads += 1
                for column in csv.columns:
                    for cell in csv[column].drop_nulls():
                        neutralised += cell.startswith(("'=HYPERLINK", "'+cmd|"))
                        starts_formula = cell.startswith(FORMULA_START)
                        assert not starts_formula or _is_number(cell), (path, chart.name, cell)
    assert downloads >= 25
    assert neutralised > 0


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _json(value: Any) -> str:
    return json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def test_first_chart_comes_drawn_with_the_page(app: dash.Dash) -> None:
    """The layout holds its first chart as that chart's callback draws it for the
    controls the layout shows (the URL's view and the controls' view agree); the other
    charts wait for their callbacks."""
    pages = _chart_pages()
    with app.server.test_request_context("/"):
        for path, layout, registry in pages:
            found = {c.id: c for c in _components(layout()) if getattr(c, "id", None)}
            values = [found[component].value for _, component in registry.controls]
            options = [found[component].options for component in registry.options]
            first, *rest = registry.charts
            figure, _config, summary, table = registry.draw(first, values, options)
            assert _json(found[first.ids.graph].figure) == _json(figure), path
            assert _json(found[first.ids.summary].children) == _json(summary), path
            assert _json(found[first.ids.table].children) == _json(table), path
            for chart in rest:
                assert getattr(found[chart.ids.graph], "figure", None) is None, chart.name
