-- Signals still open (new or ongoing), severe ones first, for the register's checks.
SELECT signal_id, program_id, indicator, method, severe, status, opened_month
FROM safety_signal_register
WHERE status IN ('new', 'ongoing')
ORDER BY severe DESC, opened_month, signal_id;
