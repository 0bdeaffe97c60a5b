"""Edge cases of the Safety and Data-quality charts: empty, one program, all suppressed.

Each chart's pure functions get a small frame cut from the demo warehouse's suppressed
mart: no rows (every chart has a 'no data' state), one program (nothing of another
program reaches the chart, table or CSV), and the whole mart suppressed with a threshold
above every count (no count reaches the table or the CSV as a number).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType

import plotly.graph_objects as go
import polars as pl
import pytest

from dashboards.charts import (
    adverse_events,
    dq_checks,
    dq_deliveries,
    dq_drift,
    dq_freshness,
    dq_quarantine,
    item9_follow_up,
    safety_cusum,
    safety_funnel,
    safety_rates,
    safety_register,
)
from dashboards.data import Warehouse
from dashboards.marts import Marts, SuppressedMarts
from dashboards.marts.quality import DQ_CHECKS, DRIFT_RESULTS, LOAD_LEDGER, QUARANTINE_REASONS
from dashboards.marts.safety import (
    ADVERSE_EVENT_PROFILE,
    ITEM9_FOLLOW_UP,
    SAFETY_FUNNEL,
    SIGNAL_REGISTER,
    funnel_windows,
)
from dashboards.suppression import SuppressionRules, load_rules, suppress
from dashboards.view_state import ALL_PERIODS, Unit
from tests.conftest import DemoBuild, needs_demo_build
from tests.dashboards.charts.conftest import note

pytestmark = needs_demo_build

RULES = load_rules()
# Above every count in the demo: every non-zero count is small, so all are hidden.
ALL_HIDDEN = SuppressionRules(threshold=10**9)


def _indicator(marts: Marts) -> str:
    return marts.safety_indicators()["indicator"][0]


@dataclass(frozen=True)
class Case:
    """How one chart is fed: its mart, its `process_data` call and the counts it shows."""

    module: ModuleType
    mart: Callable[[Marts], pl.DataFrame]
    process: Callable[[pl.DataFrame, Sequence[str], Marts], pl.DataFrame]
    counts: tuple[str, ...] = ()
    draw: Callable[[pl.DataFrame], go.Figure] | None = None
    # The column naming a row's program, and the comparator shown beside every program.
    key: str = "program_id"
    beside: frozenset[str] = frozenset()

    def figure(self, data: pl.DataFrame) -> go.Figure:
        return self.draw(data) if self.draw else self.module.create_figure(data)


def _quarantine(rules: SuppressionRules) -> pl.DataFrame:
    """Quarantine reasons of two programs, suppressed: the demo's current deliveries have
    no quarantined rows."""
    raw = pl.DataFrame(
        {
            "program_id": ["ICBT05", "ICBT05", "ICBT07"],
            "table_name": ["episodes", "prom_responses", "episodes"],
            "field": ["referral_date", "item_score", "sex"],
            "reason": ["not a date", "above the item's maximum", "not in the code list"],
            "rows_quarantined": [12, 3, 40],
            "files": [2, 1, 3],
            "first_batch": ["2025-11", "2026-01", "2025-10"],
            "last_batch": ["2025-12", "2026-01", "2026-02"],
        }
    )
    return suppress(raw, QUARANTINE_REASONS, rules)


def _unit(programs: Sequence[str]) -> Unit:
    return Unit("program", programs[0]) if programs else Unit("program", "none")


CASES = {
    "safety_register": Case(
        safety_register,
        Marts.signal_register,
        lambda f, p, m: safety_register.process_data(f, p),
        SIGNAL_REGISTER.counts,
    ),
    "safety_funnel": Case(
        safety_funnel,
        Marts.safety_funnel,
        lambda f, p, m: safety_funnel.process_data(
            f,
            _indicator(m),
            funnel_windows(m.safety_funnel())[0],
            p,
            safety_funnel.FunnelLevels.of(m),
        ),
        SAFETY_FUNNEL.counts,
        lambda d: safety_funnel.create_figure(d, "Indicator"),
    ),
    "safety_rates": Case(
        safety_rates,
        Marts.safety_funnel,
        lambda f, p, m: safety_rates.process_data(
            f, _indicator(m), funnel_windows(m.safety_funnel())[0], p
        ),
        SAFETY_FUNNEL.counts,
        lambda d: safety_rates.create_figure(d, "Indicator"),
    ),
    "safety_cusum": Case(
        safety_cusum,
        Marts.safety_cusum,
        lambda f, p, m: safety_cusum.process_data(f, _indicator(m), p),
        draw=lambda d: safety_cusum.create_figure(d, "Indicator"),
    ),
    "adverse_events": Case(
        adverse_events,
        Marts.adverse_event_profile,
        lambda f, p, m: adverse_events.process_data(
            f.filter(pl.col("unit_id").is_in([*p, "in_person"])), _unit(p)
        ),
        tuple(c for c in ADVERSE_EVENT_PROFILE.counts if c in adverse_events.CSV_COLUMNS),
    ),
    "item9_follow_up": Case(
        item9_follow_up,
        Marts.item9_follow_up,
        lambda f, p, m: item9_follow_up.process_data(f, p),
        ITEM9_FOLLOW_UP.counts,
        key="unit_id",
        beside=frozenset({"in_person"}),
    ),
    "dq_deliveries": Case(
        dq_deliveries,
        Marts.load_ledger,
        lambda f, p, m: dq_deliveries.process_data(f, p, ALL_PERIODS),
        LOAD_LEDGER.counts,
    ),
    "dq_quarantine": Case(
        dq_quarantine,
        lambda m: _quarantine(m.rules),
        lambda f, p, m: dq_quarantine.process_data(f, p),
        QUARANTINE_REASONS.counts,
    ),
    "dq_checks": Case(
        dq_checks,
        Marts.dq_checks,
        lambda f, p, m: dq_checks.process_data(f),
        DQ_CHECKS.counts,
    ),
    "dq_freshness": Case(
        dq_freshness,
        Marts.overview_freshness,
        lambda f, p, m: dq_freshness.process_data(f, p),
    ),
    "dq_drift": Case(
        dq_drift,
        Marts.drift_results,
        lambda f, p, m: dq_drift.process_data(f, p),
        DRIFT_RESULTS.counts,
    ),
}


@pytest.fixture(scope="module")
def all_hidden(demo_build: DemoBuild) -> Iterator[Marts]:
    """The demo warehouse's marts suppressed with a threshold above every count."""
    store = SuppressedMarts(Warehouse(demo_build.settings.published_database), ALL_HIDDEN)
    snapshot = store.snapshot()
    yield snapshot
    snapshot.close()


def _programs(marts: Marts) -> list[str]:
    return marts.programs()["program_id"].to_list()


def _shown_counts(frame: pl.DataFrame, counts: Sequence[str], rules: SuppressionRules) -> list:
    """Non-zero counts written as numbers (markers and blanks aside)."""
    markers = {None, "", rules.small_label, rules.suppressed_label}
    values = [v for c in counts if c in frame.columns for v in frame[c].cast(pl.String)]
    return [v for v in values if v not in markers and float(v) != 0]


@pytest.mark.parametrize("name", CASES)
def test_no_rows_draw_the_no_data_state(marts, name: str) -> None:
    case = CASES[name]
    data = case.process(case.mart(marts).clear(), _programs(marts), marts)
    figure = case.figure(data)
    assert not [t for t in figure.data if t.visible is not False and len(t.x or ()) > 0]
    assert note(figure)
    assert case.module.table_frame(data, RULES).is_empty()
    assert case.module.csv_frame(data, RULES).is_empty()


# The checks are warehouse-wide (no program filter); adverse events show one unit beside
# in-person CBT by design, tested below.
ONE_PROGRAM = [n for n in CASES if n not in ("dq_checks", "adverse_events")]


@pytest.mark.parametrize("name", ONE_PROGRAM)
def test_one_program_shows_that_program_only(marts, name: str) -> None:
    case = CASES[name]
    everything = case.process(case.mart(marts), _programs(marts), marts)
    assert everything.height, f"{name}: the demo has no rows to cut from"
    programs = everything[case.key].drop_nulls()
    program = programs.filter(~programs.is_in(list(case.beside)))[0]
    data = case.process(case.mart(marts), [program], marts)
    assert data.height
    assert program in set(data[case.key]) <= {program, *case.beside}
    csv = case.module.csv_frame(data, RULES)
    if case.key in csv.columns:
        assert set(csv[case.key].drop_nulls()) <= {program, *case.beside}
    assert isinstance(case.figure(data), go.Figure)


def test_adverse_events_of_one_program_beside_in_person_cbt(marts) -> None:
    frame = marts.adverse_event_profile()
    program = frame.filter(pl.col("unit_type") == "program")["unit_id"][0]
    data = adverse_events.process_data(frame, Unit("program", program))
    assert set(data["unit_id"]) <= {program, "in_person"}
    assert program in set(data["unit_id"])


@pytest.mark.parametrize("name", [n for n in CASES if CASES[n].counts])
def test_everything_suppressed_shows_no_count(all_hidden, name: str) -> None:
    case = CASES[name]
    data = case.process(case.mart(all_hidden), _programs(all_hidden), all_hidden)
    assert data.height, f"{name}: nothing to suppress"
    for frame in (
        case.module.csv_frame(data, ALL_HIDDEN),
        case.module.table_frame(data, ALL_HIDDEN),
    ):
        assert _shown_counts(frame, case.counts, ALL_HIDDEN) == []
    assert isinstance(case.figure(data), go.Figure)


def test_everything_suppressed_cusum_draws_no_step(all_hidden) -> None:
    frame = all_hidden.safety_cusum()
    data = safety_cusum.process_data(frame, _indicator(all_hidden), _programs(all_hidden))
    drawn = data.filter(pl.col("drawn"))
    # Only months with no event since the last drawn value, or alarms, can be drawn.
    assert drawn.height < data.height
    assert data.filter(~pl.col("drawn"))["statistic"].is_null().all()
