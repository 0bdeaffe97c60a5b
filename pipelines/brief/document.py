"""The brief as one self-contained HTML file: text, tables and SVG figures inline.

Nothing in the file is fetched (no CDN, no fonts, no scripts), so it opens offline, can
be mailed and filed, and prints the same everywhere. Its bytes depend only on the
snapshot and the code, except the single line `GENERATED_MARKER` marks.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from html import escape

from pipelines.brief.content import Brief, Part, Section
from pipelines.brief.sources import Chart, Table

GENERATED_MARKER = 'class="generated"'

STYLE = """
@page { size: A4; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #212529;
       max-width: 60rem; margin: 0 auto; padding: 1rem; font-size: 10.5pt; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.35em; border-bottom: 2px solid #0072B2; padding-bottom: 0.15em;
     margin-top: 1.6em; break-after: avoid; }
h3 { font-size: 1.1em; margin-top: 1.3em; break-after: avoid; }
.stamp, .generated, .legend { color: #495057; font-size: 0.9em; margin: 0.2em 0; }
.demo { border: 2px solid #E69F00; background: #FFF4DC; padding: 0.5em 0.8em; }
.key { border-left: 4px solid #0072B2; background: #EEF5FA; padding: 0.4em 1em; }
.why-empty { font-style: italic; border: 1px dashed #6C757D; padding: 0.4em 0.8em; }
figure { margin: 1em 0; break-inside: avoid; }
figure img { width: 100%; height: auto; }
figcaption { font-size: 0.9em; }
table { border-collapse: collapse; width: 100%; font-size: 0.8em; margin: 0.6em 0 1em; }
caption { text-align: left; font-weight: bold; padding: 0.2em 0; caption-side: top; }
th, td { border-bottom: 1px solid #DEE2E6; padding: 0.15em 0.35em; text-align: left;
         vertical-align: top; overflow-wrap: anywhere; }
thead th { border-bottom: 2px solid #495057; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
nav ol { columns: 2; }
"""


def _text(value: object) -> str:
    return "" if value is None else escape(str(value))


def table_html(table: Table) -> str:
    """A table like the dashboard's: caption, column headers, each row named by a header."""
    columns = list(table.headers)

    def cls(column: str) -> str:
        return ' class="num"' if column in table.numeric else ""

    head = "".join(f'<th scope="col"{cls(c)}>{_text(table.headers[c])}</th>' for c in columns)
    rows = []
    for row in table.frame.select(columns).iter_rows():
        first, *rest = row
        cells = "".join(
            f"<td{cls(c)}>{_text(v)}</td>" for c, v in zip(columns[1:], rest, strict=True)
        )
        rows.append(f'<tr><th scope="row">{_text(first)}</th>{cells}</tr>')
    body = "\n".join(rows)
    return (
        f"<table>\n<caption>{_text(table.caption)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )


def figure_html(chart: Chart, svg: str) -> str:
    """The figure as an inline SVG image, its summary as caption and alternative text.

    An `img` (not inline `svg`) keeps each figure's ids and styles to itself.
    """
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
    return (
        f'<figure id="{_text(chart.key)}">\n'
        f'<img src="{source}" alt="{_text(chart.summary)}">\n'
        f"<figcaption>{_text(chart.summary)}</figcaption>\n</figure>\n{table_html(chart.table)}"
    )


def part_html(part: Part, images: Mapping[str, str]) -> str:
    blocks = [f"<h3>{_text(part.heading)}</h3>"]
    if part.paragraphs and not part.charts and not part.tables and len(part.paragraphs) > 1:
        blocks.append("<ul>" + "".join(f"<li>{_text(p)}</li>" for p in part.paragraphs) + "</ul>")
    else:
        blocks += [f"<p>{_text(p)}</p>" for p in part.paragraphs]
    blocks += [figure_html(chart, images[chart.key]) for chart in part.charts]
    blocks += [table_html(table) for table in part.tables]
    return "\n".join(blocks)


def section_html(section: Section, images: Mapping[str, str]) -> str:
    blocks = [
        f'<section id="{_text(section.anchor)}">',
        f"<h2>{_text(section.question)}</h2>",
        *[f"<p>{_text(p)}</p>" for p in section.lead],
    ]
    if section.why_empty is not None:
        blocks.append(f'<p class="why-empty">{_text(section.why_empty)}</p>')
    blocks += [part_html(part, images) for part in section.parts]
    blocks.append("</section>")
    return "\n".join(blocks)


def render_html(brief: Brief, images: Mapping[str, str], generated_at: datetime) -> str:
    """The whole document; only the line with `GENERATED_MARKER` depends on `generated_at`."""
    stamp = brief.stamp
    contents = "".join(
        f'<li><a href="#{_text(s.anchor)}">{_text(s.question)}</a></li>' for s in brief.sections
    )
    header = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_text(brief.title)}, snapshot {_text(stamp.snapshot_id)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<header>",
        f"<h1>{_text(brief.title)}</h1>",
        f'<p class="stamp">Snapshot <strong>{_text(stamp.snapshot_id)}</strong>, published '
        f"{stamp.published_at:%Y-%m-%d %H:%M} UTC by run {_text(stamp.run_id or 'unknown')}; "
        f"pipeline code {_text(stamp.pipeline_version or 'unknown')}, brief code "
        f"{_text(stamp.brief_version)}.</p>",
        f"<p {GENERATED_MARKER}>Generated {generated_at:%Y-%m-%d %H:%M:%S} UTC.</p>",
        *([f'<p class="demo" role="note">{_text(brief.demo_note)}</p>'] if brief.demo_note else []),
        "</header>",
        '<section class="key" id="key-messages">',
        "<h2>Key messages for decision-makers</h2>",
        "<ul>" + "".join(f"<li>{_text(m)}</li>" for m in brief.key_messages) + "</ul>"
        if brief.key_messages
        else '<p class="why-empty">No comparison or safety signal is published yet.</p>',
        f'<p class="legend">{_text(brief.legend)}</p>',
        "</section>",
        f"<nav><h2>Contents</h2><ol>{contents}</ol></nav>",
    ]
    sections = [section_html(section, images) for section in brief.sections]
    footer = [
        '<footer id="about">',
        "<h2>About this brief</h2>",
        f"<p>Made from snapshot {_text(stamp.snapshot_id)} of the observatory's warehouse. "
        "Rebuild it with <code>icbt brief --snapshot "
        f"{_text(stamp.snapshot_id)} --out DIR</code>; open the data read-only at "
        f"<code>data/warehouse/snapshots/{_text(stamp.snapshot_id)}/observatory.duckdb</code> "
        "(docs/researchers.md).</p>",
        "</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join([*header, *sections, *footer])
