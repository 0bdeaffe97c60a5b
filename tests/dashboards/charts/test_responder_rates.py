"""The responder chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest
import yaml

from dashboards.charts import responder_rates
from dashboards.charts.common import Status
from pipelines.paths import PROJECT_ROOT
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts, view) -> None:
    with pytest.raises(ValueError, match="suppress"):
        responder_rates.process_data(marts.query("program_outcomes"), view())


def test_four_rates_per_shown_program(marts, view) -> None:
    data = responder_rates.process_data(marts.program_outcomes(), view("PHQ9.total"))
    shown = data.filter(pl.col("status") == Status.SHOWN)
    figure = responder_rates.create_figure(data)
    assert [t.name for t in figure.data] == [
        label for label, _, _ in responder_rates.RATES.values()
    ]
    for trace in figure.data:
        assert list(trace.y) == shown["program_name"].to_list()
    deterioration = figure.data[-1]
    assert deterioration.marker.pattern.shape == "/"  # not told apart by colour alone
    assert len({t.marker.pattern.shape for t in figure.data}) == len(figure.data)
    assert "reliable improvement" in responder_rates.summarise(data)


def test_outcomes_without_a_reliable_change_threshold_say_so(marts, view) -> None:
    for outcome in ("PHQ9.total", "PEG.total", "PCS.total", "BPI_SF.interference"):
        data = responder_rates.process_data(marts.program_outcomes(), view(outcome))
        figure = responder_rates.create_figure(data)
        published = responder_rates.reliable_change_published(data)
        assert published == ("Reliable improvement" in [t.name for t in figure.data])
        assert published or "No reliable-change threshold" in note(figure)


def test_suppressed_rates_are_labelled_and_empty_state(marts, view) -> None:
    data = responder_rates.process_data(marts.program_outcomes(), view("PHQ9.total"))
    table = responder_rates.table_frame(data, RULES)
    hidden = data.filter(pl.col("status").is_in([Status.SMALL, Status.COMPLEMENTARY]))
    for name in hidden["program_name"]:
        row = table.filter(pl.col("program_name") == name).row(0, named=True)
        assert row["immpact_moderate_responder_rate"] == "s"
    assert responder_rates.csv_frame(data, RULES).columns == list(responder_rates.CSV_COLUMNS)
    empty = responder_rates.process_data(marts.program_outcomes(), view(modes=()))
    assert is_empty_state(responder_rates.create_figure(empty), "No program matches")


def test_about_names_the_definitions() -> None:
    text = " ".join(responder_rates.about(RULES, None, 30, 50))
    assert "Jacobson-Truax" in text and "IMMPACT" in text and "mart_program_outcomes" in text
    assert "at least 30% and at least 50% of their baseline" in text


def test_about_quotes_the_configured_responder_thresholds(marts) -> None:
    scoring = yaml.safe_load((PROJECT_ROOT / "config" / "scoring.yaml").read_text())
    moderate = scoring["immpact_responder"]["moderate_percent"]["value"]
    substantial = scoring["immpact_responder"]["substantial_percent"]["value"]
    text = " ".join(responder_rates.describe(marts))
    assert f"at least {moderate:g}% and at least {substantial:g}% of their baseline" in text


def test_the_legend_has_room_for_both_rows_below_the_subtitle(marts, view) -> None:
    frame = responder_rates.process_data(marts.program_outcomes(), view())
    figure = responder_rates.create_figure(frame)
    entries = [t for t in figure.data if t.showlegend is not False]
    assert len(entries) == 4
    assert figure.layout.legend.entrywidth == 0.5
    assert figure.layout.margin.t >= 110 + 24
