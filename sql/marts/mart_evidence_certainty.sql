-- Grain (evidence_id): one row per primary comparison (program or delivery mode, outcome,
-- timepoint) and per pooled effect (outcome, timepoint, subgroup, DerSimonian-Laird).
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: how much to trust each result, modelled on GRADE: start low (observational),
-- rate down for risk of bias, inconsistency, imprecision and indirectness, and up for a
-- large effect where nothing rated down, with reasons.
CREATE OR REPLACE TABLE mart_evidence_certainty AS
SELECT
    CAST(evidence_id AS VARCHAR) AS evidence_id,
    CAST(evidence_type AS VARCHAR) AS evidence_type,
    CAST(subject_id AS VARCHAR) AS subject_id,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(comparator_level AS VARCHAR) AS comparator_level,
    CAST(verdict AS VARCHAR) AS verdict,
    CAST(start_level AS VARCHAR) AS start_level,
    CAST(risk_of_bias_downgrade AS TINYINT) AS risk_of_bias_downgrade,
    CAST(risk_of_bias_reasons AS VARCHAR[]) AS risk_of_bias_reasons,
    CAST(inconsistency_downgrade AS TINYINT) AS inconsistency_downgrade,
    CAST(inconsistency_reasons AS VARCHAR[]) AS inconsistency_reasons,
    CAST(imprecision_downgrade AS TINYINT) AS imprecision_downgrade,
    CAST(imprecision_reasons AS VARCHAR[]) AS imprecision_reasons,
    CAST(indirectness_downgrade AS TINYINT) AS indirectness_downgrade,
    CAST(indirectness_reasons AS VARCHAR[]) AS indirectness_reasons,
    CAST(large_effect_upgrade AS TINYINT) AS large_effect_upgrade,
    CAST(large_effect_reasons AS VARCHAR[]) AS large_effect_reasons,
    CAST(certainty AS VARCHAR) AS certainty,
    CAST(reasons AS VARCHAR[]) AS reasons
FROM source_frame;

COMMENT ON TABLE mart_evidence_certainty IS 'GRADE-style certainty of each primary comparison (evidence_id = mart_comparisons.comparison_id) and each pooled effect (evidence_id = pooled|instrument.scale|timepoint|subgroup). Observational evidence starts low (Balshem 2011); each domain rates down 0-2 levels with its reasons, and a comparison rated down in no domain rates up 1-2 levels for a large responders'' risk ratio (GRADE 9). Rules: docs/methods-effectiveness.md.';
COMMENT ON COLUMN mart_evidence_certainty.evidence_type IS 'comparison or pooled.';
COMMENT ON COLUMN mart_evidence_certainty.risk_of_bias_downgrade IS 'Levels removed for missing outcomes (the missing-data analysis changes the verdict, or whether the CI excludes 0; completeness below ref_effectiveness_thresholds follow_up_completeness_min only where no such analysis exists) or residual imbalance.';
COMMENT ON COLUMN mart_evidence_certainty.inconsistency_downgrade IS 'Pooled effects only: I^2 above ref_effectiveness_thresholds i2_serious (percent), or a prediction interval spanning inferior and better programs.';
COMMENT ON COLUMN mart_evidence_certainty.imprecision_downgrade IS 'With an MCID: CI crossing the non-inferiority margin (1), spanning important harm and benefit (2), or a minimum detectable difference above the MCID (1). Without: 1 each for a CI including 0 and a sample below the optimal information size (ref_effectiveness_thresholds ois_standardised_difference).';
COMMENT ON COLUMN mart_evidence_certainty.indirectness_downgrade IS 'Non-local or benchmark-only comparator, or populations that barely overlap (the equipoise diagnostic failed: the estimate holds for the overlap population only).';
COMMENT ON COLUMN mart_evidence_certainty.certainty IS 'high, moderate, low or very low.';
COMMENT ON COLUMN mart_evidence_certainty.evidence_id IS 'mart_comparisons.comparison_id, or pooled|instrument.scale|timepoint|subgroup.';
COMMENT ON COLUMN mart_evidence_certainty.subject_id IS 'Program or delivery mode; for pooled rows the subgroup (all or a delivery mode).';
COMMENT ON COLUMN mart_evidence_certainty.instrument IS 'Instrument code.';
COMMENT ON COLUMN mart_evidence_certainty.scale IS 'Scale of the instrument.';
COMMENT ON COLUMN mart_evidence_certainty.outcome_label IS 'Readable outcome name.';
COMMENT ON COLUMN mart_evidence_certainty.timepoint IS 'post_treatment or follow_up.';
COMMENT ON COLUMN mart_evidence_certainty.comparator_level IS 'local, national or benchmark_only; mixed for pooled rows.';
COMMENT ON COLUMN mart_evidence_certainty.verdict IS 'The verdict being graded (NULL when none is shown).';
COMMENT ON COLUMN mart_evidence_certainty.start_level IS 'low: observational evidence (config certainty.start).';
COMMENT ON COLUMN mart_evidence_certainty.risk_of_bias_reasons IS 'Why risk of bias rated down (empty when not).';
COMMENT ON COLUMN mart_evidence_certainty.inconsistency_reasons IS 'Why inconsistency rated down, or why it could not be judged.';
COMMENT ON COLUMN mart_evidence_certainty.imprecision_reasons IS 'Why imprecision rated down.';
COMMENT ON COLUMN mart_evidence_certainty.indirectness_reasons IS 'Why indirectness rated down.';
COMMENT ON COLUMN mart_evidence_certainty.reasons IS 'All reasons, prefixed by their domain.';
COMMENT ON COLUMN mart_evidence_certainty.large_effect_upgrade IS 'Levels added for a large effect (GRADE 9): the whole CI of the responders'' risk ratio beyond 2 (1 level) or 5 (2 levels), or their inverses; only where no domain rated down. 0 for pooled effects.';
COMMENT ON COLUMN mart_evidence_certainty.large_effect_reasons IS 'Why certainty was rated up (empty when not).';
