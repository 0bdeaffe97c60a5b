"""The score-trajectory chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import score_trajectories as trajectories
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts, view) -> None:
    with pytest.raises(ValueError, match="suppress"):
        trajectories.process_data(marts.query("score_trajectories"), view())


def test_one_line_and_band_per_mode_in_view(marts, view) -> None:
    data = trajectories.process_data(marts.score_trajectories(), view())
    assert set(data["unit_type"]) == {"delivery_mode"}
    figure = trajectories.create_figure(data)
    lines = [t for t in figure.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == [
        "Self-guided",
        "Guided (asynchronous)",
        "Therapist (real time)",
        "In-person CBT",
    ]
    assert len(figure.data) == 2 * len(lines)
    shown = data.filter(pl.col("shown"))
    assert shown["n_scores"].min() >= RULES.threshold
    assert "over the weeks of treatment" in figure.layout.title.text
    assert "Guided (asynchronous) from" in trajectories.summarise(data)


def test_modes_filter_and_empty_state(marts, view) -> None:
    one = trajectories.process_data(marts.score_trajectories(), view(modes=("in_person",)))
    assert set(one["unit_id"]) == {"in_person"}
    none = trajectories.process_data(marts.score_trajectories(), view(modes=()))
    assert is_empty_state(trajectories.create_figure(none), "No delivery mode")
    table = trajectories.table_frame(one, RULES)
    assert table.columns == list(trajectories.TABLE_HEADERS)
    assert trajectories.csv_frame(one, RULES).columns == list(trajectories.CSV_COLUMNS)


def test_about_warns_that_responders_change_over_time() -> None:
    text = " ".join(trajectories.about(RULES, None, 0.95))
    assert "mart_score_trajectories" in text and "drop out stop answering" in text
