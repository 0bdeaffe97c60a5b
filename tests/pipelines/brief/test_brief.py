"""The evidence brief, built by the real Dagster job on the demo warehouse and read back."""

from __future__ import annotations

import base64
import re
import unicodedata
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import polars as pl
import pypdf
import pytest
from click.testing import CliRunner

from pipelines.brief.build import brief_file, stamp_of
from pipelines.brief.content import Brief, Section, compose
from pipelines.brief.document import GENERATED_MARKER
from pipelines.brief.sources import Sources
from pipelines.cli import main
from pipelines.demo.contract_v2 import BARRIER_REASONS
from pipelines.publishing.snapshots import snapshot_database
from tests.conftest import needs_demo_build

pytestmark = needs_demo_build

# Count columns of the marts the brief shows (people, episodes, events, files' rows); a
# count of programs (n_programs: what a contract v2 analysis rests on) counts no person.
COUNT_COLUMN = re.compile(
    r"^(?!n_programs$)(n_.*|.*_n|n|phq9_n_paired|triggers|events|episodes_with_event|observed|"
    r"opened_observed|latest_observed|rows_loaded|rows_quarantined|num_violated_rows|"
    r"num_denominator_rows)$"
)
# A small count said in words: "3 episodes", "n = 2", "(n=4)"; not a digit inside a word
# ("contract v2 episodes").
SMALL_IN_WORDS = re.compile(
    r"(?<!to )(?<![\w.,\u2212+-])[1-4]\s+(?:episodes?|patients?|people|persons?|referrals?|"
    r"events?|answers?|triggers?|started|completed|referred|women|men)\b"
    r"|\bn\s*=\s*[1-4](?![\d.,])",
    re.I,
)


class _Sections(HTMLParser):
    """Each <section>'s id, whether it holds a figure, table or list, and its why-empty note."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, set[str]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section":
            self._current = attributes.get("id") or ""
            self.sections[self._current] = set()
        elif self._current is not None:
            kind = "why-empty" if attributes.get("class") == "why-empty" else tag
            self.sections[self._current].add(kind)

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None


def _text(html: str) -> str:
    """The words a reader sees, figures' SVG text included."""
    svgs = [
        base64.b64decode(data).decode()
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    ]
    words = re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html + " ".join(svgs)))
    return re.sub(r"\s+", " ", unescape(words))


def _normal(text: str) -> str:
    """Text without ligatures (PDF text has "ﬃ") or runs of white space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


@dataclass(frozen=True)
class Files:
    snapshot_id: str
    html: Path
    pdf: Path


@pytest.fixture(scope="module")
def written(demo_brief) -> Files:
    """The brief the Dagster job wrote beside the snapshot."""
    return Files(
        demo_brief.snapshot_id,
        brief_file(demo_brief.folder, demo_brief.snapshot_id, "html"),
        brief_file(demo_brief.folder, demo_brief.snapshot_id, "pdf"),
    )


@pytest.fixture(scope="module")
def rebuilt(demo_build, demo_brief, tmp_path_factory) -> Files:
    """The same snapshot's brief rebuilt later by `icbt brief --snapshot ID --out DIR`."""
    out = tmp_path_factory.mktemp("rebuilt")
    env = {"ICBT_DATA_DIR": str(demo_build.settings.data_dir)}
    args = ["brief", "--snapshot", demo_brief.snapshot_id, "--out", str(out)]
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return Files(
        demo_brief.snapshot_id,
        brief_file(out, demo_brief.snapshot_id, "html"),
        brief_file(out, demo_brief.snapshot_id, "pdf"),
    )


@pytest.fixture(scope="module")
def brief(demo_build, demo_brief) -> Brief:
    """What the brief holds, composed again from the snapshot (without drawing it)."""
    database = snapshot_database(demo_brief.snapshot_id, demo_build.settings)
    with Sources(database) as sources:
        return compose(sources, stamp_of(database))


def test_rebuilding_from_the_same_snapshot_gives_the_same_html(written, rebuilt):
    first = written.html.read_text().splitlines()
    again = rebuilt.html.read_text().splitlines()
    assert len(first) == len(again)
    differing = [(a, b) for a, b in zip(first, again, strict=True) if a != b]
    assert len(differing) <= 1, "only the generation time may differ"
    generated = [line for line in first if GENERATED_MARKER in line]
    assert len(generated) == 1
    assert all(GENERATED_MARKER in a and GENERATED_MARKER in b for a, b in differing)
    assert rebuilt.pdf.read_bytes().startswith(b"%PDF")


def test_the_brief_names_its_snapshot_and_code(written, demo_build):
    html = written.html.read_text()
    assert f"Snapshot <strong>{written.snapshot_id}</strong>" in html
    assert demo_build.result.run_id in html
    assert re.search(r"brief code [0-9a-f]{12}", html)


def test_every_section_has_content_or_says_why_not(written, brief):
    parser = _Sections()
    parser.feed(written.html.read_text())
    expected = {"key-messages", *(s.anchor for s in brief.sections)}
    assert set(parser.sections) == expected
    for anchor, kinds in parser.sections.items():
        assert kinds & {"figure", "table", "li", "why-empty"}, f"section {anchor} is empty"
    by_anchor = {s.anchor: s for s in brief.sections}
    # The demo warehouse answers every question, the contract v2 ones from its v2 programs.
    for anchor in (
        "effectiveness",
        "safety",
        "perspectives",
        "characteristics",
        "care-context",
        "equity",
        "barriers",
        "data-quality",
    ):
        assert by_anchor[anchor].why_empty is None and by_anchor[anchor].has_content
        assert "figure" in parser.sections[anchor]


def test_effectiveness_answers_per_outcome_with_forest_pooled_and_certainty(brief):
    section = next(s for s in brief.sections if s.anchor == "effectiveness")
    keys = {chart.key for chart in section.charts}
    for outcome in ("BPI_SF.interference", "PHQ9.total", "PEG.total"):
        assert {f"forest-{outcome}-post_treatment", f"pooled-{outcome}-post_treatment"} <= keys
    assert {"verdicts-post_treatment", "verdicts-follow_up"} <= keys
    certainty = [t for part in section.parts for t in part.tables]
    assert certainty and all(t.frame.height for t in certainty)
    pooled = next(c for c in section.charts if c.key.startswith("pooled-PHQ9"))
    assert "pi" in pooled.table.headers  # prediction intervals are reported


def test_the_numbers_are_the_dashboards(brief, demo_build, demo_brief):
    """Each chart's data equal what the dashboard's own loader and process_data give."""
    database = snapshot_database(demo_brief.snapshot_id, demo_build.settings)
    with Sources(database) as again:
        outcome = again.primary_outcomes()[0][0]
        fresh = again.forest(outcome, "post_treatment")
    shown = next(c for c in brief.charts if c.key == fresh.key)
    assert shown.data.equals(fresh.data)
    assert shown.table.frame.equals(fresh.table.frame)


def _section(brief: Brief, anchor: str) -> Section:
    return next(s for s in brief.sections if s.anchor == anchor)


@pytest.fixture(scope="module")
def published(demo_build, demo_brief):
    database = snapshot_database(demo_brief.snapshot_id, demo_build.settings)
    with duckdb.connect(str(database), read_only=True) as con:
        yield con


def _v2_icbt_programs(demo_build) -> int:
    return sum(p.startswith("ICBT") for p in demo_build.truth.contract_v2["programs"])


def test_patients_experience_rests_on_the_v2_programs_it_names(brief, demo_build, published):
    section = _section(brief, "perspectives")
    [chart] = section.charts
    [(programs, discharged)] = published.execute(
        "SELECT DISTINCT n_programs, n_discharged FROM mart_patient_experience "
        "WHERE unit_type = 'all_icbt'"
    ).fetchall()
    assert programs == _v2_icbt_programs(demo_build) >= 2 and discharged >= 5
    rests_on = f"Rests on {programs} programs and {discharged:,} discharged contract v2 episodes"
    assert rests_on in chart.summary
    assert chart.data["item_number"].to_list() == [1, 2, 3, 4, 5]
    # Each delivery mode with v2 episodes says what it rests on, and shows its items.
    by_mode = next(part for part in section.parts if part.heading == "By delivery mode")
    assert by_mode.tables and len(by_mode.paragraphs) == len(by_mode.tables)
    assert all("Rests on" in text for text in by_mode.paragraphs)


def test_care_context_shows_the_planted_effect_modification(brief, demo_build, published):
    """The brief shows the published stratified comparison as it is (nothing recomputed),
    and on the demo it finds what the generator planted: smaller gains without care."""
    section = _section(brief, "care-context")
    chart = next(
        c for c in section.charts if c.key == "care-modification-PHQ9.total-post_treatment"
    )
    rows = published.execute(
        "SELECT method, stratum, estimate, p_value, v2_programs, v2_episodes "
        "FROM mart_care_modification WHERE instrument = 'PHQ9' AND scale = 'total' "
        "AND timepoint = 'post_treatment' ORDER BY method, stratum"
    ).fetchall()
    shown = chart.data.sort("method", "stratum").select(
        "method", "stratum", "estimate", "p_value", "v2_programs", "v2_episodes"
    )
    assert shown.rows() == rows
    primary = chart.data.row(0, named=True)
    assert primary["difference_without_minus_with"] > 0 and primary["p_value"] < 0.05
    assert primary["v2_programs"] == _v2_icbt_programs(demo_build)
    rests_on = (
        f"Rests on {primary['v2_programs']} iCBT programs and {primary['v2_episodes']:,} "
        "episodes that follow contract v2"
    )
    assert rests_on in chart.summary


def test_barriers_show_reasons_by_group_and_delivery_mode(brief, demo_build, published):
    section = _section(brief, "barriers")
    [chart] = section.charts
    [(programs, episodes)] = published.execute(
        "SELECT DISTINCT n_programs, n_v2_episodes FROM mart_stop_reasons "
        "WHERE unit_type = 'all_icbt' AND breakdown = 'all'"
    ).fetchall()
    assert programs == _v2_icbt_programs(demo_build)
    assert f"Rests on {programs} programs and {episodes:,} contract v2 episodes" in chart.summary
    assert set(chart.data["breakdown"]) == {
        "all",
        "age_band",
        "rurality",
        "language",
        "age_band_by_rurality",
    }
    # The planted barrier (older rural and remote patients stop for technology reasons)
    # shows where suppression lets it: by age band, each barrier reason's largest shown
    # share is in an older band. By rurality, and age band by rurality, the demo's few
    # remote patients leave small counts that hide those groups' shares, as they must.
    older = demo_build.truth.contract_v2["barriers"]["group"]["age_bands"]
    by_age = chart.data.filter(
        pl.col("shown"),
        pl.col("breakdown") == "age_band",
        pl.col("stop_reason").is_in(list(BARRIER_REASONS)),
    )
    tops = {
        reason: rows.sort("share_of_recorded", descending=True)["group_value"][0]
        for (reason,), rows in by_age.group_by("stop_reason")
    }
    assert "technology_problems" in tops and set(tops.values()) <= set(older), tops
    assert chart.data.filter(~pl.col("shown"))["share_of_recorded"].is_null().all()
    by_mode = next(part for part in section.parts if part.heading == "By delivery mode")
    assert by_mode.tables and all("Rests on" in text for text in by_mode.paragraphs)


def test_no_count_of_1_to_4_in_text_tables_or_figure_data(written, brief):
    html = written.html.read_text()
    assert not SMALL_IN_WORDS.findall(_text(html))
    small = {"1", "2", "3", "4"}
    for chart in brief.charts:
        for column in chart.data.columns:
            if COUNT_COLUMN.match(column) and chart.data[column].dtype.is_integer():
                values = set(chart.data[column].drop_nulls().to_list())
                assert not values & {1, 2, 3, 4}, f"{chart.key}.{column} shows a small count"
        for trace in chart.figure.data:
            for attribute in ("text", "hovertext", "customdata"):
                value = getattr(trace, attribute, None)
                if value is not None:
                    assert not SMALL_IN_WORDS.findall(str(value)), (chart.key, attribute)
    # Every table, those beside a figure and those alone (each delivery mode's).
    for section in brief.sections:
        for table in section.tables:
            for column in table.headers:
                if COUNT_COLUMN.match(column):
                    assert not set(table.frame[column].to_list()) & small, (table.caption, column)
    assert "<5" in _text(html)  # suppressed cells are labelled as on the dashboard


def test_demo_programs_are_named_fictional(written, brief):
    assert brief.demo_note is not None
    assert "fictional" in _text(written.html.read_text())


def test_no_resource_is_fetched(written):
    html = written.html.read_text()
    assert not re.search(r"""(?:src|href)=["'](?:https?:)?//""", html)
    assert "<script" not in html


def test_the_pdf_has_pages_and_every_figure(written, brief):
    reader = pypdf.PdfReader(written.pdf)
    assert len(reader.pages) >= 10
    text = _normal(" ".join(page.extract_text() for page in reader.pages))
    assert written.snapshot_id in text
    for chart in brief.charts:
        # Figures are vector drawings: their title (or, for an empty figure, its message)
        # is text inside the drawing, found again in the PDF's text.
        layout = chart.figure.layout
        words = layout.title.text or layout.annotations[0].text
        assert _normal(re.sub(r"<[^>]+>", " ", words))[:30] in text, chart.key
    assert sum(len(page.images) for page in reader.pages) >= 2  # the verdict heatmaps


def test_icbt_brief_refuses_an_unknown_snapshot(demo_build):
    env = {"ICBT_DATA_DIR": str(demo_build.settings.data_dir)}
    missing = CliRunner().invoke(main, ["brief", "--snapshot", "1999-01-01.1"], env=env)
    assert missing.exit_code != 0 and "No snapshot 1999-01-01.1" in missing.output
