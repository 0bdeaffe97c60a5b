-- Funnel evaluations, input of the signal register.
SELECT * FROM mart_safety_funnel;
