-- Grain (unit_type, unit_id): one row per headline reporting unit: all iCBT programs
-- together, and each delivery mode (in-person CBT, the comparator, included).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: the headline figures of the dashboard's Overview page, each a total computed
-- here so that no reader (and no dashboard) adds programs up: programs registered, in
-- development and reporting, episodes referred, started and completed (every referral
-- period, as mart_engagement_funnel counts them), and episodes with a baseline and a
-- post-treatment score on at least one change outcome.
CREATE OR REPLACE TABLE mart_overview_headlines AS
WITH units AS (
    SELECT DISTINCT unit_type, unit_id, unit_label, delivery_mode
    FROM int_reporting_units
    WHERE unit_type IN ('all_icbt', 'delivery_mode')
),
unit_programs AS (
    SELECT 'delivery_mode' AS unit_type, delivery_mode AS unit_id, program_id, status
    FROM staging_programs
    UNION ALL
    SELECT 'all_icbt', 'all_icbt', program_id, status
    FROM staging_programs
    WHERE NOT is_in_person
),
reporting AS (
    SELECT DISTINCT program_id
    FROM staging_episodes
),
program_counts AS (
    SELECT
        unit_programs.unit_type,
        unit_programs.unit_id,
        count(*) AS programs_registered,
        count(*) FILTER (WHERE unit_programs.status = 'in_development') AS programs_in_development,
        count(reporting.program_id) AS programs_reporting
    FROM unit_programs
    LEFT JOIN reporting USING (program_id)
    GROUP BY unit_programs.unit_type, unit_programs.unit_id
),
paired AS (
    SELECT
        units.unit_type,
        units.unit_id,
        count(DISTINCT outcomes.episode_id) AS n_paired_post_treatment
    FROM int_episode_outcomes AS outcomes
    JOIN ref_scales AS scales USING (instrument, scale)
    JOIN int_reporting_units AS units USING (episode_id)
    WHERE outcomes.timepoint = 'post_treatment'
      AND scales.is_change_outcome
      AND outcomes.baseline_score IS NOT NULL
      AND outcomes.score IS NOT NULL
      AND units.unit_type IN ('all_icbt', 'delivery_mode')
    GROUP BY units.unit_type, units.unit_id
)
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    CAST(coalesce(program_counts.programs_registered, 0) AS BIGINT) AS programs_registered,
    CAST(coalesce(program_counts.programs_in_development, 0) AS BIGINT) AS programs_in_development,
    CAST(coalesce(program_counts.programs_reporting, 0) AS BIGINT) AS programs_reporting,
    CAST(coalesce(funnel.n_referred, 0) AS BIGINT) AS n_referred,
    CAST(coalesce(funnel.n_started, 0) AS BIGINT) AS n_started,
    CAST(coalesce(funnel.n_completed, 0) AS BIGINT) AS n_completed,
    CAST(coalesce(paired.n_paired_post_treatment, 0) AS BIGINT) AS n_paired_post_treatment
FROM units
LEFT JOIN program_counts USING (unit_type, unit_id)
LEFT JOIN mart_engagement_funnel AS funnel
    ON funnel.unit_type = units.unit_type
   AND funnel.unit_id = units.unit_id
   AND funnel.period = 'all'
LEFT JOIN paired USING (unit_type, unit_id)
ORDER BY units.unit_type, units.unit_id;

COMMENT ON TABLE mart_overview_headlines IS 'Headline figures per reporting unit (all iCBT programs, each delivery mode including the in-person comparator): programs registered, in development and reporting; episodes referred, started and completed over every referral period (the period = ''all'' row of mart_engagement_funnel); episodes with a paired post-treatment outcome. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_overview_headlines.unit_type IS 'all_icbt (every iCBT program; in-person CBT is the comparator and not included) or delivery_mode.';
COMMENT ON COLUMN mart_overview_headlines.unit_id IS 'all_icbt, or the delivery mode (self_guided, guided_asynchronous, therapist_realtime, in_person).';
COMMENT ON COLUMN mart_overview_headlines.unit_label IS 'Readable unit name, as in int_reporting_units.';
COMMENT ON COLUMN mart_overview_headlines.delivery_mode IS 'The delivery mode of a delivery_mode row; NULL for all_icbt.';
COMMENT ON COLUMN mart_overview_headlines.programs_registered IS 'Programs in the registry (staging_programs) counted in the unit.';
COMMENT ON COLUMN mart_overview_headlines.programs_in_development IS 'Of those, programs with status in_development.';
COMMENT ON COLUMN mart_overview_headlines.programs_reporting IS 'Of those, programs that have delivered at least one episode.';
COMMENT ON COLUMN mart_overview_headlines.n_referred IS 'Episodes referred, every referral period (mart_engagement_funnel.n_referred, period all).';
COMMENT ON COLUMN mart_overview_headlines.n_started IS 'Episodes that started treatment (mart_engagement_funnel.n_started, period all).';
COMMENT ON COLUMN mart_overview_headlines.n_completed IS 'Episodes discharged as completed (mart_engagement_funnel.n_completed, period all).';
COMMENT ON COLUMN mart_overview_headlines.n_paired_post_treatment IS 'Episodes with a baseline and a post-treatment score on at least one change outcome (ref_scales.is_change_outcome): the episodes any post-treatment comparison can use.';
