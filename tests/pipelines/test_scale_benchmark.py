"""`make bench` end to end at a tiny size: generation with a held-back month, a full
rebuild and an incremental run through `icbt run`, the bare-DuckDB floor, and a results
file with every section filled in. The real sizes run only under `make bench`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pipelines.paths import PROJECT_ROOT

SIZE = 300


def test_the_scale_benchmark_runs_end_to_end_and_writes_well_formed_results(tmp_path: Path):
    results = tmp_path / "RESULTS.md"
    results.write_text(
        "# Scale\n\nProse kept.\n\n<!-- BEGIN MEASURED -->\nold\n<!-- END MEASURED -->\n\nTail kept.\n"
    )
    subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "scale.py"),
            "--sizes",
            str(SIZE),
            "--months",
            "2",
            "--work-dir",
            str(tmp_path / "work"),
            "--results",
            str(results),
            "--skip-dashboard",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        timeout=1500,
    )
    text = results.read_text()
    assert text.startswith("# Scale\n\nProse kept.") and text.endswith("Tail kept.\n")
    assert "old" not in text
    assert "Machine: " in text and "load average" in text
    summary = re.search(rf"^\| {SIZE} \| ([\d,]+) \|", text, re.M)
    assert summary and int(summary.group(1).replace(",", "")) > 0
    assert f"### {SIZE} episodes" in text
    for part in ("Full rebuild: ", "Incremental monthly batch: ", "Bare DuckDB floor: load "):
        assert part in text
    steps = re.findall(r"^\| (\w+) \| [\d,.]+ s \| [\d,.]+ s \| [\d.]+ GB \|", text, re.M)
    assert "raw_landing" in steps
    assert "further steps took under 0.5 s each" in text
    assert "dashboard" not in text.split(f"### {SIZE} episodes")[1].lower()
