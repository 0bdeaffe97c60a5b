"""The certainty chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import polars as pl
import pytest

from dashboards.charts import evidence_certainty
from dashboards.charts.common import Status
from dashboards.suppression import SUPPRESSED_SUFFIX
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def data(marts, view) -> pl.DataFrame:
    state = replace(view("PHQ9.total"), timepoint="post_treatment")
    return evidence_certainty.process_data(marts.evidence_certainty(), state)


def test_process_data_refuses_a_frame_that_was_not_suppressed(marts, view) -> None:
    raw = marts.query("evidence_certainty")
    with pytest.raises(ValueError, match="suppress"):
        evidence_certainty.process_data(raw, replace(view(), timepoint="post_treatment"))


def test_pooled_ratings_first_then_programs_by_mode(data) -> None:
    kinds = data["evidence_type"].to_list()
    assert kinds == sorted(kinds, key=lambda k: k != "pooled")
    assert data["name"][0] == "All iCBT programs (pooled)"


def test_a_rating_is_hidden_with_the_comparison_it_rates(data, marts) -> None:
    hidden = marts.comparisons().filter(pl.col("adjusted_difference" + SUPPRESSED_SUFFIX))
    rated = data.filter(pl.col("evidence_id").is_in(hidden["comparison_id"].implode()))
    assert rated.height
    assert rated["certainty"].is_null().all() and rated["reasons"].is_null().all()
    assert set(rated["status"]) <= {Status.SMALL, Status.COMPLEMENTARY}


def test_figure_writes_levels_in_cells_and_certainty_beside(data) -> None:
    figure = evidence_certainty.create_figure(data)
    shown = data.filter(pl.col("status") == Status.SHOWN)
    heatmap = figure.data[0]
    assert list(heatmap.y) == shown["name"].to_list()
    assert len(heatmap.x) == 4
    assert {t for row in heatmap.text for t in row} <= {"0", "\u22121", "\u22122"}
    beside = [a.text for a in figure.layout.annotations if a.xref == "paper" and a.x == 1.0]
    assert len(beside) == shown.height and all("<b>" in t for t in beside)
    assert "Not rated here:" in note(figure)


def test_summary_table_csv_and_empty_state(data, marts, view) -> None:
    text = evidence_certainty.summarise(data)
    assert "certainty of evidence for" in text and "rated down for" in text
    table = evidence_certainty.table_frame(data, RULES)
    assert table.columns == list(evidence_certainty.TABLE_HEADERS)
    small = table.filter(
        pl.col("name").is_in(data.filter(pl.col("status") == Status.SMALL)["name"].implode())
    )
    assert set(small["certainty"]) == {"s"}
    csv = evidence_certainty.csv_frame(data, RULES)
    assert csv.columns == list(evidence_certainty.CSV_COLUMNS)
    empty = evidence_certainty.process_data(
        marts.evidence_certainty(), replace(view(), timepoint="post_treatment", modes=())
    ).filter(pl.col("evidence_type") != "pooled")
    assert is_empty_state(evidence_certainty.create_figure(empty), "No rated result")


def test_about_lists_the_domains() -> None:
    text = " ".join(evidence_certainty.about(RULES, None, 0.8, 50.0))
    for domain in ("Risk of bias", "Inconsistency", "Imprecision", "Indirectness"):
        assert domain in text
    assert "mart_evidence_certainty" in text
    assert "missing for more than 20% of due episodes" in text and "I\u00b2 above 50%" in text


def test_about_quotes_the_thresholds_of_the_snapshot(marts, demo_build) -> None:
    """The numbers are the snapshot's ref_effectiveness_thresholds, as configured."""
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        values = dict(
            con.execute("SELECT name, value FROM ref_effectiveness_thresholds").fetchall()
        )
    completeness, i2 = values["follow_up_completeness_min"], values["i2_serious"]
    text = " ".join(evidence_certainty.describe(marts))
    assert f"missing for more than {100 * (1 - completeness):g}% of due episodes" in text
    assert f"I\u00b2 above {i2:g}%" in text
