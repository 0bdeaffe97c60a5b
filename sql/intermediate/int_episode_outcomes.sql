-- Grain (episode_id, instrument, scale, timepoint): one row per episode, scale and later
-- timepoint (post_treatment, follow_up), for every episode with a baseline score on that
-- scale.
-- Accepted values of scale: ref_scales.scale.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Purpose: change from baseline and its classification by pipelines/scoring/change.py:
-- Jacobson-Truax reliable change, MCID, IMMPACT responders and, for PHQ-9 and GAD-7, the
-- NHS Talking Therapies per-measure definitions. score is NULL when the timepoint is
-- missing, which is what the missing-data analyses need to see.
CREATE OR REPLACE TABLE int_episode_outcomes AS
SELECT
    CAST(episode_id AS BIGINT) AS episode_id,
    CAST(program_id AS VARCHAR) AS program_id,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(baseline_date AS DATE) AS baseline_date,
    CAST(baseline AS DOUBLE) AS baseline_score,
    CAST(later_date AS DATE) AS score_date,
    CAST(later AS DOUBLE) AS score,
    CAST(change AS DOUBLE) AS change,
    CAST(percent_change AS DOUBLE) AS percent_change,
    CAST(improvement AS DOUBLE) AS improvement,
    CAST(rci AS DOUBLE) AS rci,
    CAST(reliable_improvement AS BOOLEAN) AS reliable_improvement,
    CAST(reliable_deterioration AS BOOLEAN) AS reliable_deterioration,
    CAST(clinically_significant_improvement AS BOOLEAN) AS clinically_significant_improvement,
    CAST(mcid_points_improved AS BOOLEAN) AS mcid_points_improved,
    CAST(mcid_percent_improved AS BOOLEAN) AS mcid_percent_improved,
    CAST(immpact_moderate_responder AS BOOLEAN) AS immpact_moderate_responder,
    CAST(immpact_substantial_responder AS BOOLEAN) AS immpact_substantial_responder,
    CAST(tt_case_baseline AS BOOLEAN) AS tt_case_baseline,
    CAST(tt_case_post AS BOOLEAN) AS tt_case_at_timepoint,
    CAST(tt_reliable_improvement AS BOOLEAN) AS tt_reliable_improvement,
    CAST(tt_reliable_deterioration AS BOOLEAN) AS tt_reliable_deterioration,
    CAST(tt_recovery AS BOOLEAN) AS tt_recovery,
    CAST(tt_reliable_recovery AS BOOLEAN) AS tt_reliable_recovery
FROM source_frame;

COMMENT ON TABLE int_episode_outcomes IS 'Per episode, scale and later timepoint: change from baseline and its classification. Thresholds come from ref_scales and int_change_parameters; a classification is NULL when it cannot be judged (missing score, no published parameter, not a case at baseline).';
COMMENT ON COLUMN int_episode_outcomes.change IS 'score - baseline_score, in the scale''s own direction (negative = fall).';
COMMENT ON COLUMN int_episode_outcomes.improvement IS 'Change oriented so that positive is better (a fall on PHQ-9, a rise on PSEQ).';
COMMENT ON COLUMN int_episode_outcomes.rci IS 'Jacobson-Truax reliable change index: change / S_diff, S_diff = SD * sqrt(2 * (1 - reliability)).';
COMMENT ON COLUMN int_episode_outcomes.immpact_moderate_responder IS 'Improvement of at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent; Dworkin et al. 2008); IMMPACT defined it for pain intensity.';
COMMENT ON COLUMN int_episode_outcomes.immpact_substantial_responder IS 'Improvement of at least the IMMPACT substantial share of baseline (config/scoring.yaml immpact_responder.substantial_percent; Dworkin et al. 2008).';
COMMENT ON COLUMN int_episode_outcomes.tt_recovery IS 'NHS Talking Therapies per-measure recovery: at caseness at baseline and below it at the timepoint; NULL if not a case at baseline.';
COMMENT ON COLUMN int_episode_outcomes.episode_id IS 'Keyed hash (HMAC-SHA-256, first 8 bytes as BIGINT) of the program''s episode key; joins to staging_episodes.';
COMMENT ON COLUMN int_episode_outcomes.program_id IS 'Program code of the data contract (e.g. ICBT04, INPERSON_ON), also the program''s landing-zone folder.';
COMMENT ON COLUMN int_episode_outcomes.instrument IS 'PROM instrument code of the data contract (PHQ9, GAD7, BPI_SF, PEG, PCS, PSEQ, WAI_SR); items in ref_instrument_items.';
COMMENT ON COLUMN int_episode_outcomes.scale IS 'Scale of the instrument: total or a subscale name (ref_scales).';
COMMENT ON COLUMN int_episode_outcomes.timepoint IS 'Later assessment timepoint: post_treatment or follow_up (windows in ref_timepoint_windows).';
COMMENT ON COLUMN int_episode_outcomes.baseline_date IS 'Date of the baseline administration (int_episode_timepoints).';
COMMENT ON COLUMN int_episode_outcomes.baseline_score IS 'Baseline score, in scale points.';
COMMENT ON COLUMN int_episode_outcomes.score_date IS 'Date of the timepoint''s administration; NULL when missing.';
COMMENT ON COLUMN int_episode_outcomes.score IS 'Timepoint score; NULL when the timepoint is missing.';
COMMENT ON COLUMN int_episode_outcomes.percent_change IS '100 * change / baseline_score; NULL when the baseline is 0.';
COMMENT ON COLUMN int_episode_outcomes.reliable_improvement IS 'improvement above rci_threshold (int_change_parameters); NULL when not judged.';
COMMENT ON COLUMN int_episode_outcomes.reliable_deterioration IS 'Worsening above rci_threshold (int_change_parameters); NULL when not judged.';
COMMENT ON COLUMN int_episode_outcomes.clinically_significant_improvement IS 'Jacobson-Truax: dysfunctional at baseline (beyond criterion_c), reliable improvement and functional at the timepoint; NULL when not judged.';
COMMENT ON COLUMN int_episode_outcomes.mcid_points_improved IS 'improvement at least mcid_points (ref_scales); NULL where none is published.';
COMMENT ON COLUMN int_episode_outcomes.mcid_percent_improved IS 'improvement at least mcid_percent of baseline (ref_scales); NULL where none is published or baseline is 0.';
COMMENT ON COLUMN int_episode_outcomes.tt_case_baseline IS 'Baseline at or above the Talking Therapies cut-off (int_change_parameters.tt_caseness_min); NULL except PHQ-9 and GAD-7 totals.';
COMMENT ON COLUMN int_episode_outcomes.tt_case_at_timepoint IS 'Timepoint score at or above the Talking Therapies cut-off.';
COMMENT ON COLUMN int_episode_outcomes.tt_reliable_improvement IS 'improvement at least int_change_parameters.tt_reliable_points (this measure alone).';
COMMENT ON COLUMN int_episode_outcomes.tt_reliable_deterioration IS 'Worsening at least int_change_parameters.tt_reliable_points (this measure alone).';
COMMENT ON COLUMN int_episode_outcomes.tt_reliable_recovery IS 'tt_recovery and tt_reliable_improvement together; NULL if not a case at baseline.';
