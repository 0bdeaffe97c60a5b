"""The care-modification chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import care_modification
from dashboards.view_state import OutcomeKey
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build

PHQ9 = OutcomeKey("PHQ9", "total")


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        care_modification.process_data(marts.query("care_modification"), PHQ9, "post_treatment")


def test_each_stratum_with_its_ci_and_the_test_between_them(marts) -> None:
    data = care_modification.process_data(marts.care_modification(), PHQ9, "post_treatment")
    assert data.select("method", "stratum").rows()[:2] == [
        ("dl", "with_care"),
        ("dl", "without_care"),
    ]
    figure = care_modification.create_figure(data)
    primary = figure.data[0]
    with_care, without = data.row(0, named=True), data.row(1, named=True)
    assert list(primary.x) == [with_care["estimate"], without["estimate"]]
    assert list(primary.error_x.array) == pytest.approx(
        [with_care["ci_high"] - with_care["estimate"], without["ci_high"] - without["estimate"]]
    )
    assert without["estimate"] - with_care["estimate"] == pytest.approx(
        with_care["difference_without_minus_with"]
    )
    footer = note(figure)
    assert f"p = {with_care['p_value']:.3f}" in footer
    assert "Observational" in footer
    assert f"Rests on {with_care['v2_programs']} iCBT programs" in footer
    text = care_modification.summarise(data)
    assert "with concurrent pain care, iCBT minus in-person CBT" in text
    assert "Test between the strata (DerSimonian-Laird)" in text and "Observational" in text
    table = care_modification.table_frame(data, RULES)
    assert table["p_value"][0] == f"{with_care['p_value']:.3f}"
    assert care_modification.csv_frame(data, RULES).columns == list(care_modification.CSV_COLUMNS)


def test_a_hidden_stratum_hides_the_test_on_both_rows(marts) -> None:
    frame = marts.care_modification()
    hidden = frame.filter(pl.col("n_episodes_suppressed"))
    for keys in hidden.select("instrument", "scale", "timepoint", "method").unique().rows():
        both = frame.filter(
            pl.col("instrument") == keys[0],
            pl.col("scale") == keys[1],
            pl.col("timepoint") == keys[2],
            pl.col("method") == keys[3],
        )
        assert both["p_value"].is_null().all()
        assert both["difference_without_minus_with"].is_null().all()
    shown = frame.filter(~pl.col("n_episodes_suppressed"))
    assert (shown["n_episodes"] >= RULES.threshold).all()


def test_a_warehouse_without_v2_shows_the_no_data_state(marts) -> None:
    empty = care_modification.process_data(
        marts.care_modification().clear(), PHQ9, "post_treatment"
    )
    assert is_empty_state(care_modification.create_figure(empty), "No contract v2 comparison")
    assert care_modification.summarise(empty).startswith("No contract v2 comparison")
    assert care_modification.table_frame(empty, RULES).is_empty()


def test_about_carries_the_caveat_and_the_mart() -> None:
    text = " ".join(care_modification.about(RULES, None, 0.95))
    assert "mart_care_modification" in text and "Observational" in text
