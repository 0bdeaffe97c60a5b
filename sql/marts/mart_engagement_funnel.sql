-- Grain (unit_type, unit_id, period): one row per reporting unit (program, delivery mode,
-- all iCBT) and period (each referral quarter, and 'all').
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: the engagement funnel from referral to enrolment, start, half the modules
-- and completion, as NHS Talking Therapies and routine-care iCBT reports show attrition
-- beside outcomes.
CREATE OR REPLACE TABLE mart_engagement_funnel AS
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    coalesce(engagement.referral_quarter, 'all') AS period,
    count(*) AS n_referred,
    count(*) FILTER (WHERE engagement.enrolled) AS n_enrolled,
    count(*) FILTER (WHERE engagement.started) AS n_started,
    count(*) FILTER (WHERE engagement.reached_half_modules) AS n_half_modules,
    count(*) FILTER (WHERE engagement.completed) AS n_completed,
    count(*) FILTER (WHERE engagement.started AND engagement.end_date IS NOT NULL) AS n_started_and_ended,
    count(*) FILTER (WHERE engagement.completed)
        / nullif(count(*) FILTER (WHERE engagement.started AND engagement.end_date IS NOT NULL), 0) AS completion_rate
FROM int_episode_engagement AS engagement
JOIN int_reporting_units AS units USING (episode_id)
GROUP BY GROUPING SETS (
    (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode, engagement.referral_quarter),
    (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode)
);

COMMENT ON TABLE mart_engagement_funnel IS 'Engagement funnel per reporting unit and referral quarter (period = all for every referral). Stages are cumulative counts of referred episodes: enrolled, started, completed at least half the modules or sessions, discharged as completed. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_engagement_funnel.period IS 'Referral quarter (YYYY-Qn) or all.';
COMMENT ON COLUMN mart_engagement_funnel.completion_rate IS 'n_completed / n_started_and_ended: share of started episodes that have ended which ended as completed (ongoing episodes excluded).';
COMMENT ON COLUMN mart_engagement_funnel.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_engagement_funnel.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_engagement_funnel.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_engagement_funnel.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_engagement_funnel.n_referred IS 'Referred episodes (every delivered episode). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_engagement_funnel.n_started IS 'Started episodes (with a first module or session). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_engagement_funnel.n_completed IS 'Episodes discharged with reason completed. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_engagement_funnel.n_started_and_ended IS 'Started episodes that have ended (any discharge reason): the denominator of completion_rate. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_engagement_funnel.n_enrolled IS 'Referred episodes that were enrolled. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_engagement_funnel.n_half_modules IS 'Episodes that completed at least half the planned modules or sessions. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
