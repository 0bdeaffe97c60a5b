"""The confidence level is configured once (config/effectiveness.yaml
thresholds.confidence_level, published in ref_effectiveness_thresholds) and never typed
again where people read it: chart text, the pipeline's code and the tables' comments.

A "95%" in these folders is a copy of the configured level that would go stale when the
setting changes. The only ones allowed describe the literature benchmarks' published
intervals, a fact about the sources (counted per file, so a new copy still fails).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("dashboards", "pipelines", "sql")
SUFFIXES = (".py", ".sql")
TYPED = "95%"
# File -> how many of its "95%" name the level a publication reported its interval at.
PUBLISHED_LEVELS = {
    # The module docstring (twice), process_data's, the About text and the benchmark rows'
    # table heading.
    "dashboards/charts/literature_benchmarks.py": 5,
    # The two column comments of the published limits, and the comment above them.
    "sql/reference/ref_literature_benchmarks.sql": 3,
    # The query's opening comment.
    "sql/dashboard/literature_benchmarks.sql": 1,
}


def typed_levels() -> dict[str, int]:
    found = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                count = path.read_text(encoding="utf-8").count(TYPED)
                if count:
                    found[path.relative_to(ROOT).as_posix()] = count
    return found


def test_no_confidence_level_is_typed_outside_the_published_benchmarks() -> None:
    assert typed_levels() == PUBLISHED_LEVELS
