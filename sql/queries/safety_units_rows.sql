-- Safety units with their expected probabilities, input of the monitoring marts.
SELECT * FROM safety_units;
