-- Grain: one row per safety indicator.
-- Purpose: what each indicator counts, whether it is severe (an open signal on it makes
-- the register's ERROR check fail) and its published fallback rate, if any.
CREATE OR REPLACE TABLE ref_safety_indicators AS
SELECT
    CAST(indicator AS VARCHAR) AS indicator,
    CAST(label AS VARCHAR) AS label,
    CAST(family AS VARCHAR) AS family,
    CAST(severe AS BOOLEAN) AS severe,
    CAST(definition AS VARCHAR) AS definition,
    CAST(published_fallback AS DOUBLE) AS published_fallback,
    CAST(fallback_source AS VARCHAR) AS fallback_source
FROM source_frame;

COMMENT ON TABLE ref_safety_indicators IS 'Safety indicators from config/safety.yaml. Each is a yes/no outcome per unit compared with in-person CBT for similar patients; see docs/safety.md.';
COMMENT ON COLUMN ref_safety_indicators.family IS 'deterioration, item9, adverse_event, disengagement or process.';
COMMENT ON COLUMN ref_safety_indicators.severe IS 'An open signal on this indicator fails the register''s ERROR check (the others warn).';
COMMENT ON COLUMN ref_safety_indicators.published_fallback IS 'Expected rate used only when no in-person unit exists; NULL where no published figure was found (the indicator is then not compared).';
COMMENT ON COLUMN ref_safety_indicators.indicator IS 'Indicator code, as in config/safety.yaml indicators.';
COMMENT ON COLUMN ref_safety_indicators.label IS 'Readable name of the indicator.';
COMMENT ON COLUMN ref_safety_indicators.definition IS 'What counts as an event, rendered from config/safety.yaml.';
COMMENT ON COLUMN ref_safety_indicators.fallback_source IS 'Source of published_fallback, or why there is none.';
