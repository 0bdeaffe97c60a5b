-- The safety indicators (ref_safety_indicators, from config/safety.yaml): one row per
-- indicator with its label, whether it is severe and how it is defined, for the Safety
-- page's indicator filter and "About this chart"; deterioration first (PHQ-9 first, the
-- measure deterioration is most often reported on), as docs/safety.md lists them.
SELECT indicator, label, family, severe, definition
FROM ref_safety_indicators
ORDER BY
    CASE family
        WHEN 'deterioration' THEN 1
        WHEN 'item9' THEN 2
        WHEN 'adverse_event' THEN 3
        WHEN 'disengagement' THEN 4
        WHEN 'process' THEN 5
        ELSE 6
    END,
    indicator <> 'phq9_reliable_deterioration',
    indicator;
