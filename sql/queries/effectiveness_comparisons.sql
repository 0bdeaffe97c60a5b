-- Program and delivery-mode comparisons, input of the pooling and the certainty ratings.
SELECT * FROM mart_comparisons ORDER BY comparison_id;
