"""The meta-regression chart's pure functions on the demo warehouse's mart."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from dashboards.charts import meta_regression
from dashboards.suppression import load_rules
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import is_empty_state

pytestmark = needs_demo_build


def terms(marts, view, timepoint: str = "post_treatment") -> pl.DataFrame:
    state = replace(view("PHQ9.total"), timepoint=timepoint)
    return meta_regression.process_data(marts.meta_regression(), marts.programs(), state)


def test_term_labels_name_units_and_reference_levels() -> None:
    assert meta_regression.term_label("length_weeks", "length_weeks", None) == (
        "Program length (per week)"
    )
    assert meta_regression.term_label(
        "therapist_involvement", "therapist_involvement=none", "asynchronous"
    ) == ("Therapist involvement: none vs asynchronous")


def test_intercepts_are_left_out_and_moderators_in_a_fixed_order(marts, view) -> None:
    data = terms(marts, view)
    assert "intercept" not in set(data["term"])
    order = list(meta_regression.MODERATORS)
    seen = [order.index(m) for m in data["moderator"]]
    assert seen == sorted(seen)
    involvement = data.filter(pl.col("moderator") == "therapist_involvement")
    assert involvement["label"].str.contains(" vs ").all()


def test_figure_and_summary(marts, view) -> None:
    data = terms(marts, view)
    figure = meta_regression.create_figure(data)
    assert list(figure.data[0].y) == data.filter(pl.col("shown"))["label"].to_list()
    assert 0 in [s.x0 for s in figure.layout.shapes]
    text = meta_regression.summarise(data)
    assert "one attribute at a time" in text and "negative coefficient" in text
    assert is_empty_state(
        meta_regression.create_figure(terms(marts, view, "no_such_timepoint")), "No meta-regression"
    )


def test_table_and_csv(marts, view) -> None:
    data = terms(marts, view)
    table = meta_regression.table_frame(data, load_rules())
    assert table.columns == list(meta_regression.TABLE_HEADERS)
    assert table.height == data.height
    assert meta_regression.csv_frame(data, load_rules()).columns == list(
        meta_regression.CSV_COLUMNS
    )
