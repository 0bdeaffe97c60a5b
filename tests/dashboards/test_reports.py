"""Drift report summaries: what the dashboard serves for a report, on the demo's real ones.

Evidently's HTML shows counts of single people and each score's minimum and maximum; the
summaries served in its place must hold no count from 1 to threshold - 1 and no extreme,
whatever the comparison (dashboards/reports.py).
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import polars as pl
import pytest

from dashboards.marts import Marts
from dashboards.reports import listed_report, min_report_episodes, summary_page
from dashboards.suppression import SuppressionRules
from pipelines.quality.drift import FEATURES
from tests.conftest import needs_demo_build

# An integer standing on its own in text: not part of a decimal, an id or a batch name.
INTEGER = re.compile(r"(?<![\w.\-])\d+(?![\w.])")
EXTREME = re.compile(r"(?i)\b(min|max)\w*\W{0,3}-?\d")


def visible_text(page: str) -> str:
    """What a reader sees: tags, the style sheet and the title dropped, entities decoded."""
    body = re.sub(r"(?s)<(style|title)>.*?</\1>", " ", page)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def assert_no_counts_or_extremes(page: str, rules: SuppressionRules) -> None:
    """No standalone integer from 1 to threshold - 1, no number beside min/max, no script."""
    text = visible_text(page)
    small = [int(n) for n in INTEGER.findall(text) if 1 <= int(n) < rules.threshold]
    assert small == [], f"small numbers served: {small}"
    assert EXTREME.search(text) is None
    assert "<script" not in page.lower()


def report_row(**overrides: object) -> dict[str, object]:
    row = {
        "report_type": "data_drift",
        "program_id": "ICBT01",
        "batch_id": "2026-06",
        "reference": "own_reference",
        "verdict": "drift",
        "path": "drift/ICBT01/2026-06__own_reference__abc.html",
        "created_at": datetime(2026, 7, 1),
        "current_episodes": 40,
        "reference_episodes": 90,
    }
    return {**row, **overrides}


def feature_tests(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=["column_name", "column_type", "method", "score", "threshold", "drifted"],
        orient="row",
    )


def test_a_summary_shows_each_features_test_and_no_count() -> None:
    tests = feature_tests(
        [
            ("age_band", "categorical", "chisquare", 0.2, 0.01, False),
            ("baseline_phq9", "numerical", "ks", 0.00001, 0.01, True),
            ("baseline_peg", "numerical", "ks", None, 0.01, None),
        ]
    )
    page = summary_page(report_row(), tests, 30)
    text = visible_text(page)
    assert "Drift of ICBT01, batch 2026-06, against the program's first batches" in text
    assert "<0.0001" in text
    assert "0.2000" in text and "not tested" in text
    assert "40" not in text and "90" not in text  # episode counts are not shown
    assert_no_counts_or_extremes(page, SuppressionRules())


def test_names_are_escaped() -> None:
    tests = feature_tests([("<script>x</script>", "numerical", "ks", 0.5, 0.01, False)])
    page = summary_page(report_row(program_id="<b>P</b>"), tests, 30)
    assert "<script>x" not in page and "<b>P</b>" not in page


def test_only_listed_drift_reports_of_enough_episodes_are_served() -> None:
    reports = pl.DataFrame(
        [
            report_row(),
            report_row(path="few.html", current_episodes=3),
            report_row(path="old.html", current_episodes=None),
            report_row(path="summary.html", report_type="data_summary", reference=None),
        ]
    )
    assert listed_report(reports, "drift/ICBT01/2026-06__own_reference__abc.html", 30)
    for path in ("few.html", "old.html", "summary.html", "unlisted.html", "../secret"):
        assert listed_report(reports, path, 30) is None, path


@needs_demo_build
def test_every_served_summary_of_the_demo_holds_no_small_count(marts: Marts) -> None:
    reports = marts.drift_reports()
    tests = marts.drift_report_tests()
    served = 0
    for path in reports["path"]:
        report = listed_report(reports, path, min_report_episodes())
        if report is None:
            continue
        comparison = tests.filter(
            pl.col("program_id") == report["program_id"],
            pl.col("batch_id") == report["batch_id"],
            pl.col("reference") == report["reference"],
        )
        assert comparison["column_name"].sort().to_list() == sorted(FEATURES)
        assert_no_counts_or_extremes(
            summary_page(report, comparison, min_report_episodes()), marts.rules
        )
        served += 1
    assert served > 0


@pytest.mark.parametrize("threshold", [5, 11])
def test_the_check_itself_finds_a_small_count_and_an_extreme(threshold: int) -> None:
    rules = SuppressionRules(threshold=threshold)
    with pytest.raises(AssertionError, match="small numbers"):
        assert_no_counts_or_extremes("<td>3</td>", rules)
    with pytest.raises(AssertionError):
        assert_no_counts_or_extremes("<p>maximum: 27</p>", rules)
