"""The drift reports' links: accessible names that contain what they show (WCAG 2.5.3)."""

from __future__ import annotations

from dashboards.charts import dq_drift


def test_a_report_links_accessible_name_starts_with_its_visible_text() -> None:
    row = {"program_id": "ICBT05", "batch_id": "2026-10"}
    name = dq_drift.report_link_name(row)
    assert name.startswith(dq_drift.REPORT_LINK_TEXT)
    assert "drift report of ICBT05, batch 2026-10" in name
