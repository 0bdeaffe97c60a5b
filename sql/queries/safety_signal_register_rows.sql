-- The signal register as it stands, for reconciliation with this run's signals.
SELECT * FROM safety_signal_register ORDER BY signal_number;
