"""The deliveries chart's CSV holds the numbers behind the chart in every view."""

from __future__ import annotations

from dashboards.charts import dq_deliveries
from dashboards.suppression import load_rules
from dashboards.view_state import ALL_PERIODS
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


def test_the_default_views_csv_lists_every_file_the_chart_plots(marts) -> None:
    programs = marts.programs()["program_id"].to_list()
    data = dq_deliveries.process_data(marts.load_ledger(), programs, ALL_PERIODS)
    plotted = dq_deliveries.batch_outcomes(data)
    csv = dq_deliveries.csv_frame(data, load_rules())
    assert plotted.height and csv.height == data.height
    current = csv.filter(csv["superseded_at"].is_null())
    pairs = set(current.select("program_id", "batch_id").rows())
    assert pairs == set(plotted.select("program_id", "batch_id").rows())
