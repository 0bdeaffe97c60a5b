"""The pooled-effects chart's pure functions on the demo warehouse's suppressed marts."""

from __future__ import annotations

from dataclasses import replace

import polars as pl
import pytest

from dashboards.charts import pooled_effects
from dashboards.charts.common import Status
from dashboards.suppression import SUPPRESSED_SUFFIX
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def pooled(marts, view, outcome: str = "PHQ9.total", **changes) -> pl.DataFrame:
    state = replace(view(outcome), timepoint="post_treatment", **changes)
    return pooled_effects.process_data(marts.pooled_effects(), marts.subgroup_tests(), state)


def test_process_data_refuses_a_frame_that_was_not_suppressed(marts, view) -> None:
    raw = marts.query("pooled_effects")
    with pytest.raises(ValueError, match="suppress"):
        pooled_effects.process_data(
            raw, marts.subgroup_tests(), replace(view(), timepoint="post_treatment")
        )


def test_all_programs_first_each_with_dersimonian_laird_before_paule_mandel(marts, view) -> None:
    data = pooled(marts, view)
    assert data["subgroup"][0] == "all"
    assert data.select("subgroup", "method").rows()[:2] == [("all", "dl"), ("all", "pm")]
    assert set(data["method"]) == {"dl", "pm"}
    guided = pooled(marts, view, modes=("guided_asynchronous",))
    assert set(guided["subgroup"]) == {"all", "guided_asynchronous"}


def test_subgroup_test_is_the_marts_and_does_not_depend_on_the_modes_in_view(marts, view) -> None:
    full, narrow = pooled(marts, view), pooled(marts, view, modes=("self_guided",))
    tests = marts.subgroup_tests().filter(
        pl.col("instrument") == "PHQ9", pl.col("timepoint") == "post_treatment"
    )
    for method, q in tests.select("method", "q_between").rows():
        for frame in (full, narrow):
            row = frame.filter(pl.col("method") == method).row(0, named=True)
            assert row["test_withheld"] or row["q_between"] == q
    assert "Difference between delivery modes" in pooled_effects.subgroup_test_text(full)


def test_a_pooled_single_program_is_hidden_with_its_comparison(marts) -> None:
    frame = marts.pooled_effects().filter(pl.col("k") == 1)
    primary = marts.comparisons().filter(pl.col("is_primary"), pl.col("subject_type") == "program")
    columns = ["subject_id", "instrument", "scale", "timepoint"]
    hidden = {
        tuple(key): flag
        for *key, flag in primary.select(*columns, "adjusted_difference" + SUPPRESSED_SUFFIX).rows()
    }
    for row in frame.iter_rows(named=True):
        key = (row["sole_program_id"], row["instrument"], row["scale"], row["timepoint"])
        assert row["estimate" + SUPPRESSED_SUFFIX] == hidden[key]


def test_figure_shows_ci_prediction_interval_margin_and_verdicts(marts, view) -> None:
    data = pooled(marts, view)
    figure = pooled_effects.create_figure(data)
    shown = data.filter(pl.col("status") == Status.SHOWN)
    markers = [t for t in figure.data if t.mode == "markers"]
    assert sum(len(t.x) for t in markers) == shown.height
    prediction = next(t for t in figure.data if t.mode == "lines")
    assert prediction.line.dash == "dot"
    assert min(x for x in prediction.x if x is not None) == shown["pi_low"].min()
    assert shown["noninferiority_margin"][0] in [s.x0 for s in figure.layout.shapes]
    texts = " ".join(a.text for a in figure.layout.annotations)
    assert "k = " in texts and "Difference between delivery modes" in note(figure)


def test_outcome_without_mcid_says_no_verdict_and_empty_state(marts, view) -> None:
    peg = pooled(marts, view, "PEG.total")
    assert "no verdict (no published MCID)" in pooled_effects.summarise(peg)
    none = pooled_effects.process_data(
        marts.pooled_effects(),
        marts.subgroup_tests(),
        replace(view(), timepoint="no_such_timepoint"),
    )
    assert is_empty_state(pooled_effects.create_figure(none), "No pooled estimate")


def test_table_and_csv(marts, view) -> None:
    data = pooled(marts, view)
    table = pooled_effects.table_frame(data, RULES)
    assert table.columns == list(pooled_effects.TABLE_HEADERS)
    assert table["i2"][0].endswith("%")
    csv = pooled_effects.csv_frame(data, RULES)
    assert csv.columns == list(pooled_effects.CSV_COLUMNS)
    hidden = csv.filter(data["n_episodes" + SUPPRESSED_SUFFIX])["n_episodes"]
    assert set(hidden) <= {"s"}
    assert set(csv.filter(data["estimate" + SUPPRESSED_SUFFIX])["estimate"]) <= {"s"}


def test_about_names_both_marts_and_methods() -> None:
    text = " ".join(pooled_effects.about(RULES, None, None, 0.95, 3))
    assert "mart_pooled_effects" in text and "mart_subgroup_tests" in text
    assert "DerSimonian-Laird" in text and "Paule-Mandel" in text and "prediction interval" in text
