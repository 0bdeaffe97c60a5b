"""The headline verdict grid's pure functions on the demo warehouse's suppressed marts."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import overview_verdicts
from dashboards.charts.common import Status
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def data(marts) -> pl.DataFrame:
    return overview_verdicts.process_data(
        marts.pooled_effects(), marts.comparisons(), marts.evidence_certainty(), "post_treatment"
    )


def test_refuses_frames_that_were_not_suppressed(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        overview_verdicts.process_data(
            marts.query("pooled_effects"),
            marts.comparisons(),
            marts.evidence_certainty(),
            "post_treatment",
        )


def test_pooled_then_modes_with_the_marts_words_and_certainty(data, marts) -> None:
    outcomes = marts.comparisons()["outcome_label"].n_unique()
    assert data["outcome_label"].n_unique() == outcomes
    first = data.filter(pl.col("outcome_label") == data["outcome_label"][0])
    assert first["subject"][0] == "all"
    modes = marts.comparisons().filter(
        pl.col("subject_type") == "delivery_mode",
        pl.col("timepoint") == "post_treatment",
        pl.col("is_primary"),
    )
    displays = set(modes["verdict_display"].drop_nulls().str.replace_all("_", " "))
    assert set(data.filter(pl.col("subject") != "all")["verdict_text"].drop_nulls()) <= displays
    assert data.filter(pl.col("status") == Status.SHOWN)["certainty"].is_not_null().all()


def test_grid_cells_state_verdict_and_certainty_in_words(data) -> None:
    figure = overview_verdicts.create_figure(data, RULES)
    heatmap = figure.data[0]
    assert list(heatmap.y) == data["outcome_label"].unique(maintain_order=True).to_list()
    words = " ".join(t for row in heatmap.text for t in row)
    assert "certainty" in words and "not shown:" in words


def test_hidden_cells_show_labels_only(data) -> None:
    hidden = data.with_columns(pl.lit(Status.SMALL.value).alias("status"))
    table = overview_verdicts.table_frame(hidden, RULES)
    assert set(table["difference"]) == {"<5"} and set(table["verdict_text"]) == {"<5"}
    csv = overview_verdicts.csv_frame(hidden, RULES)
    assert set(csv["estimate"]) == {"<5"} and set(csv["certainty"]) == {"<5"}
    assert "too few to show" in overview_verdicts.summarise(hidden, RULES)


def test_table_csv_and_empty_state(data) -> None:
    assert overview_verdicts.table_frame(data, RULES).columns == list(
        overview_verdicts.TABLE_HEADERS
    )
    assert overview_verdicts.csv_frame(data, RULES).columns == list(overview_verdicts.CSV_COLUMNS)
    assert is_empty_state(overview_verdicts.create_figure(data.clear(), RULES), "No comparison")
