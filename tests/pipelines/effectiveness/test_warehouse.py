"""The effectiveness marts in the warehouse a real Dagster run published: documented,
consistent with each other and with the generator's truth, and every query of the
researcher's guide runs against them."""

import re

import duckdb
import pytest

from pipelines.paths import PROJECT_ROOT
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build

MARTS = (
    "mart_comparisons",
    "mart_comparison_diagnostics",
    "mart_covariate_balance",
    "mart_pooled_effects",
    "mart_subgroup_tests",
    "mart_meta_regression",
    "mart_evidence_certainty",
    "ref_literature_benchmarks",
    "ref_effectiveness_thresholds",
    "int_effectiveness_episodes",
)
GUIDE = PROJECT_ROOT / "docs" / "researchers.md"


@pytest.fixture(scope="module")
def published(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        yield con


def test_effectiveness_checks_ran_and_passed(demo_build):
    checks: dict[str, list[bool]] = {}
    for c in demo_build.result.get_asset_check_evaluations():
        if c.asset_key.to_user_string() in ("mart_comparisons", "mart_evidence_certainty"):
            checks.setdefault(c.check_name, []).append(c.passed)
    assert checks == {
        "verdict_or_named_failures": [True],
        "only_verified_benchmarks": [True],
        "every_primary_comparison_rated": [True],
        "grain": [True, True],
    }


def test_every_table_and_column_is_documented(published):
    for table in MARTS:
        [(comment,)] = published.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = $t", {"t": table}
        ).fetchall()
        assert comment, table
    undocumented = published.execute(
        """SELECT table_name, column_name FROM duckdb_columns()
           WHERE list_contains($tables, table_name) AND (comment IS NULL OR comment = '')""",
        {"tables": list(MARTS)},
    ).fetchall()
    assert undocumented == []


def test_every_program_and_mode_is_compared_on_every_outcome_it_measures(published, demo_build):
    compared = set(
        published.execute(
            """SELECT subject_id, instrument || '.' || scale FROM mart_comparisons
               WHERE timepoint = 'post_treatment' AND is_primary"""
        ).fetchall()
    )
    for program, effects in demo_build.truth.effects.items():
        if program.startswith("INPERSON") or not effects["PHQ9.total"]["n"]:
            continue
        for key in effects:
            assert (program, key) in compared, (program, key)
    for mode in ("self_guided", "guided_asynchronous", "therapist_realtime"):
        assert (mode, "PHQ9.total") in compared


def test_in_development_pilots_are_flagged_too_small(published, demo_build):
    for program in demo_build.truth.in_development_programs:
        rows = published.execute(
            "SELECT diagnostics_failed, verdict FROM mart_comparisons WHERE subject_id = $p",
            {"p": program},
        ).fetchall()
        assert rows and all("sample_size" in failed and v is None for failed, v in rows)


def test_programs_without_a_local_clinic_use_the_national_cohort(published, demo_build):
    provinces = set(demo_build.truth.provinces_without_in_person)
    rows = published.execute(
        """SELECT DISTINCT province, comparator_level, is_indirect FROM mart_comparisons
           WHERE subject_type = 'program' AND is_primary"""
    ).fetchall()
    for province, level, indirect in rows:
        assert (level == "national") == (province in provinces)
        assert indirect == (province in provinces)


def test_shown_verdicts_agree_with_the_truth(published, demo_build):
    """In the demo build: the true PHQ-9 differences lie inside the CIs of the shown
    verdicts (95% intervals: most of them), and no verdict contradicts the truth."""
    rows = published.execute(
        """SELECT subject_id, adjusted_ci_low, adjusted_ci_high, verdict, noninferiority_margin
           FROM mart_comparisons
           WHERE subject_type = 'program' AND is_primary AND verdict IS NOT NULL
             AND instrument = 'PHQ9' AND timepoint = 'post_treatment'"""
    ).fetchall()
    assert rows
    covered = 0
    for program, low, high, verdict, margin in rows:
        truth = demo_build.truth.effects[program]["PHQ9.total"]["true_difference_in_change"]
        covered += low <= truth <= high
        if -truth >= margin:
            assert verdict == "superior", program
        if -truth <= -margin:
            assert verdict in ("inferior", "inconclusive"), program
    assert covered >= 0.8 * len(rows)


def test_pooled_rows_rest_on_the_comparisons(published):
    rows = published.execute(
        """SELECT p.instrument, p.timepoint, p.k, len(p.programs), p.estimate,
                  min(c.adjusted_difference), max(c.adjusted_difference)
           FROM mart_pooled_effects AS p
           JOIN mart_comparisons AS c
             ON c.instrument = p.instrument AND c.scale = p.scale
            AND c.timepoint = p.timepoint AND c.is_primary
            AND list_contains(p.programs, c.subject_id)
           WHERE p.subgroup = 'all'
           GROUP BY ALL"""
    ).fetchall()
    assert rows
    for _, _, k, listed, estimate, low, high in rows:
        assert k == listed
        assert low - 1e-9 <= estimate <= high + 1e-9


def _guide_queries() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), flags=re.S)


def test_the_guide_has_queries():
    assert len(_guide_queries()) >= 15


@pytest.mark.parametrize("index", range(len(_guide_queries())))
def test_every_query_in_the_researchers_guide_runs(published, index):
    query = _guide_queries()[index]
    rows = published.execute(query).fetchall()
    assert rows, query
