-- Grain (unit_type, unit_id, trigger_type, outcome): one row per reporting unit (program,
-- delivery mode, all iCBT), trigger type (item9_answer, serious_adverse_event, or all) and
-- outcome (met, breached, pending, or all).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Purpose: the follow-up standard after a PHQ-9 item-9 answer or a serious adverse event
-- over the whole period, for the safety dashboard. Long by outcome so that every count
-- and the totals it adds up to are cells of one column, which small-cell suppression
-- can protect together. Monthly figures per program are in mart_item9_response_times.
CREATE OR REPLACE TABLE mart_item9_follow_up AS
WITH units AS (
    SELECT program_id, 'program' AS unit_type, program_id AS unit_id, program_name AS unit_label, delivery_mode
    FROM staging_programs
    UNION ALL
    SELECT program_id, 'delivery_mode', delivery_mode, replace(delivery_mode, '_', ' '), delivery_mode
    FROM staging_programs
    UNION ALL
    SELECT program_id, 'all_icbt', 'all_icbt', 'All iCBT programs', NULL
    FROM staging_programs
    WHERE NOT is_in_person
),
triggers AS (
    SELECT
        units.unit_type,
        units.unit_id,
        units.unit_label,
        units.delivery_mode,
        coalesce(times.trigger_type, 'all') AS trigger_type,
        sum(times.met) AS met,
        sum(times.breached) AS breached,
        sum(times.pending) AS pending,
        max(times.standard_business_days) AS standard_business_days,
        min(times.month) AS first_month,
        max(times.month) AS last_month
    FROM mart_item9_response_times AS times
    JOIN units USING (program_id)
    GROUP BY GROUPING SETS (
        (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode, times.trigger_type),
        (units.unit_type, units.unit_id, units.unit_label, units.delivery_mode)
    )
),
outcomes AS (
    SELECT * EXCLUDE (met, breached, pending),
        met / nullif(met + breached, 0) AS share_met,
        unnest([
            {'outcome': 'met', 'triggers': met},
            {'outcome': 'breached', 'triggers': breached},
            {'outcome': 'pending', 'triggers': pending},
            {'outcome': 'all', 'triggers': met + breached + pending}
        ], recursive := true)
    FROM triggers
)
SELECT
    unit_type,
    unit_id,
    unit_label,
    delivery_mode,
    trigger_type,
    outcome,
    CAST(triggers AS BIGINT) AS triggers,
    CASE WHEN outcome = 'met' THEN share_met END AS share_met,
    standard_business_days,
    first_month,
    last_month
FROM outcomes
ORDER BY unit_type, unit_id, trigger_type, outcome;

COMMENT ON TABLE mart_item9_follow_up IS 'Follow-up within the standard after a PHQ-9 item-9 answer or a serious adverse event, per reporting unit over every month of mart_item9_response_times: triggers met (therapist contact within standard_business_days), breached, pending (deadline after the end of the data), and all. Met, breached and pending add up to all; the two trigger types add up to all. Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them.';
COMMENT ON COLUMN mart_item9_follow_up.unit_type IS 'program, delivery_mode or all_icbt (in-person clinics are their own delivery mode, not part of all iCBT).';
COMMENT ON COLUMN mart_item9_follow_up.unit_id IS 'program_id, the delivery mode, or all_icbt.';
COMMENT ON COLUMN mart_item9_follow_up.unit_label IS 'Program name, the delivery mode in words, or All iCBT programs.';
COMMENT ON COLUMN mart_item9_follow_up.delivery_mode IS 'Delivery mode of a program or delivery-mode row; NULL for all iCBT.';
COMMENT ON COLUMN mart_item9_follow_up.trigger_type IS 'item9_answer, serious_adverse_event, or all.';
COMMENT ON COLUMN mart_item9_follow_up.outcome IS 'met, breached, pending, or all (every trigger).';
COMMENT ON COLUMN mart_item9_follow_up.triggers IS 'Triggers with this outcome.';
COMMENT ON COLUMN mart_item9_follow_up.share_met IS 'On the met row: met / (met + breached), the share of judged triggers followed up within the standard; NULL on other rows.';
COMMENT ON COLUMN mart_item9_follow_up.standard_business_days IS 'The standard: business days (Monday-Friday) from trigger to therapist contact (ref_safety_policy process_of_care).';
COMMENT ON COLUMN mart_item9_follow_up.first_month IS 'First month with a trigger.';
COMMENT ON COLUMN mart_item9_follow_up.last_month IS 'Last month with a trigger.';
