"""The dose-response chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import dose_response
from dashboards.charts.common import Status
from dashboards.view_state import ALL_ICBT, OutcomeKey, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build
PHQ9 = OutcomeKey("PHQ9", "total")


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        dose_response.process_data(marts.query("dose_response"), ALL_ICBT, PHQ9)


def test_bands_in_dose_order_with_their_intervals(marts) -> None:
    data = dose_response.process_data(marts.dose_response(), ALL_ICBT, PHQ9)
    assert data["band_order"].to_list() == sorted(data["band_order"].to_list())
    figure = dose_response.create_figure(data)
    shown = data.filter(pl.col("status") == Status.SHOWN)
    assert list(figure.data[0].x) == shown["dose_band"].to_list()
    assert all(w >= 0 for w in figure.data[0].error_y.array)
    assert "negative change is an improvement" in note(figure)
    text = dose_response.summarise(data)
    assert text.startswith("PHQ-9 depression, All iCBT programs, mean change by share")
    assert " " + "\u2212" in text or "+" in text


def test_empty_and_suppressed_states(marts) -> None:
    bpi = OutcomeKey("BPI_SF", "interference")
    pilot = Unit("program", "ICBT15")  # measures PHQ-9 but not the BPI
    absent = dose_response.process_data(marts.dose_response(), pilot, bpi)
    assert is_empty_state(dose_response.create_figure(absent), "not measured")
    small = dose_response.process_data(marts.dose_response(), pilot, PHQ9)
    assert (small["status"] != Status.SHOWN).all()
    assert is_empty_state(dose_response.create_figure(small), "Too few episodes")
    table = dose_response.table_frame(small, RULES)
    assert set(table["mean_change"]) <= {"s", "\u2014"}
    assert dose_response.csv_frame(small, RULES).columns == list(dose_response.CSV_COLUMNS)


def test_about_says_association_not_causation() -> None:
    text = " ".join(dose_response.about(RULES, None, 0.95))
    assert "association" in text and "mart_dose_response" in text
