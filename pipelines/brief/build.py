"""Build the evidence brief of one snapshot: HTML, then the PDF Chromium prints from it.

The brief is named after its snapshot (`brief-<id>.html`, `brief-<id>.pdf`) and written
beside it by the pipeline, or anywhere by `icbt brief --snapshot ID --out DIR`. It is
written to a temporary name and renamed, so a reader never downloads half a file.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.brief.content import Brief, Stamp, compose
from pipelines.brief.document import render_html
from pipelines.brief.render import chromium, figure_svgs, print_pdf
from pipelines.brief.sources import Sources
from pipelines.publishing.publish import code_version
from pipelines.publishing.snapshots import read_stamp


@dataclass(frozen=True)
class BriefFiles:
    snapshot_id: str
    html: Path
    pdf: Path
    brief: Brief


def brief_name(snapshot_id: str, suffix: str) -> str:
    """`brief-2026-12-07.1.html`: a file that says which snapshot it describes."""
    return f"brief-{snapshot_id}.{suffix}"


def brief_file(folder: Path, snapshot_id: str, suffix: str = "pdf") -> Path:
    return folder / brief_name(snapshot_id, suffix)


def stamp_of(database: Path) -> Stamp:
    with duckdb.connect(str(database), read_only=True) as con:
        snapshot_id, published_at, run_id, pipeline_version = read_stamp(con)
    return Stamp(snapshot_id, published_at, run_id, pipeline_version, code_version())


def _replace(target: Path, write) -> None:
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        write(staging)
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)


def build_brief(database: Path, out_dir: Path, generated_at: datetime | None = None) -> BriefFiles:
    """Write the HTML and PDF brief of the snapshot in `database` into `out_dir`."""
    stamp = stamp_of(database)
    with Sources(database) as sources:
        brief = compose(sources, stamp)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_file = brief_file(out_dir, stamp.snapshot_id, "html")
    pdf_file = brief_file(out_dir, stamp.snapshot_id, "pdf")
    when = generated_at or datetime.now(UTC)

    def draw_and_print() -> None:
        with chromium() as browser:
            svgs = figure_svgs(browser, [chart.figure for chart in brief.charts])
            images = {chart.key: svg for chart, svg in zip(brief.charts, svgs, strict=True)}
            html = render_html(brief, images, when)
            _replace(html_file, lambda path: path.write_text(html, encoding="utf-8"))
            _replace(pdf_file, lambda path: print_pdf(browser, html_file, path))

    # Playwright's sync API refuses a thread that runs an asyncio loop (a caller's own
    # Playwright session, an async server); a thread of its own always has none.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="brief-chromium") as pool:
        pool.submit(draw_and_print).result()
    return BriefFiles(stamp.snapshot_id, html_file, pdf_file, brief)
