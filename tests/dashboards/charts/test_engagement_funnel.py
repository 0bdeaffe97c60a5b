"""The engagement funnel's pure functions on the demo warehouse's suppressed mart."""

from __future__ import annotations

import pytest

from dashboards.charts import engagement_funnel as funnel
from dashboards.view_state import ALL_ICBT, Unit
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import RULES, is_empty_state, note

pytestmark = needs_demo_build
PILOT = Unit("program", "ICBT15")


def test_process_data_refuses_an_unsuppressed_frame(marts) -> None:
    with pytest.raises(ValueError, match="suppress"):
        funnel.process_data(marts.query("engagement_funnel"), ALL_ICBT, "all")


def test_one_row_per_stage_in_funnel_order(marts) -> None:
    data = funnel.process_data(marts.engagement_funnel(), ALL_ICBT, "all")
    assert data["label"].to_list() == list(funnel.STAGES.values())
    counts = data["count"].to_list()
    assert counts == sorted(counts, reverse=True)  # each stage is part of the one above
    assert not data["hidden"].any()
    figure = funnel.create_figure(data, RULES)
    assert list(figure.data[0].x) == counts
    assert figure.data[0].text[0] == f"{counts[0]:,}"
    text = funnel.summarise(data, RULES)
    assert text.startswith("All iCBT programs, all referrals: referred")
    assert "of started episodes that have ended were completed" in text


def test_the_pilots_stages_are_labelled_not_drawn(marts) -> None:
    data = funnel.process_data(marts.engagement_funnel(), PILOT, "all")
    referred = data.row(0, named=True)
    assert referred["hidden"] and referred["small"] and referred["count"] is None
    figure = funnel.create_figure(data, RULES)
    if figure.data:
        assert figure.data[0].text[0] == "<5"
        assert "Not shown" in note(figure)
    else:
        assert "too small" in note(figure)
    assert "referred <5" in funnel.summarise(data, RULES)


def test_quarters_for_modes_and_an_empty_state(marts) -> None:
    quarters = sorted(set(marts.engagement_funnel()["period"]) - {"all"})
    mode = Unit("delivery_mode", "guided_asynchronous")
    data = funnel.process_data(marts.engagement_funnel(), mode, quarters[-1])
    assert f"referrals in {quarters[-1]}" in funnel.summarise(data, RULES)
    # Programs have no quarters in the suppressed mart: nothing to draw.
    empty = funnel.process_data(marts.engagement_funnel(), PILOT, quarters[-1])
    assert empty.is_empty()
    assert is_empty_state(funnel.create_figure(empty, RULES), "No referrals")


def test_table_and_csv_keep_labels(marts) -> None:
    rows = funnel.unit_rows(marts.engagement_funnel(), PILOT, "all")
    table = funnel.table_frame(rows, RULES)
    assert table.columns == list(funnel.TABLE_HEADERS)
    assert table["n_referred"][0] == "<5"
    csv = funnel.csv_frame(rows, RULES)
    assert csv.columns == list(funnel.CSV_COLUMNS)
    assert csv["n_referred"][0] == "<5"
    shown = funnel.table_frame(funnel.unit_rows(marts.engagement_funnel(), ALL_ICBT, "all"), RULES)
    assert shown["completion_rate"][0].endswith("%")


def test_about_names_the_mart_and_the_threshold() -> None:
    text = " ".join(funnel.about(RULES, None))
    assert "mart_engagement_funnel" in text and "1 to 4" in text and "cumulative" in text
