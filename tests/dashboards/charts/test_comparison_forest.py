"""The forest plot's pure functions on the demo warehouse's suppressed comparisons."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from dashboards.charts import comparison_forest
from dashboards.charts.common import Status
from dashboards.theme import DELIVERY_MODES
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build

PILOTS = ("ICBT15", "ICBT16")


@pytest.fixture(scope="module")
def data(marts, view) -> pl.DataFrame:
    state = replace(view("PHQ9.total"), timepoint="post_treatment")
    return comparison_forest.process_data(marts.comparisons(), state)


def test_process_data_refuses_a_frame_that_was_not_suppressed(marts, view) -> None:
    raw = marts.query("comparisons")
    with pytest.raises(ValueError, match="suppress"):
        comparison_forest.process_data(raw, replace(view(), timepoint="post_treatment"))


def test_one_primary_row_per_program_and_mode_with_sensitivity_rows_after(data, marts) -> None:
    primary = data.filter(pl.col("is_primary"))
    assert primary["subject_id"].n_unique() == primary.height
    programs = marts.programs().filter(pl.col("delivery_mode") != "in_person")
    assert set(primary.filter(pl.col("subject_type") == "program")["subject_id"]) == set(
        programs["program_id"]
    )
    # A sensitivity row follows its local primary row.
    for i, row in enumerate(data.iter_rows(named=True)):
        if not row["is_primary"]:
            before = data.row(i - 1, named=True)
            assert before["subject_id"] == row["subject_id"]
            assert before["comparator_level"] == "local"
            assert row["comparator_level"] == "national"


def test_pilots_and_their_complements_are_not_drawn(data) -> None:
    status = dict(data.filter(pl.col("is_primary")).select("subject_id", "status").rows())
    pilots = {status[p] for p in PILOTS}
    assert Status.SMALL in pilots and pilots <= {Status.SMALL, Status.NO_DATA}
    hidden = data.filter(pl.col("status").is_in([Status.SMALL, Status.COMPLEMENTARY]))
    assert hidden["adjusted_difference"].is_null().all()
    assert hidden["verdict_display"].is_null().all()
    for row in data.filter(pl.col("status") == Status.COMPLEMENTARY).iter_rows(named=True):
        mode = data.filter(pl.col("delivery_mode") == row["delivery_mode"])
        assert (mode["status"] == Status.SMALL).any()


def test_figure_draws_shown_comparisons_margin_and_verdicts(data) -> None:
    figure = comparison_forest.create_figure(data)
    shown = data.filter(pl.col("is_primary"), pl.col("status") == Status.SHOWN)
    main = [t for t in figure.data if t.name != "National cohort (sensitivity)"]
    assert sum(len(t.x) for t in main) == shown.height
    guided = next(t for t in main if t.name == "Guided (asynchronous)")
    assert guided.marker.symbol == DELIVERY_MODES["guided_asynchronous"].symbol
    indirect = next(t for t in main if t.name.endswith(", indirect"))
    assert indirect.marker.symbol.endswith("-open")
    margin = shown["noninferiority_margin"][0]
    lines = [s.x0 for s in figure.layout.shapes]
    assert margin in lines and 0 in lines  # lower is better: the margin is on the + side
    texts = {a.text for a in figure.layout.annotations}
    assert set(shown["verdict_label"]) <= texts
    assert any("not shown: equipoise" in t for t in texts)  # a failure named, not a verdict
    assert "Not shown:" in note(figure)


def test_verdict_is_never_shown_where_the_mart_withholds_it(data) -> None:
    withheld = data.filter(pl.col("verdict").is_null(), pl.col("status") == Status.SHOWN)
    assert withheld.height
    assert withheld["verdict_label"].str.starts_with("not shown").all()


def test_empty_states(marts, view) -> None:
    state = replace(view("PHQ9.total", programs=PILOTS), timepoint="post_treatment")
    pilots = comparison_forest.process_data(marts.comparisons(), replace(state, modes=()))
    assert is_empty_state(comparison_forest.create_figure(pilots), "No comparison matches")
    only = comparison_forest.process_data(
        marts.comparisons(),
        replace(state, modes=("self_guided",), programs=("ICBT15",)),
    )
    only = only.filter(pl.col("subject_type") == "program")
    assert is_empty_state(comparison_forest.create_figure(only), "can be shown")


def test_summary_table_and_csv_carry_labels_not_hidden_numbers(data) -> None:
    text = comparison_forest.summarise(data)
    assert text.startswith("PHQ-9 depression, post-treatment, adjusted difference")
    assert "non-inferiority margin is 1.85 points" in text
    pilot = data.filter(pl.col("status") == Status.SMALL)["name"][0]
    assert pilot not in text.split("Not shown:")[0]
    table = comparison_forest.table_frame(data, RULES)
    assert table.columns == list(comparison_forest.TABLE_HEADERS)
    row = table.filter(pl.col("name") == pilot).row(0, named=True)
    assert (row["n_program_analysed"], row["adjusted_difference"]) == ("<5", "s")
    csv = comparison_forest.csv_frame(data, RULES)
    assert csv.columns == list(comparison_forest.CSV_COLUMNS)
    small = data.filter(pl.col("status") == Status.SMALL)["comparison_id"]
    rows = csv.filter(pl.col("comparison_id").is_in(small.implode()))
    assert rows.height and set(rows["n_program_analysed"]) == {"<5"}
    assert set(rows["verdict_display"]) == {"s"}


def test_about_names_the_mart_the_margin_and_the_threshold() -> None:
    text = " ".join(comparison_forest.about(RULES, "Every iCBT program.", 0.95, 0.4))
    assert "mart_comparisons" in text and "margin, 0.4 times the outcome's minimal" in text
    assert "1 to 4 analysed episodes" in text and "Every iCBT program." in text
