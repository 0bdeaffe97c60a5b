"""The patient-experience chart's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import polars as pl
import pytest

from dashboards.charts import patient_experience
from dashboards.marts.context import ANSWERS
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        patient_experience.process_data(marts.query("patient_experience"), ALL_ICBT)


def test_items_as_stacked_answer_shares_with_the_share_answering(marts) -> None:
    data = patient_experience.process_data(marts.patient_experience(), ALL_ICBT)
    assert data["item_number"].to_list() == [1, 2, 3, 4, 5]
    row = data.row(0, named=True)
    assert row["shown"]
    complete = data.filter(pl.all_horizontal(pl.col(a).is_not_null() for a in ANSWERS))
    assert complete.height, "the demo has an item with every answer count shown"
    shares = complete.select(pl.sum_horizontal(f"share_{a[2:]}" for a in ANSWERS))
    assert shares.to_series().to_list() == pytest.approx([1.0] * complete.height)
    assert row["share_often"] == pytest.approx(
        (row["n_most_of_the_time"] + row["n_all_of_the_time"]) / row["n_answered"]
    )
    figure = patient_experience.create_figure(data)
    assert [trace.name for trace in figure.data] == [
        "Never",
        "Rarely",
        "Sometimes",
        "Most of the time",
        "All of the time",
    ]
    assert list(figure.data[-1].x) == data["share_all_of_the_time"].to_list()
    assert figure.data[0].y[0].startswith(f"1. {row['item_label']} (")
    rests_on = (
        f"Rests on {row['n_programs']} programs and {row['n_discharged']:,} discharged "
        "contract v2 episodes."
    )
    assert rests_on in note(figure)
    text = patient_experience.summarise(data)
    assert rests_on in text and "most or all of the time" in text
    # Only v2 programs answer: fewer programs than the iCBT programs in the warehouse.
    icbt = marts.programs().filter(pl.col("delivery_mode") != "in_person")
    assert 0 < row["n_programs"] < icbt.height


def test_a_v1_program_and_a_warehouse_without_v2_show_the_no_data_state(marts) -> None:
    v1_only = patient_experience.process_data(marts.patient_experience(), Unit("program", "ICBT02"))
    assert is_empty_state(patient_experience.create_figure(v1_only), "No contract v2 discharged")
    no_v2 = patient_experience.process_data(marts.patient_experience().clear(), ALL_ICBT)
    assert is_empty_state(patient_experience.create_figure(no_v2), "No contract v2 discharged")
    assert patient_experience.summarise(no_v2).startswith("No contract v2 discharged")
    assert patient_experience.table_frame(no_v2, RULES).is_empty()


def test_hidden_answer_counts_stay_hidden_in_table_and_csv(marts) -> None:
    frame = marts.patient_experience()
    small = frame.filter(pl.any_horizontal(pl.col(f"{a}_small") for a in ANSWERS))
    assert small.height, "the demo has small answer counts"
    unit_type, unit_id = small.row(0, named=True)["unit_type"], small.row(0, named=True)["unit_id"]
    data = patient_experience.process_data(frame, Unit(unit_type, unit_id))
    table = patient_experience.table_frame(data, RULES)
    labels = {v for a in ANSWERS for v in table[a].to_list()}
    assert "<5" in labels
    hidden = data.filter(pl.any_horizontal(pl.col(a).is_null() for a in patient_experience.OFTEN))
    assert hidden["share_often"].is_null().all()
    csv = patient_experience.csv_frame(data, RULES)
    assert csv.columns == list(patient_experience.CSV_COLUMNS)


def test_about_names_the_mart_and_the_threshold() -> None:
    text = " ".join(patient_experience.about(RULES, None))
    assert "mart_patient_experience" in text and "1 to 4" in text
