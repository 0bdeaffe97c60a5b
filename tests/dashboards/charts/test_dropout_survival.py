"""The time-to-dropout chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import dropout_survival as survival
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        survival.process_data(marts.query("dropout_survival"), ALL_ICBT)


def test_the_unit_is_drawn_with_in_person_cbt_as_reference(marts) -> None:
    data = survival.process_data(marts.dropout_survival(), ALL_ICBT)
    assert set(data["role"]) == {"focal", "reference"}
    assert set(data.filter(pl.col("role") == "reference")["unit_id"]) == {"in_person"}
    figure = survival.create_figure(data)
    lines = [t for t in figure.data if t.mode == "lines"]
    bands = [t for t in figure.data if t.fill == "toself"]
    assert [t.name for t in lines] == ["All iCBT programs", "In-person CBT"]
    assert len(bands) == 2
    assert lines[0].line.dash == "solid" and lines[1].line.dash == "dash"
    # The curve stops before the risk set gets small.
    shown = data.filter(pl.col("role") == "focal", pl.col("shown"))
    assert shown["n_at_risk"].min() >= RULES.threshold
    assert max(lines[0].x) == shown["week"].max()
    text = survival.summarise(data)
    assert text.startswith("All iCBT programs: ")
    assert f"by week {shown['week'].max()}" in text
    alone = survival.process_data(marts.dropout_survival(), survival.REFERENCE)
    assert set(alone["role"]) == {"focal"}


def test_steps_hold_each_value_until_the_next_week() -> None:
    assert survival.steps([0, 1, 3], [1.0, 0.9, 0.7]) == (
        [0, 1, 1, 3, 3, 3],
        [1.0, 1.0, 0.9, 0.9, 0.7, 0.7],
    )


def test_a_unit_too_small_for_a_curve(marts) -> None:
    data = survival.process_data(marts.dropout_survival(), Unit("program", "ICBT15"))
    assert not data.filter(pl.col("role") == "focal")["shown"].any()
    assert is_empty_state(survival.create_figure(data), "Too few started episodes")
    assert "too few started episodes" in survival.summarise(data)
    table = survival.table_frame(data.filter(pl.col("role") == "focal"), RULES)
    assert set(table["n_at_risk"]) <= {"<5", "s"}
    assert set(table["share_not_dropped_out"]) == {"s"}


def test_csv_and_about(marts) -> None:
    data = survival.process_data(marts.dropout_survival(), ALL_ICBT)
    assert survival.csv_frame(data, RULES).columns == list(survival.CSV_COLUMNS)
    table = survival.table_frame(data, RULES)
    assert table["share_not_dropped_out"][0].endswith("%")
    text = " ".join(survival.about(RULES, None, 0.95))
    assert "Kaplan-Meier" in text and "mart_dropout_survival" in text and "at least 5" in text
