-- Grain (program_id, indicator): one row per program and process-of-care indicator.
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of indicator: ref_safety_indicators.indicator.
-- Purpose: which follow-up standard applies to each program and why: therapist contact
-- where the delivery mode has a therapist, the mode's own standard from
-- config/safety.yaml (process_of_care.standards_by_delivery_mode) where it has none, and
-- whether the data can measure it. A program whose standard is not measured is counted
-- but not compared on that indicator, so a breach its design guarantees opens no signal.
CREATE OR REPLACE TABLE mart_safety_process_standards AS
SELECT
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(standard AS VARCHAR) AS standard,
    CAST(description AS VARCHAR) AS description,
    CAST(measured AS BOOLEAN) AS measured,
    CAST(reason AS VARCHAR) AS reason,
    CAST(source AS VARCHAR) AS source
FROM source_frame;

COMMENT ON TABLE mart_safety_process_standards IS 'Process-of-care standard applied to each program: therapist_contact (config process_of_care) for delivery modes with a therapist; the delivery mode''s own standard (process_of_care.standards_by_delivery_mode) otherwise. measured = false: no published figure or recorded event can show the standard being met, so the program''s follow-up units are counted but not compared (safety_units.reference_method = not_measured) and raise no signal.';
COMMENT ON COLUMN mart_safety_process_standards.standard IS 'therapist_contact, or the delivery mode''s standard (e.g. automated_crisis_pathway for self-guided programs).';
COMMENT ON COLUMN mart_safety_process_standards.measured IS 'Whether the program is compared with in-person CBT on this indicator against the standard.';
COMMENT ON COLUMN mart_safety_process_standards.reason IS 'Why the standard applies, or why it cannot be measured.';
COMMENT ON COLUMN mart_safety_process_standards.source IS 'Source of the standard with its evidence mark (V, S, U as in config/scoring.yaml).';
COMMENT ON COLUMN mart_safety_process_standards.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN mart_safety_process_standards.delivery_mode IS 'self_guided, guided_asynchronous, therapist_realtime or in_person (the in-person CBT comparator).';
COMMENT ON COLUMN mart_safety_process_standards.indicator IS 'The process indicator the standard applies to (ref_safety_indicators, family process).';
COMMENT ON COLUMN mart_safety_process_standards.description IS 'The standard in plain words.';
