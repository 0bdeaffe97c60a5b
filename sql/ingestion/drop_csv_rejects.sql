-- Empties the strict CSV reader's temporary reject tables; the next read recreates them.
DROP TABLE IF EXISTS reject_errors;
DROP TABLE IF EXISTS reject_scans;
