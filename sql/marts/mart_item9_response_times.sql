-- Grain (program_id, trigger_type, month): one row per program, trigger type (item-9
-- answer or serious adverse event) and month of the trigger.
-- Purpose: process of care: how often a therapist contacted the patient within the
-- follow-up standard after an item-9 answer or a serious adverse event.
CREATE OR REPLACE TABLE mart_item9_response_times AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(trigger_type AS VARCHAR) AS trigger_type,
    CAST(month AS DATE) AS month,
    CAST(standard_business_days AS INTEGER) AS standard_business_days,
    CAST(triggers AS BIGINT) AS triggers,
    CAST(judged AS BIGINT) AS judged,
    CAST(met AS BIGINT) AS met,
    CAST(breached AS BIGINT) AS breached,
    CAST(pending AS BIGINT) AS pending,
    CAST(share_met AS DOUBLE) AS share_met,
    CAST(contacted AS BIGINT) AS contacted,
    CAST(median_business_days AS DOUBLE) AS median_business_days,
    CAST(p90_business_days AS DOUBLE) AS p90_business_days
FROM source_frame;

COMMENT ON TABLE mart_item9_response_times IS 'Follow-up after a PHQ-9 item-9 answer (at or above ref_safety_policy process_of_care.item9_minimum) or a serious adverse event during an open episode: therapist contact (message or live session) within the standard number of business days (Monday-Friday, no public holidays). Counts are unsuppressed.';
COMMENT ON COLUMN mart_item9_response_times.judged IS 'Triggers whose outcome is known: contacted by the deadline, or the data reach past it.';
COMMENT ON COLUMN mart_item9_response_times.pending IS 'Triggers whose deadline is after the end of the data and who have no contact yet.';
COMMENT ON COLUMN mart_item9_response_times.share_met IS 'met / judged.';
COMMENT ON COLUMN mart_item9_response_times.median_business_days IS 'Median business days from trigger to the next contact, among triggers with a contact (0 = same day).';
COMMENT ON COLUMN mart_item9_response_times.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_item9_response_times.trigger_type IS 'item9_answer (a PHQ-9 item-9 answer at or above ref_safety_policy process_of_care.item9_minimum) or serious_adverse_event.';
COMMENT ON COLUMN mart_item9_response_times.month IS 'Month of the trigger (first day).';
COMMENT ON COLUMN mart_item9_response_times.standard_business_days IS 'Business days within which therapist contact is expected (ref_safety_policy process_of_care.standard_business_days).';
COMMENT ON COLUMN mart_item9_response_times.triggers IS 'Triggers during open episodes. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_item9_response_times.met IS 'Triggers followed by a therapist message or live session within the standard. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_item9_response_times.breached IS 'Judged triggers with no contact within the standard. Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_item9_response_times.contacted IS 'Triggers followed by any therapist contact (within the standard or later). Unsuppressed count: suppress small counts (config/suppression.yaml threshold) before showing it.';
COMMENT ON COLUMN mart_item9_response_times.p90_business_days IS '90th percentile of business days from trigger to the next contact, among triggers with a contact.';
