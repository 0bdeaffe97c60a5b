-- One row per episode, reporting unit and equity dimension (age band, sex, rurality,
-- language): the group the episode belongs to, its engagement and, where it has them,
-- its PHQ-9 post-treatment change and Talking Therapies recovery.
WITH dimensions AS (
    UNPIVOT (SELECT episode_id, age_band, sex, rurality, language FROM staging_episodes)
    ON age_band, sex, rurality, language
    INTO NAME dimension VALUE group_value
),
phq9 AS (
    SELECT * FROM int_episode_outcomes
    WHERE instrument = 'PHQ9' AND scale = 'total' AND timepoint = 'post_treatment'
),
recovery AS (
    SELECT episode_id, case_at_start, recovery
    FROM int_episode_talking_therapies
    WHERE timepoint = 'post_treatment' AND has_paired_scores
)
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    dimensions.dimension,
    dimensions.group_value,
    engagement.started,
    engagement.completed,
    engagement.started AND engagement.end_date IS NOT NULL AS started_and_ended,
    phq9.baseline_score,
    phq9.score,
    phq9.change,
    phq9.reliable_improvement,
    phq9.reliable_deterioration,
    phq9.immpact_moderate_responder,
    phq9.immpact_substantial_responder,
    recovery.case_at_start,
    recovery.recovery
FROM dimensions
JOIN int_episode_engagement AS engagement USING (episode_id)
JOIN int_reporting_units AS units USING (episode_id)
LEFT JOIN phq9 USING (episode_id)
LEFT JOIN recovery USING (episode_id);
