"""Contract v2 analyses: patients' experience, concurrent care and reasons for stopping."""
