-- Grain: one row per threshold or method choice of the comparative-effectiveness analysis.
-- Purpose: every number that gates a comparison or grades its certainty, with the source
-- and evidence mark it was configured with (config/effectiveness.yaml).
CREATE OR REPLACE TABLE ref_effectiveness_thresholds AS
SELECT
    CAST(name AS VARCHAR) AS name,
    CAST(value AS DOUBLE) AS value,
    CAST(source AS VARCHAR) AS source,
    CAST(evidence AS VARCHAR) AS evidence,
    CAST(note AS VARCHAR) AS note
FROM source_frame;

COMMENT ON TABLE ref_effectiveness_thresholds IS 'Thresholds and method choices of the comparisons with in-person CBT (config/effectiveness.yaml), each with its source and evidence mark (V, S, U). value is NULL for method choices.';
COMMENT ON COLUMN ref_effectiveness_thresholds.value IS 'The configured number (NULL for a method choice such as the weighting).';
COMMENT ON COLUMN ref_effectiveness_thresholds.evidence IS 'V seen in the source, S secondary source only, U unverified or project policy.';
COMMENT ON COLUMN ref_effectiveness_thresholds.name IS 'Threshold or method name as in config/effectiveness.yaml.';
COMMENT ON COLUMN ref_effectiveness_thresholds.source IS 'The publication or policy it comes from.';
COMMENT ON COLUMN ref_effectiveness_thresholds.note IS 'Caveats and scope.';
