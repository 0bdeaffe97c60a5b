"""The program registry's pure functions on the demo warehouse's registry and marts."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import program_registry as registry
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def data(marts, view, **kwargs) -> pl.DataFrame:
    return registry.process_data(
        marts.programs(), marts.program_outcomes(), marts.engagement_funnel(), view(**kwargs)
    )


def test_process_data_refuses_unsuppressed_marts(marts, view) -> None:
    with pytest.raises(ValueError, match="suppress"):
        registry.process_data(
            marts.programs(),
            marts.query("program_outcomes"),
            marts.engagement_funnel(),
            view(),
        )


def test_every_program_with_its_outcome_and_completion(marts, view) -> None:
    frame = data(marts, view)
    assert frame["program_id"].to_list() == sorted(marts.programs()["program_id"])
    plotted = frame.filter(
        pl.col("outcome_status") == "shown", pl.col("completion_status") == "shown"
    )
    figure = registry.create_figure(frame)
    assert sum(len(t.x) for t in figure.data) == plotted.height
    assert {x for t in figure.data for x in t.x} <= set(plotted["completion_rate"])
    assert "by completion rate" in registry.summarise(frame)


def test_table_on_the_environmental_scan_dimensions(marts, view) -> None:
    frame = data(marts, view, outcome="PHQ9.total")
    shared = registry.shared_topics(marts.programs())
    assert "pain_education" in shared
    table = registry.table_frame(frame, RULES, shared)
    assert table.columns == list(registry.TABLE_HEADERS)
    pilot = table.filter(pl.col("program_name").str.ends_with("archetype 15")).row(0, named=True)
    assert pilot["status"] == "In development"
    assert pilot["therapist_involvement"] == "None (self-guided)"
    assert "pain education" not in pilot["topics"]
    assert pilot["mean_change"] in ("s", "\u2014")
    csv = registry.csv_frame(frame, RULES)
    assert csv.columns == list(registry.CSV_COLUMNS)
    assert "pain_education" in csv["topics"][0]  # the CSV keeps every topic


def test_filters_and_empty_state(marts, view) -> None:
    guided = data(marts, view, modes=("guided_asynchronous",))
    assert set(guided["delivery_mode"]) == {"guided_asynchronous"}
    nothing = data(marts, view, modes=())
    assert is_empty_state(registry.create_figure(nothing), "No program matches")
    assert registry.summarise(nothing) == "No program matches the filters."
    assert "CADTH Environmental Scan" in " ".join(registry.about(RULES))


def test_points_are_labelled_and_the_axis_title_clears_the_subtitle(marts, view) -> None:
    frame = data(marts, view)
    figure = registry.create_figure(frame)
    labelled = [t for t in figure.data if t.mode and "text" in t.mode]
    assert labelled and len(labelled) == len(figure.data)
    shown = {label for t in labelled for label in t.text}
    assert shown <= set(frame["program_id"]) and shown
    # Turned on its side, a title longer than this runs up into the subtitle at 460 px.
    assert len(figure.layout.yaxis.title.text) <= 24
