-- CUSUM months, input of the signal register.
SELECT * FROM mart_safety_cusum;
