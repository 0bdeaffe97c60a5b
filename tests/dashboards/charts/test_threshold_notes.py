"""The "About this chart" notes quote the thresholds the snapshot was built with, read from its
`ref_*` tables, so a note never disagrees with the configuration behind the numbers."""

from __future__ import annotations

import duckdb
import pytest

from dashboards.charts import dq_drift, dq_freshness, safety_funnel, safety_register
from pipelines.quality.config import load_quality_policy
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def policy(demo_build) -> dict[str, float]:
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        values = dict(con.execute("SELECT name, value FROM ref_safety_policy").fetchall())
        [(cadence, grace)] = con.execute(
            "SELECT cadence_days, grace_days FROM ref_delivery_cadence WHERE program_id IS NULL"
        ).fetchall()
    return {**values, "cadence_days": cadence, "grace_days": grace}


def test_the_funnel_and_register_notes_quote_the_funnel_levels(marts, policy) -> None:
    funnel = " ".join(safety_funnel.describe(marts))
    alert, alarm = 100 * policy["funnel.alert_level"], 100 * policy["funnel.alarm_level"]
    assert f"exact binomial {alert:g}% and {alarm:g}% limits" in funnel
    register = " ".join(safety_register.describe(marts))
    assert f"a point above the {alarm:g}% limit" in register
    months = round(policy["funnel.resolve_after_months"])
    assert f"has not flagged it for {months} months" in register


def test_the_freshness_note_quotes_the_default_cadence(marts, policy) -> None:
    text = " ".join(dq_freshness.describe(marts))
    assert f"every {policy['cadence_days']} days plus {policy['grace_days']} days" in text


def test_the_drift_note_quotes_the_drift_test(marts) -> None:
    drift, _ = load_quality_policy()
    text = " ".join(dq_drift.describe(marts))
    assert f"p at most {drift.column_threshold:g}" in text
    assert f"at least {100 * drift.drift_share:g}% of the tested features" in text


def test_a_number_the_snapshot_does_not_hold_is_an_error(marts) -> None:
    with pytest.raises(KeyError, match="no value named"):
        marts.reference_value("ref_safety_policy", "funnel.no_such_level")
