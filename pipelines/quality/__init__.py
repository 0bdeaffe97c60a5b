"""Data quality, freshness and drift of what programs deliver."""
