"""The CUSUM chart's pure functions: small frames, and the demo warehouse's charts."""

from __future__ import annotations

from datetime import date

import polars as pl

from dashboards.charts import safety_cusum
from dashboards.marts.safety import CUSUM_DRAWN
from dashboards.suppression import load_rules
from tests.conftest import needs_demo_build
from tests.dashboards.charts.conftest import is_empty_state

RULES = load_rules()


def chart(statistic: list[float | None], alarm: list[bool], drawn: list[bool]) -> pl.DataFrame:
    """One program's chart, month by month, as `SafetyMarts.safety_cusum` gives it."""
    months = len(statistic)
    return pl.DataFrame(
        {
            "indicator": ["deterioration"] * months,
            "program_id": ["ICBT05"] * months,
            "program_name": ["Guided course, archetype 5"] * months,
            "delivery_mode": ["guided_asynchronous"] * months,
            "month": [date(2026, m + 1, 1) for m in range(months)],
            "statistic": statistic,
            "threshold": [3.0] * months,
            "simulated_arl_months": [60.0] * months,
            "alarm": alarm,
            "in_signal": alarm,
            CUSUM_DRAWN: drawn,
        }
    )


def test_the_line_breaks_at_hidden_months_instead_of_joining_across_them() -> None:
    data = chart([0.4, None, None, 1.2], [False] * 4, [True, False, False, True])
    x, y = safety_cusum.value_line(data)
    assert y == [0.4, None, None, 1.2]
    assert len(x) == 4
    figure = safety_cusum.create_figure(data, "Deterioration")
    line = next(t for t in figure.data if t.name == "CUSUM value")
    assert line.connectgaps is False


def test_an_alarm_reaches_the_threshold_where_it_is_marked_then_restarts() -> None:
    data = chart([1.0, 1.5, 2.4], [False, False, True], [True, True, True])
    x, y = safety_cusum.value_line(data)
    assert x[-2] == x[-1] == date(2026, 3, 1)
    assert y == [1.0, 1.5, 3.0, 2.4]
    figure = safety_cusum.create_figure(data, "Deterioration")
    alarm = next(t for t in figure.data if t.name == "Alarm")
    value = next(t for t in figure.data if t.name == "CUSUM value")
    assert list(alarm.y) == [3.0]
    assert (alarm.x[0], alarm.y[0]) in zip(value.x, value.y, strict=True)


def test_one_program_everything_hidden_and_empty() -> None:
    hidden = chart([0.0, None, None], [False] * 3, [True, False, False])
    data = safety_cusum.process_data(hidden, "deterioration", ["ICBT05"])
    assert "2 of 3 monthly values are not drawn" in safety_cusum.summarise(data, "Deterioration")
    assert safety_cusum.csv_frame(data, RULES)["statistic"].to_list()[1:] == ["s", "s"]
    empty = safety_cusum.process_data(hidden, "deterioration", [])
    assert is_empty_state(safety_cusum.create_figure(empty, "Deterioration"), "No program")
    assert safety_cusum.table_frame(empty, RULES).is_empty()


@needs_demo_build
def test_programs_are_in_id_order_and_counts_never_reach_the_chart(marts) -> None:
    frame = marts.safety_cusum()
    assert "observed" not in frame.columns
    indicator = frame["indicator"][0]
    programs = marts.programs()["program_id"].to_list()
    data = safety_cusum.process_data(frame, indicator, programs)
    order = list(dict.fromkeys(data["program_id"].to_list()))
    assert order == sorted(order)
