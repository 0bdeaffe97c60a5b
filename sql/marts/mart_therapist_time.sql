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
COMMENT ON COLUMN mart_therapist_time.unit_type IS 'Kind of reporting unit: program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_therapist_time.unit_id IS 'The unit: the program_id for a program, the delivery mode for a delivery_mode unit, all_icbt for all iCBT programs together.';
COMMENT ON COLUMN mart_therapist_time.unit_label IS 'Display name of the unit: the program name, the delivery mode with spaces, or All iCBT programs.';
COMMENT ON COLUMN mart_therapist_time.delivery_mode IS 'Delivery mode of the unit: self_guided, guided_asynchronous, therapist_realtime or in_person; NULL for the all_icbt unit.';
COMMENT ON COLUMN mart_therapist_time.n_started IS 'Started episodes (with a first module or session). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_therapist_time.total_therapist_minutes IS 'Sum of therapist minutes (messages from therapists plus live sessions) over started episodes.';
COMMENT ON COLUMN mart_therapist_time.therapist_minutes_mean IS 'Mean therapist minutes per started episode.';
COMMENT ON COLUMN mart_therapist_time.therapist_minutes_p25 IS '25th percentile of therapist minutes per started episode (interpolated).';
COMMENT ON COLUMN mart_therapist_time.therapist_minutes_median IS 'Median therapist minutes per started episode (interpolated).';
COMMENT ON COLUMN mart_therapist_time.therapist_minutes_p75 IS '75th percentile of therapist minutes per started episode (interpolated).';
COMMENT ON COLUMN mart_therapist_time.therapist_messages_mean IS 'Mean messages from therapists per started episode.';
COMMENT ON COLUMN mart_therapist_time.live_sessions_mean IS 'Mean live sessions per started episode.';
COMMENT ON COLUMN mart_therapist_time.modules_completed_mean IS 'Mean modules (or sessions) completed per started episode.';
