"""Draw figures and print the brief with Debian's Chromium, offline.

Plotly's own image export (kaleido) wants to download a browser, which this project never
does. Instead one headless session of `/usr/bin/chromium`, driven by Playwright, loads
plotly.js from the installed `plotly` package (no CDN), turns each figure into a static
SVG with `Plotly.toImage` and later prints the finished HTML to PDF. SVG keeps figures
small (about 30 kB each, a tenth of a PNG), sharp in print and their words searchable.

plotly.js names each drawing with a random id (the layout's `_uid`, each trace's `uid`);
traces get fixed uids before drawing and the layout's id is replaced by the figure's
position, so the same figure always gives the same bytes and a rebuilt brief is
byte-identical.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# Figures are drawn at about the width of the printed text column.
FIGURE_WIDTH = 1100
DEFAULT_HEIGHT = 450
_SVG_PREFIX = "data:image/svg+xml,"
_LAYOUT_UID = re.compile(r"clip([0-9a-f]{6})")


class RendererUnavailableError(RuntimeError):
    """Debian's Chromium is missing; `make browser` installs it."""


@cache
def plotly_js() -> str:
    """plotly.min.js as shipped inside the installed plotly package."""
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Debian Chromium; never a browser downloaded by Playwright."""
    if not CHROMIUM.exists():
        raise RendererUnavailableError(
            f"{CHROMIUM} not found: install Debian's chromium (`make browser`)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def stable_svg(svg: str, name: str) -> str:
    """The SVG with plotly.js's random layout id replaced by `name`."""
    found = _LAYOUT_UID.search(svg)
    if found is None:
        return svg
    return re.sub(rf"(?<!#){found[1]}", name, svg)


def figure_svgs(browser: Browser, figures: Sequence[go.Figure]) -> list[str]:
    """Each figure as SVG text, drawn by plotly.js in the browser, with stable ids."""
    page = browser.new_page()
    try:
        page.set_content("<!DOCTYPE html><html><body></body></html>")
        page.add_script_tag(content=plotly_js())
        images = []
        for index, figure in enumerate(figures):
            spec = json.loads(pio.to_json(figure, validate=False))
            for number, trace in enumerate(spec.get("data", [])):
                trace["uid"] = f"f{index}t{number}"
            height = spec.get("layout", {}).get("height") or DEFAULT_HEIGHT
            url = page.evaluate(
                "([spec, width, height]) => Plotly.toImage(spec, "
                "{format: 'svg', width: width, height: height})",
                [spec, FIGURE_WIDTH, height],
            )
            if not url.startswith(_SVG_PREFIX):
                raise RuntimeError("plotly.js returned no SVG for a figure")
            svg = urllib.parse.unquote(url.removeprefix(_SVG_PREFIX))
            images.append(stable_svg(svg, f"fig{index}"))
        return images
    finally:
        page.close()


def print_pdf(browser: Browser, html_file: Path, pdf_file: Path) -> None:
    """Print the HTML file as an A4 PDF, backgrounds and page numbers included."""
    page = browser.new_page()
    try:
        page.goto(html_file.resolve().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        page.pdf(
            path=str(pdf_file),
            format="A4",
            print_background=True,
            display_header_footer=True,
            header_template="<span></span>",
            footer_template=(
                '<div style="font-size:8px;width:100%;text-align:center;">'
                '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
            ),
            margin={"top": "16mm", "bottom": "16mm", "left": "14mm", "right": "14mm"},
        )
    finally:
        page.close()
