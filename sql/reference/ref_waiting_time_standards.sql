-- Grain: one row per waiting-time standard.
-- Purpose: the yardsticks mart_wait_times measures waits against (config/engagement.yaml).
CREATE OR REPLACE TABLE ref_waiting_time_standards AS
SELECT
    CAST(standard AS VARCHAR) AS standard,
    CAST(days AS INTEGER) AS days,
    CAST(target_share AS DOUBLE) AS target_share,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE ref_waiting_time_standards IS 'Waiting-time standards: the share of patients (target_share) who should start within days of referral, with source and evidence mark.';
COMMENT ON COLUMN ref_waiting_time_standards.source IS 'The publication or policy the row''s numbers come from, with its evidence mark where config gives one.';
COMMENT ON COLUMN ref_waiting_time_standards.standard IS 'Standard code, e.g. within_6_weeks (config/engagement.yaml).';
COMMENT ON COLUMN ref_waiting_time_standards.days IS 'Days from referral to start the standard allows.';
COMMENT ON COLUMN ref_waiting_time_standards.target_share IS 'Share of patients who should start within days (0 to 1).';
