"""The item-9 follow-up chart on the demo warehouse's suppressed mart."""

from __future__ import annotations

from dashboards.charts import item9_follow_up
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


def test_bar_labels_sit_clear_of_the_in_person_reference_line(marts) -> None:
    programs = marts.programs()["program_id"].to_list()
    data = item9_follow_up.process_data(marts.item9_follow_up(), programs)
    figure = item9_follow_up.create_figure(data)
    bars = [t for t in figure.data if t.type == "bar"]
    reference = [t for t in figure.data if t.type == "scatter"]
    assert bars and reference
    for bar in bars:
        assert bar.textposition == "inside" and bar.insidetextanchor == "start"
