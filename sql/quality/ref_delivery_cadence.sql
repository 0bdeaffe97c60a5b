-- Grain: one row per program with its own delivery cadence, plus one default row
-- (program_id NULL) from config/quality.yaml.
-- Purpose: how often each program is expected to deliver, for dq_freshness.
CREATE OR REPLACE TABLE ref_delivery_cadence AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(cadence_days AS INTEGER) AS cadence_days,
    CAST(grace_days AS INTEGER) AS grace_days
FROM source_frame;

COMMENT ON TABLE ref_delivery_cadence IS 'Expected delivery cadence per program (config/quality.yaml, freshness); the row with program_id NULL is the default.';
COMMENT ON COLUMN ref_delivery_cadence.grace_days IS 'Days past the cadence before a program counts as overdue.';
COMMENT ON COLUMN ref_delivery_cadence.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN ref_delivery_cadence.cadence_days IS 'Expected days between deliveries (config/quality.yaml freshness.default_cadence_days or program_cadence_days).';
