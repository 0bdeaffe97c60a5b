-- Grain: one row per configured number of the safety surveillance policy.
-- Purpose: every threshold, window and method parameter the safety marts use, with its
-- published source and evidence level, loaded from config/safety.yaml.
CREATE OR REPLACE TABLE ref_safety_policy AS
SELECT
    CAST(name AS VARCHAR) AS name,
    CAST(value AS DOUBLE) AS value,
    CAST(source AS VARCHAR) AS source,
    CAST(evidence AS VARCHAR) AS evidence,
    CAST(note AS VARCHAR) AS note
FROM source_frame;

COMMENT ON TABLE ref_safety_policy IS 'Safety surveillance policy from config/safety.yaml: each number with its source and evidence level (V seen in the source, S seen in a secondary source, U unverified or a project policy choice).';
COMMENT ON COLUMN ref_safety_policy.name IS 'Dotted path of the number in config/safety.yaml.';
COMMENT ON COLUMN ref_safety_policy.evidence IS 'V, S or U as defined in config/safety.yaml.';
COMMENT ON COLUMN ref_safety_policy.source IS 'The publication or policy the row''s numbers come from, with its evidence mark where config gives one.';
COMMENT ON COLUMN ref_safety_policy.value IS 'The configured number (units as named by the key: months, share, odds ratio, events).';
COMMENT ON COLUMN ref_safety_policy.note IS 'Caveats and judgement behind the number.';
