-- Grain (episode_id): one row per episode.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: how far each patient got and how much therapist time they received: the
-- engagement funnel stages (referred, enrolled, started, half the modules, completed),
-- wait from referral to start, dose (share of modules or sessions completed) and
-- therapist minutes, as of the program's latest delivered activity.
CREATE OR REPLACE TABLE int_episode_engagement AS
WITH activity AS (
    SELECT
        episode_id,
        count(DISTINCT module_number) FILTER (WHERE event_type IN ('module_completed', 'live_session')) AS modules_completed,
        count(*) FILTER (WHERE event_type = 'login') AS logins,
        count(*) FILTER (WHERE event_type = 'message_from_therapist') AS therapist_messages,
        count(*) FILTER (WHERE event_type = 'live_session') AS live_sessions,
        coalesce(sum(minutes) FILTER (WHERE event_type IN ('message_from_therapist', 'live_session')), 0) AS therapist_minutes,
        coalesce(sum(minutes) FILTER (WHERE event_type IN ('login', 'module_completed', 'homework')), 0) AS patient_minutes,
        CAST(max(event_timestamp) AS DATE) AS last_activity_date
    FROM staging_engagement_events
    GROUP BY episode_id
),
program_as_of AS (
    SELECT
        episodes.program_id,
        greatest(max(activity.last_activity_date), max(greatest(episodes.referral_date, episodes.enrolment_date, episodes.start_date, episodes.end_date))) AS as_of_date
    FROM staging_episodes AS episodes
    LEFT JOIN activity USING (episode_id)
    GROUP BY episodes.program_id
)
SELECT
    episodes.episode_id,
    episodes.program_id,
    programs.delivery_mode,
    episodes.referral_date,
    year(episodes.referral_date) || '-Q' || quarter(episodes.referral_date) AS referral_quarter,
    episodes.start_date,
    episodes.end_date,
    episodes.status,
    programs.module_count,
    true AS referred,
    episodes.enrolment_date IS NOT NULL AS enrolled,
    episodes.start_date IS NOT NULL AS started,
    coalesce(activity.modules_completed, 0) * 2 >= programs.module_count AS reached_half_modules,
    episodes.status = 'completed' AS completed,
    coalesce(activity.modules_completed, 0) AS modules_completed,
    least(coalesce(activity.modules_completed, 0) / programs.module_count, 1.0) AS share_of_modules_completed,
    coalesce(activity.logins, 0) AS logins,
    coalesce(activity.therapist_messages, 0) AS therapist_messages,
    coalesce(activity.live_sessions, 0) AS live_sessions,
    coalesce(activity.therapist_minutes, 0) AS therapist_minutes,
    coalesce(activity.patient_minutes, 0) AS patient_minutes,
    date_diff('day', episodes.referral_date, episodes.start_date) AS wait_days,
    activity.last_activity_date,
    program_as_of.as_of_date
FROM staging_episodes AS episodes
JOIN staging_programs AS programs USING (program_id)
JOIN program_as_of USING (program_id)
LEFT JOIN activity USING (episode_id);

COMMENT ON TABLE int_episode_engagement IS 'Per episode: funnel stages, modules or sessions completed, logins, therapist time and wait to start. Modules completed counts distinct module numbers with a module_completed or live_session event (in-person and real-time programs deliver sessions).';
COMMENT ON COLUMN int_episode_engagement.reached_half_modules IS 'Completed at least half of the program''s modules (or sessions).';
COMMENT ON COLUMN int_episode_engagement.completed IS 'Discharged with reason completed.';
COMMENT ON COLUMN int_episode_engagement.therapist_minutes IS 'Therapist minutes: messages from the therapist plus live sessions.';
COMMENT ON COLUMN int_episode_engagement.wait_days IS 'Days from referral to first module or session; NULL if not started.';
COMMENT ON COLUMN int_episode_engagement.as_of_date IS 'Latest date in the program''s delivered data; ongoing episodes are censored here.';
COMMENT ON COLUMN int_episode_engagement.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_episode_engagement.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN int_episode_engagement.delivery_mode IS 'Delivery mode of the episode''s program.';
COMMENT ON COLUMN int_episode_engagement.referral_date IS 'Date the referral was received.';
COMMENT ON COLUMN int_episode_engagement.referral_quarter IS 'Calendar quarter of the referral, YYYY-Qn.';
COMMENT ON COLUMN int_episode_engagement.start_date IS 'Date of the first module or session; NULL if not started.';
COMMENT ON COLUMN int_episode_engagement.end_date IS 'Date the episode ended; NULL while ongoing.';
COMMENT ON COLUMN int_episode_engagement.status IS 'ongoing, or the discharge reason (staging_episodes.status).';
COMMENT ON COLUMN int_episode_engagement.module_count IS 'Modules (or planned sessions) of the program.';
COMMENT ON COLUMN int_episode_engagement.referred IS 'Always true: every delivered episode was referred (first funnel stage).';
COMMENT ON COLUMN int_episode_engagement.enrolled IS 'Has an enrolment date.';
COMMENT ON COLUMN int_episode_engagement.started IS 'Has a start date (a first module or session).';
COMMENT ON COLUMN int_episode_engagement.modules_completed IS 'Distinct module numbers with a module_completed or live_session event.';
COMMENT ON COLUMN int_episode_engagement.share_of_modules_completed IS 'modules_completed / module_count, capped at 1: the dose used by ref_dose_bands.';
COMMENT ON COLUMN int_episode_engagement.logins IS 'Login events.';
COMMENT ON COLUMN int_episode_engagement.therapist_messages IS 'message_from_therapist events.';
COMMENT ON COLUMN int_episode_engagement.live_sessions IS 'live_session events (videoconference or in-person sessions).';
COMMENT ON COLUMN int_episode_engagement.patient_minutes IS 'Patient minutes on logins, completed modules and homework.';
COMMENT ON COLUMN int_episode_engagement.last_activity_date IS 'Date of the episode''s latest engagement event; NULL without events.';
