"""The funnel's legend, position labels, table headings, summary and note quote the limit
levels of the snapshot they draw (ref_safety_policy funnel.alert_level and alarm_level):
a warehouse built with other levels gets other words, and none of them is typed in the
chart."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import duckdb
import polars as pl
import pytest

from dashboards.charts import safety_funnel
from dashboards.charts.protocol import ChartView
from dashboards.charts.safety_funnel import SHOWN, FunnelLevels
from dashboards.data import Warehouse
from dashboards.marts import Marts, SuppressedMarts
from dashboards.marts.safety import funnel_windows
from dashboards.suppression import load_rules
from dashboards.view_state import ViewState
from tests.conftest import DemoBuild, needs_demo_build

pytestmark = needs_demo_build

# Levels no configuration of the demo uses, so no label can match them by accident.
OTHER = FunnelLevels(alert=0.9, alarm=0.99)


@pytest.fixture(scope="module")
def reconfigured(
    demo_build: DemoBuild, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Marts]:
    """The demo warehouse as published with funnel levels 0.9 and 0.99 in its
    ref_safety_policy (the limits themselves stay the demo's: only the words are tested)."""
    database = tmp_path_factory.mktemp("levels") / "observatory.duckdb"
    shutil.copy(demo_build.settings.published_database, database)
    with duckdb.connect(str(database)) as con:
        for name, value in (
            ("funnel.alert_level", OTHER.alert),
            ("funnel.alarm_level", OTHER.alarm),
        ):
            con.execute("UPDATE ref_safety_policy SET value = ? WHERE name = ?", [value, name])
    snapshot = SuppressedMarts(Warehouse(database), load_rules()).snapshot()
    yield snapshot
    snapshot.close()


def _outside_view(marts: Marts) -> ChartView:
    """A view of every program on an indicator where a shown program is outside the limits."""
    window = funnel_windows(marts.safety_funnel())[0]
    programs = tuple(marts.programs()["program_id"])
    indicator = next(
        i
        for i in marts.safety_indicators()["indicator"]
        if safety_funnel.rows_in_view(marts.safety_funnel(), i, window, programs)
        .filter(pl.col("status") == SHOWN, pl.col("position") != "within")
        .height
    )
    return ChartView(ViewState(indicator=indicator), marts.rules, programs, window=window)


def test_the_levels_are_the_snapshots(marts: Marts, reconfigured: Marts) -> None:
    assert FunnelLevels.of(reconfigured) == OTHER
    assert FunnelLevels.of(marts) != OTHER


def test_every_label_quotes_the_snapshots_levels(reconfigured: Marts) -> None:
    view = _outside_view(reconfigured)
    data = safety_funnel.load(reconfigured, view)
    figure, summary = safety_funnel.draw(data, view)
    legend = {trace.name for trace in figure.data}
    assert {"90% limits, exact binomial", "99% limits, exact binomial"} <= legend
    assert "Outside the 90% limits" in legend

    assert data.headers is not None
    assert (data.headers["alert_limits"], data.headers["alarm_limits"]) == (
        "90% limits",
        "99% limits",
    )
    positions = safety_funnel.table_frame(data.numbers, reconfigured.rules)["position"]
    outside = [p for p in positions if p.startswith(("above", "below"))]
    assert outside and all(p.endswith(("the 90% limit", "the 99% limit")) for p in outside)
    assert "the 90% limit:" in summary or "the 99% limit:" in summary
    csv = safety_funnel.csv_frame(data.numbers, reconfigured.rules)
    assert set(csv["alert_level"]) == {0.9} and set(csv["alarm_level"]) == {0.99}

    shown = " ".join([*legend, *data.headers.values(), *positions, summary])
    assert "95%" not in shown and "99.8%" not in shown
    assert "exact binomial 90% and 99% limits" in " ".join(safety_funnel.describe(reconfigured))
