-- Every data-quality check's latest result with its status under the current thresholds.
SELECT * FROM dq_check_status ORDER BY check_id;
