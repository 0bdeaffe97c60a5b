"""Engagement and equity marts on the demo warehouse: consistent with each other and
with the generator's truth."""

import duckdb
import numpy as np
import pytest
from scipy import stats

from tests.conftest import needs_demo_build

pytestmark = needs_demo_build


@pytest.fixture(scope="module")
def con(demo_build):
    with duckdb.connect(str(demo_build.settings.published_database), read_only=True) as connection:
        yield connection


def test_funnel_matches_the_generated_episode_counts(demo_build, con):
    rows = con.execute(
        """SELECT unit_id, n_referred, n_enrolled, n_started, n_completed
           FROM mart_engagement_funnel WHERE unit_type = 'program' AND period = 'all'"""
    ).fetchall()
    for program, referred, enrolled, started, completed in rows:
        truth = demo_build.truth.programs[program]["episodes"]
        assert (referred, enrolled, started) == (
            truth["referred"],
            truth["enrolled"],
            truth["started"],
        ), program
        assert completed == truth.get("ended_completed", 0), program
        assert referred >= enrolled >= started >= completed


def test_delivery_mode_rows_add_up_their_programs(con):
    mismatches = con.execute(
        """WITH programs AS (
               SELECT delivery_mode, period, sum(n_referred) AS n, sum(n_half_modules) AS half
               FROM mart_engagement_funnel WHERE unit_type = 'program' GROUP BY ALL
           )
           SELECT count(*) FROM programs
           JOIN mart_engagement_funnel AS modes
             ON modes.unit_type = 'delivery_mode' AND modes.unit_id = programs.delivery_mode
            AND modes.period = programs.period
           WHERE modes.n_referred <> programs.n OR modes.n_half_modules <> programs.half"""
    ).fetchall()
    assert mismatches == [(0,)]


def test_all_icbt_excludes_the_in_person_comparator(con):
    [(all_icbt, in_person, everyone)] = con.execute(
        """SELECT
             sum(n_referred) FILTER (WHERE unit_type = 'all_icbt'),
             sum(n_referred) FILTER (WHERE unit_type = 'delivery_mode' AND unit_id = 'in_person'),
             sum(n_referred) FILTER (WHERE unit_type = 'program')
           FROM mart_engagement_funnel WHERE period = 'all'"""
    ).fetchall()
    assert all_icbt + in_person == everyone


def test_survival_curves_start_at_one_and_never_rise(con):
    [(violations,)] = con.execute(
        """SELECT count(*) FROM (
             SELECT share_not_dropped_out - lag(share_not_dropped_out) OVER (PARTITION BY unit_type, unit_id ORDER BY week) AS step,
                    week, share_not_dropped_out
             FROM mart_dropout_survival)
           WHERE step > 1e-12 OR (week = 0 AND share_not_dropped_out > 1)"""
    ).fetchall()
    assert violations == 0


def test_equity_groups_partition_each_unit(con):
    [(bad,)] = con.execute(
        """SELECT count(*) FROM (
             SELECT unit_type, unit_id, dimension, sum(share_of_referrals) AS total
             FROM mart_equity GROUP BY ALL)
           WHERE abs(total - 1) > 1e-9"""
    ).fetchall()
    assert bad == 0


def test_wait_standard_shares_are_cumulative(con):
    [(bad,)] = con.execute(
        """SELECT count(*) FROM mart_wait_times AS six
           JOIN mart_wait_times AS eighteen USING (unit_type, unit_id, period)
           WHERE six.standard_days < eighteen.standard_days
             AND six.share_within_standard > eighteen.share_within_standard"""
    ).fetchall()
    assert bad == 0


def test_score_trajectories_are_the_weekly_means_with_scipy_t_intervals(con):
    mart = con.sql(
        """SELECT n_scores, score_mean, score_sd, score_ci_low, score_ci_high
           FROM mart_score_trajectories WHERE n_scores >= 2 AND score_sd > 0"""
    ).pl()
    assert mart.height > 100
    low, high = stats.t.interval(
        0.95,
        df=mart["n_scores"].to_numpy() - 1,
        loc=mart["score_mean"].to_numpy(),
        scale=mart["score_sd"].to_numpy() / np.sqrt(mart["n_scores"].to_numpy()),
    )
    assert np.allclose(mart["score_ci_low"].to_numpy(), low)
    assert np.allclose(mart["score_ci_high"].to_numpy(), high)
    # One program's PHQ-9 week of treatment recomputed from the scored administrations.
    [(program, week, n, mean)] = con.execute(
        """SELECT unit_id, treatment_week, n_scores, score_mean FROM mart_score_trajectories
           WHERE unit_type = 'program' AND instrument = 'PHQ9' AND scale = 'total'
           ORDER BY n_scores DESC LIMIT 1"""
    ).fetchall()
    [(n_expected, mean_expected)] = con.execute(
        """SELECT count(*), avg(s.score) FROM int_prom_scores AS s
           JOIN staging_episodes AS e USING (episode_id)
           WHERE e.program_id = $program AND s.instrument = 'PHQ9' AND s.scale = 'total'
             AND s.score IS NOT NULL
             AND floor(date_diff('day', e.start_date, s.administered_date) / 7) = $week""",
        {"program": program, "week": week},
    ).fetchall()
    assert (n, mean) == pytest.approx((n_expected, mean_expected))
