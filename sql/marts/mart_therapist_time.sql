-- Grain (unit_type, unit_id): one row per reporting unit.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: therapist time per started patient (messages from therapists and live
-- sessions), the feasibility measure routine-care iCBT reports beside outcomes.
CREATE OR REPLACE TABLE mart_therapist_time AS
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    count(*) AS n_started,
    sum(engagement.therapist_minutes) AS total_therapist_minutes,
    avg(engagement.therapist_minutes) AS therapist_minutes_mean,
    quantile_cont(engagement.therapist_minutes, 0.25) AS therapist_minutes_p25,
    quantile_cont(engagement.therapist_minutes, 0.5) AS therapist_minutes_median,
    quantile_cont(engagement.therapist_minutes, 0.75) AS therapist_minutes_p75,
    avg(engagement.therapist_messages) AS therapist_messages_mean,
    avg(engagement.live_sessions) AS live_sessions_mean,
    avg(engagement.modules_completed) AS modules_completed_mean
FROM int_episode_engagement AS engagement
JOIN int_reporting_units AS units USING (episode_id)
WHERE engagement.started
GROUP BY units.unit_type, units.unit_id, units.unit_label, units.delivery_mode;

COMMENT ON TABLE mart_therapist_time IS 'Therapist minutes per started episode (messages from therapists plus live sessions) per reporting unit. Routine-care comparison: about 68 minutes per patient with regular contact in the Pain Course trial (Dear et al., Pain 2015). n_started is unsuppressed.';
