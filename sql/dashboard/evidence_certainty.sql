-- Every row of mart_evidence_certainty (one per primary comparison and per pooled
-- effect), reasons as text, with the counts each rated result rests on: a comparison's
-- analysed episodes in both arms (mart_comparisons), a pooled effect of one program that
-- program's analysed episodes (mart_pooled_effects, DerSimonian-Laird). The dashboard
-- hides a rating wherever it hides the result rated.
SELECT
    certainty.evidence_id,
    certainty.evidence_type,
    certainty.subject_id,
    comparisons.subject_type,
    comparisons.subject_name,
    comparisons.delivery_mode,
    certainty.instrument,
    certainty.scale,
    certainty.outcome_label,
    certainty.timepoint,
    certainty.comparator_level,
    coalesce(comparisons.n_program_analysed, pooled.n_episodes) AS n_program_analysed,
    comparisons.n_comparator_analysed,
    certainty.verdict,
    certainty.start_level,
    certainty.risk_of_bias_downgrade,
    array_to_string(certainty.risk_of_bias_reasons, '; ') AS risk_of_bias_reasons,
    certainty.inconsistency_downgrade,
    array_to_string(certainty.inconsistency_reasons, '; ') AS inconsistency_reasons,
    certainty.imprecision_downgrade,
    array_to_string(certainty.imprecision_reasons, '; ') AS imprecision_reasons,
    certainty.indirectness_downgrade,
    array_to_string(certainty.indirectness_reasons, '; ') AS indirectness_reasons,
    certainty.certainty,
    array_to_string(certainty.reasons, '; ') AS reasons
FROM mart_evidence_certainty AS certainty
LEFT JOIN mart_comparisons AS comparisons
    ON comparisons.comparison_id = certainty.evidence_id
LEFT JOIN mart_pooled_effects AS pooled
    ON certainty.evidence_type = 'pooled'
   AND pooled.k = 1
   AND pooled.method = 'dl'
   AND pooled.instrument = certainty.instrument
   AND pooled.scale = certainty.scale
   AND pooled.timepoint = certainty.timepoint
   AND pooled.subgroup = certainty.subject_id
ORDER BY certainty.instrument, certainty.scale, certainty.timepoint,
    certainty.evidence_type, certainty.subject_id;
