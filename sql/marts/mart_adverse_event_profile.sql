-- Grain (unit_type, unit_id, dimension, group_value): one row per reporting unit (program,
-- delivery mode, all iCBT), adverse-event dimension (category, severity, seriousness,
-- relatedness, or total) and value.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: adverse events one dimension at a time, with the unit's started episodes, so
-- the safety dashboard can compare a program, a delivery mode or all iCBT programs with
-- in-person CBT per 100 started episodes without summing anything itself. Every unit has
-- a row for every value seen anywhere (zero when it has none), so units line up.
CREATE OR REPLACE TABLE mart_adverse_event_profile AS
WITH units AS (
    SELECT DISTINCT unit_type, unit_id, unit_label, delivery_mode
    FROM int_reporting_units
),
started AS (
    SELECT units.unit_type, units.unit_id, count(*) FILTER (WHERE engagement.started) AS n_started
    FROM int_episode_engagement AS engagement
    JOIN int_reporting_units AS units USING (episode_id)
    GROUP BY units.unit_type, units.unit_id
),
events AS (
    SELECT
        episode_id,
        category,
        severity,
        CASE WHEN serious THEN 'serious' ELSE 'not_serious' END AS seriousness,
        relatedness
    FROM staging_adverse_events
),
by_dimension AS (
    SELECT episode_id, 'category' AS dimension, category AS group_value FROM events
    UNION ALL
    SELECT episode_id, 'severity', severity FROM events
    UNION ALL
    SELECT episode_id, 'seriousness', seriousness FROM events
    UNION ALL
    SELECT episode_id, 'relatedness', relatedness FROM events
    UNION ALL
    SELECT episode_id, 'total', 'all' FROM events
),
counted AS (
    SELECT
        units.unit_type,
        units.unit_id,
        by_dimension.dimension,
        by_dimension.group_value,
        count(*) AS events,
        count(DISTINCT by_dimension.episode_id) AS episodes_with_event
    FROM by_dimension
    JOIN int_reporting_units AS units USING (episode_id)
    GROUP BY ALL
),
dimension_values AS (
    SELECT DISTINCT dimension, group_value FROM by_dimension
    UNION
    SELECT 'total', 'all'
)
SELECT
    units.unit_type,
    units.unit_id,
    units.unit_label,
    units.delivery_mode,
    dimension_values.dimension,
    dimension_values.group_value,
    coalesce(counted.events, 0) AS events,
    coalesce(counted.episodes_with_event, 0) AS episodes_with_event,
    coalesce(started.n_started, 0) AS n_started,
    100.0 * coalesce(counted.events, 0) / nullif(started.n_started, 0) AS events_per_100_started
FROM units
CROSS JOIN dimension_values
LEFT JOIN counted USING (unit_type, unit_id, dimension, group_value)
LEFT JOIN started USING (unit_type, unit_id)
ORDER BY units.unit_type, units.unit_id, dimension_values.dimension, dimension_values.group_value;

COMMENT ON TABLE mart_adverse_event_profile IS 'Adverse events per reporting unit (program, delivery mode, all iCBT; in-person CBT is its own delivery mode and not part of all iCBT) one dimension at a time: category, severity, seriousness (ICH E2A), relatedness (WHO-UMC), and total. The values of each dimension add up to the total row. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_adverse_event_profile.unit_type IS 'program, delivery_mode or all_icbt (int_reporting_units).';
COMMENT ON COLUMN mart_adverse_event_profile.unit_id IS 'program_id, the delivery mode, or all_icbt.';
COMMENT ON COLUMN mart_adverse_event_profile.unit_label IS 'Program name, the delivery mode in words, or All iCBT programs.';
COMMENT ON COLUMN mart_adverse_event_profile.delivery_mode IS 'Delivery mode of a program or delivery-mode row; NULL for all iCBT.';
COMMENT ON COLUMN mart_adverse_event_profile.dimension IS 'category, severity, seriousness, relatedness, or total (one row, group_value all).';
COMMENT ON COLUMN mart_adverse_event_profile.group_value IS 'The value within the dimension: a contract category, severity or relatedness code; serious or not_serious; all for the total.';
COMMENT ON COLUMN mart_adverse_event_profile.events IS 'Adverse events reported with this value (0 when none).';
COMMENT ON COLUMN mart_adverse_event_profile.episodes_with_event IS 'Distinct episodes with at least one such event.';
COMMENT ON COLUMN mart_adverse_event_profile.n_started IS 'Started episodes of the unit (the same count as mart_engagement_funnel.n_started for period all): the denominator of the rate.';
COMMENT ON COLUMN mart_adverse_event_profile.events_per_100_started IS '100 * events / n_started: a crude rate, not adjusted for case mix or time in treatment (case-mix adjusted comparisons are in mart_safety_funnel).';
