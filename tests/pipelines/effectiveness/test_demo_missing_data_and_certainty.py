"""On the demo build, where truth.json knows the planted differences: the missing-data
analysis earns its place beside the completers analysis, certainty ratings vary with the
evidence, and the self-guided programs reach the meta-regression of therapist
involvement with their caveat (issue #14, classes 9 and 11)."""

import duckdb
import pytest

from pipelines.effectiveness.certainty import LEVELS
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def published(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as con:
        yield con


def _follow_up_errors(published, truth) -> list[tuple[float, float, float]]:
    """(completers error, sensitivity error, truth - completers) per program follow-up
    comparison with both estimates, against the planted paired difference."""
    rows = published.execute(
        """SELECT subject_id, instrument || '.' || scale, adjusted_difference,
                  sensitivity_difference
           FROM mart_comparisons
           WHERE subject_type = 'program' AND timepoint = 'follow_up'
             AND sensitivity_difference IS NOT NULL"""
    ).fetchall()
    out = []
    for program, key, completers, sensitivity in rows:
        planted = truth.follow_up.get(program, {}).get(key, {}).get("true_difference_in_change")
        if planted is not None:
            out.append((completers - planted, sensitivity - planted, planted - completers))
    return out


def test_missing_data_analysis_lands_closer_to_the_truth_than_completers(published, demo_build):
    """Follow-up is missing at random given age, rurality, baseline PHQ-9 and dropout;
    imputing from those and the post-treatment change recovers what the completers lose,
    so on average it is nearer the planted difference and moves towards it more often
    than away."""
    errors = _follow_up_errors(published, demo_build.truth)
    assert len(errors) >= 50
    completers = sum(abs(c) for c, _, _ in errors) / len(errors)
    sensitivity = sum(abs(s) for _, s, _ in errors) / len(errors)
    assert sensitivity < completers
    toward = sum((s - c) * gap > 0 for c, s, gap in errors)
    assert toward > len(errors) / 2


def test_certainty_ratings_vary_where_the_evidence_does(published):
    rows = published.execute(
        """SELECT c.subject_id, c.delivery_mode, e.certainty, e.start_level,
                  e.risk_of_bias_downgrade + e.inconsistency_downgrade
                    + e.imprecision_downgrade + e.indirectness_downgrade,
                  e.large_effect_upgrade, list_contains(c.diagnostics_failed, 'equipoise'),
                  c.comparator_level
           FROM mart_evidence_certainty AS e
           JOIN mart_comparisons AS c ON c.comparison_id = e.evidence_id"""
    ).fetchall()
    assert rows
    levels = {certainty for _, _, certainty, *_ in rows}
    assert len(levels) >= 2, levels
    for _, _, certainty, start, down, up, *_ in rows:
        expected = max(0, min(len(LEVELS) - 1, LEVELS.index(start) - down + up))
        assert certainty == LEVELS[expected]
    equipoise_failed = [r for r in rows if r[6]]
    assert equipoise_failed and all(r[2] == "very low" for r in equipoise_failed)
    clean = [r for r in rows if r[4] == 0]
    assert clean and all(r[2] in ("low", "moderate", "high") for r in clean)


def test_self_guided_programs_enter_the_meta_regression_of_therapist_involvement(
    published, demo_build
):
    self_guided = {
        pid for pid, p in demo_build.truth.programs.items() if p["delivery_mode"] == "self_guided"
    }
    rows = published.execute(
        """SELECT programs, programs_failing_equipoise, caveat, term
           FROM mart_meta_regression WHERE moderator = 'therapist_involvement'"""
    ).fetchall()
    assert rows
    with_self_guided = [r for r in rows if self_guided & set(r[0])]
    assert with_self_guided
    for programs, failing, caveat, _ in rows:
        assert set(failing) <= set(programs)
        assert (caveat is not None) == bool(failing)
    assert any(set(r[1]) & self_guided and "overlap population" in r[2] for r in with_self_guided)
