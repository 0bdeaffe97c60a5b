"""Data-quality marts: deliveries, quarantine reasons, checks and drift.

A program's files of one table add up over batches to what it delivered, and its
quarantine reasons of one table to the rows its files quarantined; drift counts are
shown for each program's latest batch only (consecutive windows overlap).
"""

from __future__ import annotations

import polars as pl

from dashboards.marts.base import MartsBase
from dashboards.suppression import SuppressionSpec

# Data-quality page (dashboards/pages/data_quality.py). A program's files of one table
# add up, over batches, to what it delivered; the rows of an episodes or adverse-events
# file are people or events in one month, as small as any cell.
LOAD_LEDGER = SuppressionSpec(
    dependents={"rows_loaded": (), "rows_quarantined": ()},
    total_groups=(("program_id", "table_name", "superseded"),),
)

# A program's quarantined rows of a table are derivable from the ledger's files, so the
# reasons of one program and table are grouped.
QUARANTINE_REASONS = SuppressionSpec(
    dependents={"rows_quarantined": ()},
    total_groups=(("program_id", "table_name"),),
)

DQ_CHECKS = SuppressionSpec(
    dependents={
        "num_violated_rows": ("pct_violated_rows",),
        "num_denominator_rows": ("pct_violated_rows",),
    },
)

# Only each program's latest comparison shows its counts: consecutive batches' windows
# overlap, so the difference of two would be a month's new episodes.
DRIFT_RESULTS = SuppressionSpec(dependents={"current_rows": (), "reference_rows": ()})


class QualityMarts(MartsBase):
    def load_ledger(self) -> pl.DataFrame:
        """ingest_load_ledger: one row per landing file, row counts suppressed."""

        def load() -> pl.DataFrame:
            return self._suppress(self.query("load_ledger"), LOAD_LEDGER)

        return self._cached("load_ledger", load)

    def quarantine_reasons(self) -> pl.DataFrame:
        """mart_quarantine_reasons: value-free reasons with suppressed counts."""

        def load() -> pl.DataFrame:
            return self._suppress(self.query("quarantine_reasons"), QUARANTINE_REASONS)

        return self._cached("quarantine_reasons", load)

    def dq_checks(self) -> pl.DataFrame:
        """dq_check_status: each check's latest counts under the current thresholds."""

        def load() -> pl.DataFrame:
            return self._suppress(self.query("dq_check_status"), DQ_CHECKS)

        return self._cached("dq_checks", load)

    def drift_results(self) -> pl.DataFrame:
        """drift_results: every comparison's verdict; counts of the latest batch only."""

        def load() -> pl.DataFrame:
            frame = self.query("drift_results")
            latest = pl.col("batch_id") == pl.col("batch_id").max().over("program_id", "reference")
            earlier = frame.select(~latest).to_series()
            hidden = {c: earlier.alias(c) for c in DRIFT_RESULTS.counts}
            return self._suppress(frame, DRIFT_RESULTS, hidden)

        return self._cached("drift_results", load)

    def drift_reports(self) -> pl.DataFrame:
        """mart_drift_reports: the kept HTML reports and the episodes each describes."""
        return self._cached("drift_reports", lambda: self.query("drift_reports"))

    def drift_report_tests(self) -> pl.DataFrame:
        """drift_columns without counts: each comparison's feature tests, which the
        dashboard serves in place of Evidently's HTML (no count, so nothing to suppress)."""
        return self._cached("drift_report_tests", lambda: self.query("drift_report_tests"))
