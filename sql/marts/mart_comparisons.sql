-- Grain (subject_id, instrument, scale, timepoint, comparator_level): one row per subject
-- (an iCBT program, or all programs of a delivery mode), change outcome, later timepoint
-- and comparator level (local or national in-person CBT, or benchmark_only where no
-- in-person cohort exists).
-- Accepted values of delivery_mode: contract programs.delivery_mode.
-- Accepted values of province: contract programs.province.
-- Accepted values of program_status: contract programs.status.
-- Accepted values of timepoint: ref_timepoint_windows.timepoint.
-- Accepted values of comparator_province: contract programs.province.
-- Purpose: how each program and delivery mode compares with in-person CBT: the
-- overlap-weighted ANCOVA difference in change, Hedges' g, responder risk differences and
-- ratios, a non-inferiority verdict that is shown only when every diagnostic passed (the
-- failures are named otherwise), the missing-data sensitivity analysis, and the published
-- benchmarks beside it. Methods: docs/methods-effectiveness.md.
CREATE OR REPLACE TABLE mart_comparisons AS
SELECT
    CAST(comparison_id AS VARCHAR) AS comparison_id,
    CAST(subject_type AS VARCHAR) AS subject_type,
    CAST(subject_id AS VARCHAR) AS subject_id,
    CAST(subject_name AS VARCHAR) AS subject_name,
    CAST(delivery_mode AS VARCHAR) AS delivery_mode,
    CAST(province AS VARCHAR) AS province,
    CAST(program_status AS VARCHAR) AS program_status,
    CAST(instrument AS VARCHAR) AS instrument,
    CAST(scale AS VARCHAR) AS scale,
    CAST(outcome_label AS VARCHAR) AS outcome_label,
    CAST(higher_is_better AS BOOLEAN) AS higher_is_better,
    CAST(timepoint AS VARCHAR) AS timepoint,
    CAST(comparator_level AS VARCHAR) AS comparator_level,
    CAST(comparator_province AS VARCHAR) AS comparator_province,
    CAST(comparator_programs AS VARCHAR[]) AS comparator_programs,
    CAST(is_primary AS BOOLEAN) AS is_primary,
    CAST(is_indirect AS BOOLEAN) AS is_indirect,
    CAST(n_program_due AS BIGINT) AS n_program_due,
    CAST(n_program_analysed AS BIGINT) AS n_program_analysed,
    CAST(n_comparator_due AS BIGINT) AS n_comparator_due,
    CAST(n_comparator_analysed AS BIGINT) AS n_comparator_analysed,
    CAST(program_completeness AS DOUBLE) AS program_completeness,
    CAST(comparator_completeness AS DOUBLE) AS comparator_completeness,
    CAST(program_mean_change AS DOUBLE) AS program_mean_change,
    CAST(comparator_mean_change AS DOUBLE) AS comparator_mean_change,
    CAST(crude_difference AS DOUBLE) AS crude_difference,
    CAST(adjusted_difference AS DOUBLE) AS adjusted_difference,
    CAST(adjusted_se AS DOUBLE) AS adjusted_se,
    CAST(adjusted_ci_low AS DOUBLE) AS adjusted_ci_low,
    CAST(adjusted_ci_high AS DOUBLE) AS adjusted_ci_high,
    CAST(hedges_g AS DOUBLE) AS hedges_g,
    CAST(hedges_g_ci_low AS DOUBLE) AS hedges_g_ci_low,
    CAST(hedges_g_ci_high AS DOUBLE) AS hedges_g_ci_high,
    CAST(immpact_moderate_responder_program AS DOUBLE) AS immpact_responder_rate_program,
    CAST(immpact_moderate_responder_comparator AS DOUBLE) AS immpact_responder_rate_comparator,
    CAST(immpact_moderate_responder_rd AS DOUBLE) AS immpact_responder_rd,
    CAST(immpact_moderate_responder_rd_ci_low AS DOUBLE) AS immpact_responder_rd_ci_low,
    CAST(immpact_moderate_responder_rd_ci_high AS DOUBLE) AS immpact_responder_rd_ci_high,
    CAST(immpact_moderate_responder_rr AS DOUBLE) AS immpact_responder_rr,
    CAST(immpact_moderate_responder_rr_ci_low AS DOUBLE) AS immpact_responder_rr_ci_low,
    CAST(immpact_moderate_responder_rr_ci_high AS DOUBLE) AS immpact_responder_rr_ci_high,
    CAST(reliable_improvement_program AS DOUBLE) AS reliable_improvement_rate_program,
    CAST(reliable_improvement_comparator AS DOUBLE) AS reliable_improvement_rate_comparator,
    CAST(reliable_improvement_rd AS DOUBLE) AS reliable_improvement_rd,
    CAST(reliable_improvement_rd_ci_low AS DOUBLE) AS reliable_improvement_rd_ci_low,
    CAST(reliable_improvement_rd_ci_high AS DOUBLE) AS reliable_improvement_rd_ci_high,
    CAST(reliable_improvement_rr AS DOUBLE) AS reliable_improvement_rr,
    CAST(reliable_improvement_rr_ci_low AS DOUBLE) AS reliable_improvement_rr_ci_low,
    CAST(reliable_improvement_rr_ci_high AS DOUBLE) AS reliable_improvement_rr_ci_high,
    CAST(max_abs_smd_before AS DOUBLE) AS max_abs_smd_before,
    CAST(max_abs_smd_after AS DOUBLE) AS max_abs_smd_after,
    CAST(fraction_in_equipoise AS DOUBLE) AS fraction_in_equipoise,
    CAST(minimum_detectable_difference AS DOUBLE) AS minimum_detectable_difference,
    CAST(mcid_points AS DOUBLE) AS mcid_points,
    CAST(noninferiority_margin AS DOUBLE) AS noninferiority_margin,
    CAST(diagnostics_passed AS BOOLEAN) AS diagnostics_passed,
    CAST(diagnostics_failed AS VARCHAR[]) AS diagnostics_failed,
    CAST(verdict AS VARCHAR) AS verdict,
    CAST(verdict_display AS VARCHAR) AS verdict_display,
    CAST(sensitivity_difference AS DOUBLE) AS sensitivity_difference,
    CAST(sensitivity_ci_low AS DOUBLE) AS sensitivity_ci_low,
    CAST(sensitivity_ci_high AS DOUBLE) AS sensitivity_ci_high,
    CAST(sensitivity_verdict AS VARCHAR) AS sensitivity_verdict,
    CAST(program_prepost_g AS DOUBLE) AS program_prepost_g,
    CAST(benchmark_domain AS VARCHAR) AS benchmark_domain,
    CAST(benchmark_in_person_id AS VARCHAR) AS benchmark_in_person_id,
    CAST(benchmark_in_person_effect AS DOUBLE) AS benchmark_in_person_effect,
    CAST(benchmark_internet_id AS VARCHAR) AS benchmark_internet_id,
    CAST(benchmark_internet_effect AS DOUBLE) AS benchmark_internet_effect,
    CAST(benchmark_routine_care_id AS VARCHAR) AS benchmark_routine_care_id,
    CAST(benchmark_routine_care_effect AS DOUBLE) AS benchmark_routine_care_effect
FROM source_frame;

COMMENT ON TABLE mart_comparisons IS 'Every iCBT program and delivery mode compared with in-person CBT per change outcome and timepoint. Differences are program minus comparator in the scale''s own direction (negative = larger fall, better on PHQ-9; see higher_is_better); hedges_g and risk differences are positive when the program does better. verdict is NULL unless every diagnostic passed: then verdict_display names the failures (mart_comparison_diagnostics). Counts are unsuppressed: suppress counts from 1 to below the threshold of config/suppression.yaml before showing them. Methods: docs/methods-effectiveness.md.';
COMMENT ON COLUMN mart_comparisons.comparison_id IS 'subject_id|instrument.scale|timepoint|comparator_level; joins mart_comparison_diagnostics, mart_covariate_balance and mart_evidence_certainty.';
COMMENT ON COLUMN mart_comparisons.subject_type IS 'program (one iCBT program) or delivery_mode (all programs of that mode).';
COMMENT ON COLUMN mart_comparisons.comparator_level IS 'local: in-person episodes of the same province; national: all in-person episodes (indirect for a program in a province without a local cohort); benchmark_only: no in-person cohort, literature benchmarks only.';
COMMENT ON COLUMN mart_comparisons.is_primary IS 'The comparator the hierarchy picks (local where it exists, else national); national rows beside local ones are a sensitivity comparison.';
COMMENT ON COLUMN mart_comparisons.is_indirect IS 'True for program rows without a local in-person cohort (GRADE indirectness).';
COMMENT ON COLUMN mart_comparisons.n_program_due IS 'Program episodes with a baseline whose timepoint window has closed (int_effectiveness_episodes.is_due).';
COMMENT ON COLUMN mart_comparisons.n_program_analysed IS 'Of those, episodes with the timepoint''s score: the completers analysis.';
COMMENT ON COLUMN mart_comparisons.program_completeness IS 'n_program_analysed / n_program_due.';
COMMENT ON COLUMN mart_comparisons.crude_difference IS 'Unadjusted difference in mean change, program minus comparator.';
COMMENT ON COLUMN mart_comparisons.adjusted_difference IS 'Overlap-weighted ANCOVA of change on arm, baseline score, age band, sex and rurality (completers): program minus comparator, in scale points, scale direction.';
COMMENT ON COLUMN mart_comparisons.adjusted_ci_low IS 'Lower limit of adjusted_difference (t, HC1 sandwich SE) at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.hedges_g IS 'Adjusted difference as Hedges'' g, positive = program better: J * improvement difference / unadjusted pooled SD of the timepoint scores (WWC Handbook 5.0).';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rd IS 'Overlap-weighted difference in the share improving by at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent), program minus comparator.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rr IS 'Overlap-weighted ratio of those shares (NULL when either share is 0).';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rd IS 'Overlap-weighted difference in the share with a Jacobson-Truax reliable improvement.';
COMMENT ON COLUMN mart_comparisons.max_abs_smd_before IS 'Largest absolute standardised difference of a case-mix level or the baseline score before weighting.';
COMMENT ON COLUMN mart_comparisons.max_abs_smd_after IS 'The same after overlap weighting; the balance diagnostic requires at most ref_effectiveness_thresholds max_abs_smd.';
COMMENT ON COLUMN mart_comparisons.fraction_in_equipoise IS 'Share of both cohorts with preference score in [equipoise_low, equipoise_high] of ref_effectiveness_thresholds (Walker 2013); the equipoise diagnostic requires at least min_fraction_in_equipoise.';
COMMENT ON COLUMN mart_comparisons.minimum_detectable_difference IS '(z of the two-sided confidence_level + z of power) * SE, both from ref_effectiveness_thresholds: the smallest true difference detected with that power; must not exceed mdd_max_mcid_fraction of the MCID.';
COMMENT ON COLUMN mart_comparisons.noninferiority_margin IS 'Half the outcome''s MCID (ref_scales.mcid_points; configurable); NULL without a published MCID, and then no verdict.';
COMMENT ON COLUMN mart_comparisons.diagnostics_failed IS 'Names of the failed diagnostics (empty when all passed); details in mart_comparison_diagnostics.';
COMMENT ON COLUMN mart_comparisons.verdict IS 'superior (CI above 0), non-inferior (CI above -margin), inferior (CI below 0 and reaching below -margin) or inconclusive, in improvement terms; NULL unless diagnostics_passed.';
COMMENT ON COLUMN mart_comparisons.verdict_display IS 'The verdict, or ''not shown: '' followed by the failed diagnostics. Show this, never a bare estimate.';
COMMENT ON COLUMN mart_comparisons.sensitivity_difference IS 'Missing-data sensitivity analysis: the same overlap-weighted ANCOVA on every due episode, missing changes multiply imputed within each cohort (case mix, baseline, baseline PHQ-9, completion of treatment, the earlier timepoint''s change), combined by Rubin''s rules.';
COMMENT ON COLUMN mart_comparisons.sensitivity_verdict IS 'Verdict of the sensitivity analysis (NULL where the main verdict is not shown); a different verdict lowers certainty.';
COMMENT ON COLUMN mart_comparisons.program_prepost_g IS 'The subject''s own pre-post standardised mean change (positive = improvement), comparable with benchmark_routine_care_effect.';
COMMENT ON COLUMN mart_comparisons.benchmark_in_person_effect IS 'Published SMD of in-person CBT vs usual care or waiting list for this domain (positive = improvement); see ref_literature_benchmarks.';
COMMENT ON COLUMN mart_comparisons.benchmark_internet_effect IS 'Published g of iCBT vs control for this domain (positive = improvement).';
COMMENT ON COLUMN mart_comparisons.benchmark_routine_care_effect IS 'Published pre-post g of routine-care iCBT for this domain (positive = improvement).';
COMMENT ON COLUMN mart_comparisons.subject_id IS 'Program id, or the delivery mode for subject_type delivery_mode.';
COMMENT ON COLUMN mart_comparisons.subject_name IS 'Program name, or a label for the delivery mode.';
COMMENT ON COLUMN mart_comparisons.delivery_mode IS 'self_guided, guided_asynchronous or therapist_realtime.';
COMMENT ON COLUMN mart_comparisons.province IS 'Program province (NULL for delivery-mode rows).';
COMMENT ON COLUMN mart_comparisons.program_status IS 'available or in_development (NULL for delivery-mode rows).';
COMMENT ON COLUMN mart_comparisons.instrument IS 'Instrument code (contract), e.g. PHQ9.';
COMMENT ON COLUMN mart_comparisons.scale IS 'Scale of the instrument, e.g. total.';
COMMENT ON COLUMN mart_comparisons.outcome_label IS 'Readable outcome name (ref_scales).';
COMMENT ON COLUMN mart_comparisons.higher_is_better IS 'Direction of the scale: false for PHQ-9, GAD-7, BPI, PEG, PCS; true for PSEQ.';
COMMENT ON COLUMN mart_comparisons.timepoint IS 'post_treatment or follow_up (ref_timepoint_windows).';
COMMENT ON COLUMN mart_comparisons.comparator_province IS 'Province of the local in-person cohort (NULL otherwise).';
COMMENT ON COLUMN mart_comparisons.comparator_programs IS 'In-person programs whose episodes form the comparator.';
COMMENT ON COLUMN mart_comparisons.n_comparator_due IS 'Comparator episodes with a baseline whose timepoint window has closed.';
COMMENT ON COLUMN mart_comparisons.n_comparator_analysed IS 'Comparator episodes with the timepoint''s score.';
COMMENT ON COLUMN mart_comparisons.comparator_completeness IS 'Share of due comparator episodes with a score.';
COMMENT ON COLUMN mart_comparisons.program_mean_change IS 'Mean change (score - baseline) of the analysed program episodes, unadjusted.';
COMMENT ON COLUMN mart_comparisons.comparator_mean_change IS 'Mean change of the analysed comparator episodes, unadjusted.';
COMMENT ON COLUMN mart_comparisons.adjusted_se IS 'HC1 sandwich standard error of adjusted_difference.';
COMMENT ON COLUMN mart_comparisons.adjusted_ci_high IS 'Upper limit of adjusted_difference at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.hedges_g_ci_low IS 'Lower limit of hedges_g at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.hedges_g_ci_high IS 'Upper limit of hedges_g at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rate_program IS 'Overlap-weighted share of program episodes improving by at least the IMMPACT moderate share of baseline (config/scoring.yaml immpact_responder.moderate_percent).';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rate_comparator IS 'The same share among comparator episodes.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rd_ci_low IS 'Lower limit of immpact_responder_rd (Wald) at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rd_ci_high IS 'Upper limit of immpact_responder_rd at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rr_ci_low IS 'Lower limit of immpact_responder_rr (delta method, log scale) at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.immpact_responder_rr_ci_high IS 'Upper limit of immpact_responder_rr at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rate_program IS 'Overlap-weighted share of program episodes with a reliable improvement.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rate_comparator IS 'The same share among comparator episodes.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rd_ci_low IS 'Lower limit of reliable_improvement_rd at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rd_ci_high IS 'Upper limit of reliable_improvement_rd at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rr IS 'Overlap-weighted ratio of reliable-improvement shares (NULL when either is 0).';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rr_ci_low IS 'Lower limit of reliable_improvement_rr at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.reliable_improvement_rr_ci_high IS 'Upper limit of reliable_improvement_rr at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.mcid_points IS 'The outcome''s published MCID (ref_scales.mcid_points).';
COMMENT ON COLUMN mart_comparisons.diagnostics_passed IS 'True when no diagnostic failed; only then is verdict set.';
COMMENT ON COLUMN mart_comparisons.sensitivity_ci_low IS 'Lower limit of sensitivity_difference at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.sensitivity_ci_high IS 'Upper limit of sensitivity_difference at the two-sided confidence_level of ref_effectiveness_thresholds.';
COMMENT ON COLUMN mart_comparisons.benchmark_domain IS 'Outcome domain in ref_literature_benchmarks (NULL for PEG, which has none).';
COMMENT ON COLUMN mart_comparisons.benchmark_in_person_id IS 'ref_literature_benchmarks.benchmark_id of benchmark_in_person_effect.';
COMMENT ON COLUMN mart_comparisons.benchmark_internet_id IS 'ref_literature_benchmarks.benchmark_id of benchmark_internet_effect.';
COMMENT ON COLUMN mart_comparisons.benchmark_routine_care_id IS 'ref_literature_benchmarks.benchmark_id of benchmark_routine_care_effect.';
