-- Grain: one row per published effect size (benchmark id).
-- Purpose: published in-person CBT and iCBT effect sizes for chronic pain with their
-- citations and evidence marks (config/literature_benchmarks.yaml), shown beside every
-- comparison and the only reference where a region has no in-person cohort.
CREATE OR REPLACE TABLE ref_literature_benchmarks AS
SELECT
    CAST(id AS VARCHAR) AS benchmark_id,
    CAST(domain AS VARCHAR) AS domain,
    CAST(outcomes AS VARCHAR[]) AS outcomes,
    CAST(role AS VARCHAR) AS role,
    CAST(delivery AS VARCHAR) AS delivery,
    CAST(comparator AS VARCHAR) AS comparator,
    CAST(design AS VARCHAR) AS design,
    CAST(measure AS VARCHAR) AS measure,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(estimate AS DOUBLE) AS estimate,
    CAST(ci_low AS DOUBLE) AS ci_low,
    CAST(ci_high AS DOUBLE) AS ci_high,
    CAST(improvement_sign AS TINYINT) AS improvement_sign,
    CAST(improvement AS DOUBLE) AS improvement,
    CAST(n_participants AS INTEGER) AS n_participants,
    CAST(n_studies AS INTEGER) AS n_studies,
    CAST(citation AS VARCHAR) AS citation,
    CAST(evidence AS VARCHAR) AS evidence,
    CAST(evidence_note AS VARCHAR) AS evidence_note,
    CAST(use_as_benchmark AS BOOLEAN) AS use_as_benchmark
FROM source_frame;

COMMENT ON TABLE ref_literature_benchmarks IS 'Published effect sizes of in-person CBT and internet-delivered CBT for chronic pain (config/literature_benchmarks.yaml), each with its citation and evidence mark (V seen in the source, S secondary only, U unverified). Only V rows are used as benchmarks.';
COMMENT ON COLUMN ref_literature_benchmarks.domain IS 'Outcome domain (depression, anxiety, pain_intensity, interference, catastrophizing, self_efficacy).';
COMMENT ON COLUMN ref_literature_benchmarks.outcomes IS 'Observatory scales (instrument.scale) this domain maps to.';
COMMENT ON COLUMN ref_literature_benchmarks.role IS 'in_person_vs_control, internet_vs_control, routine_care_pre_post (shown beside comparisons), or another role kept for reference.';
COMMENT ON COLUMN ref_literature_benchmarks.estimate IS 'As published, in the publication''s own sign.';
COMMENT ON COLUMN ref_literature_benchmarks.improvement_sign IS '-1 when a negative estimate means patients improved (e.g. an SMD of pain scores), else 1.';
COMMENT ON COLUMN ref_literature_benchmarks.improvement IS 'estimate * improvement_sign: positive = improvement (the orientation of mart_comparisons.hedges_g).';
COMMENT ON COLUMN ref_literature_benchmarks.use_as_benchmark IS 'True only for evidence V; S and U numbers are listed, never used.';
COMMENT ON COLUMN ref_literature_benchmarks.benchmark_id IS 'Identifier of the published number (config/literature_benchmarks.yaml).';
COMMENT ON COLUMN ref_literature_benchmarks.delivery IS 'in_person or internet.';
COMMENT ON COLUMN ref_literature_benchmarks.comparator IS 'What the treatment was compared with.';
COMMENT ON COLUMN ref_literature_benchmarks.design IS 'Meta-analysis of RCTs, RCT, routine-care cohort or open trial.';
COMMENT ON COLUMN ref_literature_benchmarks.measure IS 'SMD, Hedges g, Cohen d (pre-post) or risk ratio, as published.';
COMMENT ON COLUMN ref_literature_benchmarks.timepoint IS 'post_treatment or follow_up.';
-- "95%" below is a fact about the publications (the level of the interval each source
-- reports), not the observatory's configured confidence_level (ref_effectiveness_thresholds),
-- so it is typed here and allowed by tests/test_typed_levels.py.
COMMENT ON COLUMN ref_literature_benchmarks.ci_low IS 'Lower 95% limit as published (NULL where not reported).';
COMMENT ON COLUMN ref_literature_benchmarks.ci_high IS 'Upper 95% limit as published.';
COMMENT ON COLUMN ref_literature_benchmarks.n_participants IS 'Participants behind the estimate.';
COMMENT ON COLUMN ref_literature_benchmarks.n_studies IS 'Studies behind the estimate.';
COMMENT ON COLUMN ref_literature_benchmarks.citation IS 'The source.';
COMMENT ON COLUMN ref_literature_benchmarks.evidence IS 'V, S or U.';
COMMENT ON COLUMN ref_literature_benchmarks.evidence_note IS 'How the number was checked.';
