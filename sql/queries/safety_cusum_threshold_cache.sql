-- Cached CUSUM thresholds from the previous run (safety_cusum_thresholds).
SELECT key, h, arl_months, cycles, alarm_cycles FROM safety_cusum_thresholds;
