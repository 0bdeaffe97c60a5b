"""What the brief says: the HTA's questions, in its order and words, answered from a snapshot.

CADTH's HTA of iCBT for chronic non-cancer pain (2022) asked, in this order, about the
comparative clinical effectiveness and safety of iCBT against in-person CBT, patients'
perspectives, and the operational aspects: how the programs of its Environmental Scan
vary (therapist involvement, program length, number of modules) and what helps or hinders
access. Each section answers one of those questions with the dashboard's own charts and
tables (`pipelines.brief.sources`); the brief then says how complete the data are, how
the numbers were made and what limits them. A section without data says why.

Three sections rest on contract v2 fields that only some programs send: patients'
experience (the Patient Experience Questionnaire), care context (the comparison with
in-person CBT with and without concurrent multidisciplinary pain care) and barriers
(reasons for stopping by group). Their charts' summaries, shown as captions, say how many
programs and episodes each rests on, as on the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from pipelines.brief.sources import Chart, Sources, Table, timepoint_label
from pipelines.demo.archetypes import ARCHETYPE_BY_ID

POST_TREATMENT = "post_treatment"
HARM_FAMILIES = ("deterioration", "adverse_event")
COMPLETENESS_COLUMNS = ("name", "comparator", "n_program_due", "n_program_analysed")


@dataclass(frozen=True)
class Stamp:
    """Which snapshot the brief was made from, and by which code."""

    snapshot_id: str
    published_at: datetime
    run_id: str | None
    pipeline_version: str | None
    brief_version: str


@dataclass(frozen=True)
class Part:
    """A sub-heading with its charts, tables and paragraphs, in reading order."""

    heading: str
    paragraphs: Sequence[str] = ()
    charts: Sequence[Chart] = ()
    tables: Sequence[Table] = ()


@dataclass(frozen=True)
class Section:
    """One question of the HTA and its answer; `why_empty` says why there is no data."""

    anchor: str
    question: str
    lead: Sequence[str]
    parts: Sequence[Part] = ()
    why_empty: str | None = None

    @property
    def charts(self) -> list[Chart]:
        return [chart for part in self.parts for chart in part.charts]

    @property
    def tables(self) -> list[Table]:
        return [table for part in self.parts for table in part.tables] + [
            chart.table for chart in self.charts
        ]

    @property
    def has_content(self) -> bool:
        return any(c.data.height for c in self.charts) or any(t.frame.height for t in self.tables)


@dataclass(frozen=True)
class Brief:
    title: str
    stamp: Stamp
    demo_note: str | None
    key_messages: Sequence[str]
    sections: Sequence[Section] = field(default_factory=list)
    legend: str = ""

    @property
    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]


def fictional_programs(programs: pl.DataFrame) -> list[str]:
    """Names of programs that are the demo generator's fictional archetypes."""
    names = []
    for program_id, name in programs.select("program_id", "program_name").rows():
        archetype = ARCHETYPE_BY_ID.get(program_id)
        if archetype is not None and archetype.program_name == name:
            names.append(name)
    return names


def demo_note(programs: pl.DataFrame) -> str | None:
    """A warning that names are fictional, when the snapshot holds the demo's programs."""
    fictional = fictional_programs(programs)
    if not fictional:
        return None
    share = "All" if len(fictional) == programs.height else f"{len(fictional)} of the"
    return (
        f"Demo data. {share} program names in this brief (for example "
        f"\u201c{fictional[0]}\u201d) are fictional archetypes made up by the observatory's "
        "demo-data generator; none is a real program, and every number is synthetic."
    )


def _with_data(section: Section, reason: str) -> Section:
    """The section, or the same question stating why it has nothing to show."""
    if section.has_content:
        return section
    return Section(section.anchor, section.question, section.lead, why_empty=reason)


def effectiveness(sources: Sources) -> Section:
    timepoints = sources.timepoints()
    parts = [
        Part(
            "Verdicts at a glance",
            [
                "Each cell is one outcome for all iCBT programs pooled, or for one delivery "
                "mode's programs together, against in-person CBT, with the certainty of the "
                "evidence (GRADE; observational evidence starts low)."
            ],
            [sources.verdicts(t) for t in timepoints],
        )
    ]
    if POST_TREATMENT in timepoints:
        for outcome, label in sources.outcomes():
            parts.append(
                Part(
                    f"{label}, {timepoint_label(POST_TREATMENT).lower()}",
                    charts=[
                        sources.forest(outcome, POST_TREATMENT),
                        sources.pooled(outcome, POST_TREATMENT),
                    ],
                    tables=[sources.certainty(outcome, POST_TREATMENT).table],
                )
            )
    return _with_data(
        Section(
            "effectiveness",
            "What is the clinical effectiveness of iCBT compared with in-person CBT?",
            [
                "For every program and delivery mode, the difference in change from baseline "
                "against in-person CBT for patients with a similar case mix, on each outcome "
                "the programs report; the programs pooled with a prediction interval for a "
                "new program; a non-inferiority verdict against half the outcome's minimal "
                "clinically important difference; and how certain each result is, with the "
                "reasons it was rated down.",
            ],
            parts,
        ),
        "No comparison with in-person CBT is published in this snapshot: no program has "
        "enough paired outcomes yet, or no in-person cohort has reported.",
    )


def safety(sources: Sources) -> Section:
    rates = [
        sources.safety_rates(i, label) for i, label in sources.safety_indicators(HARM_FAMILIES)
    ]
    parts = [
        Part("Safety signals", charts=[sources.signal_register()]),
        Part(
            "Deterioration and adverse events against the expected rates",
            [
                "Observed rates in the latest non-overlapping window against the rate "
                "expected from in-person CBT for the same case mix."
            ],
            rates,
        ),
        Part(
            "Adverse events by category, severity and relatedness",
            charts=[sources.adverse_events()],
        ),
        Part(
            "Follow-up after thoughts of self-harm (PHQ-9 item 9)",
            charts=[sources.item9_follow_up()],
        ),
    ]
    return _with_data(
        Section(
            "safety",
            "What is the safety of iCBT compared with in-person CBT?",
            [
                "The HTA found no study reporting comparative safety. Here: the signals the "
                "observatory's monitoring has opened and confirmed, reliable deterioration "
                "and adverse-event rates against what in-person CBT would lead to expect, and "
                "whether a therapist followed up every answer of thoughts of self-harm.",
            ],
            parts,
        ),
        "No safety indicator, adverse event or signal is published in this snapshot.",
    )


def program_characteristics(sources: Sources) -> Section:
    outcomes = sources.primary_outcomes() or sources.outcomes()[:1]
    parts = [
        Part(
            "The programs",
            ["The programs compared, on the dimensions the CADTH Environmental Scan used."],
            tables=[sources.registry(outcomes[0][0])] if outcomes else [],
        ),
        Part(
            "Meta-regression across programs",
            [
                "How each program's difference from in-person CBT varies with therapist "
                "involvement and training in chronic pain, program length and number of "
                "modules, one attribute at a time. Associations across programs, not effects "
                "of changing a program."
            ],
            [sources.meta_regression(o, POST_TREATMENT) for o, _ in outcomes],
        ),
    ]
    return _with_data(
        Section(
            "characteristics",
            "How do effects vary with the characteristics of the programs?",
            [
                "The Environmental Scan found programs varying by level of therapist "
                "involvement, program length and number of modules; the HTA's key messages "
                "favour programs guided by therapists trained in chronic pain.",
            ],
            parts,
        ),
        "No program has been compared with in-person CBT yet, so there is nothing to relate "
        "its characteristics to.",
    )


def equity(sources: Sources) -> Section:
    charts = [sources.equity(d) for d, _ in sources.equity_dimensions()]
    return _with_data(
        Section(
            "equity",
            "Who is reached, and who benefits?",
            [
                "The HTA names access (no device or internet connection, rural distance) as "
                "a barrier and improved access as a facilitator. Referrals, completion and "
                "change on PHQ-9 for all iCBT programs by age band, sex, rurality and "
                "language, unadjusted for case mix.",
            ],
            [Part("All iCBT programs by group", charts=charts)],
        ),
        "No equity breakdown is published in this snapshot.",
    )


def _by_delivery_mode(charts: Sequence[Chart]) -> Part:
    """Each delivery mode's summary (which says what it rests on) and numbers table."""
    shown = [chart for chart in charts if chart.data.height]
    return Part(
        "By delivery mode",
        [chart.summary for chart in shown],
        tables=[chart.table for chart in shown],
    )


def perspectives(sources: Sources) -> Section:
    modes = [sources.patient_experience(unit) for unit in sources.delivery_mode_units()]
    parts = [
        Part("All iCBT programs", charts=[sources.patient_experience()]),
        _by_delivery_mode(modes),
    ]
    return _with_data(
        Section(
            "perspectives",
            "What are patients' perspectives and experiences?",
            [
                "The HTA answered this with interviews; the observatory holds no interviews "
                "or free text. Programs that send contract v2 ask patients at discharge the "
                "five treatment items of the NHS Talking Therapies Patient Experience "
                "Questionnaire (listened to, helped, involved in choices, got the help that "
                "mattered, trust in the therapist's skills). Programs still on contract v1 "
                "do not, so each figure says how many programs and discharged episodes it "
                "rests on, and what share of them answered.",
            ],
            parts,
        ),
        "No program sends contract v2's patient-experience questionnaire in this snapshot, "
        "and the observatory collects no interviews or free text (see docs/data-contract.md).",
    )


def care_context(sources: Sources) -> Section:
    outcomes = sources.primary_outcomes() or sources.outcomes()[:1]
    charts = [sources.care_modification(o, POST_TREATMENT) for o, _ in outcomes]
    parts = [
        Part(chart.heading.split(": ", 1)[-1], charts=[chart])
        for chart in charts
        if chart.data.height
    ]
    return _with_data(
        Section(
            "care-context",
            "Does iCBT work as well alongside other pain care as without it?",
            [
                "The HTA's interviewees saw iCBT as one part of multidisciplinary pain care "
                "and worried about it being offered instead of other treatment. For episodes "
                "of programs that send contract v2, which records the other pain care "
                "received during the episode (physiotherapy, a pain clinic, a medication "
                "review), the difference from in-person CBT is pooled separately with and "
                "without such care, with the test for a difference between the two; each "
                "figure says how many programs and episodes it rests on.",
            ],
            parts,
        ),
        "No comparison by concurrent pain care is published in this snapshot: no program "
        "sends contract v2, or too few of its episodes have the outcome at post-treatment.",
    )


def barriers(sources: Sources) -> Section:
    modes = [sources.stop_reasons(unit, ("all",)) for unit in sources.delivery_mode_units()]
    parts = [
        Part(
            "All iCBT programs by age band, rurality and language",
            [
                "Read across a row for what stops a group, down a column for whom a barrier "
                "costs most; the groups are not adjusted for one another, except in the rows "
                "that cross age band with rurality."
            ],
            [sources.stop_reasons()],
        ),
        _by_delivery_mode(modes),
    ]
    return _with_data(
        Section(
            "barriers",
            "What stops patients from starting or finishing, and whom does it stop?",
            [
                "The Environmental Scan named barriers to iCBT: preferring in-person care, "
                "privacy concerns, technology problems, and no device or internet "
                "connection. Programs that send contract v2 record one closed-list reason "
                "for each episode that ended before starting or dropped out; programs on "
                "contract v1 record none, so each figure says how many programs and "
                "episodes it rests on.",
            ],
            parts,
        ),
        "No program sends contract v2's reasons for stopping in this snapshot.",
    )


def completeness(sources: Sources, effectiveness_section: Section) -> Section:
    due = [
        Table(
            f"{chart.heading.split(': ', 1)[-1]}: episodes due and analysed",
            {c: chart.table.headers[c] for c in (*COMPLETENESS_COLUMNS, "program_completeness")},
            chart.table.frame.select(*COMPLETENESS_COLUMNS, "program_completeness"),
            chart.table.numeric,
        )
        for chart in effectiveness_section.charts
        if chart.key.startswith("forest-") and chart.data.height
    ]
    parts = [
        Part(
            "Outcomes due and analysed",
            [
                "An effect rests on the episodes whose timepoint was due and answered; low "
                "completeness can bias it. The primary outcomes, as in the forest plots."
            ],
            tables=due[:3],
        ),
        Part("Checks on every delivery", charts=[sources.data_quality_checks()]),
        Part("Freshness", charts=[sources.freshness()]),
    ]
    return _with_data(
        Section(
            "data-quality",
            "How complete and reliable are the data behind each number?",
            [
                "Every delivery is checked against the data contract before it is loaded; "
                "rows that fail are quarantined, and every check's result is kept.",
            ],
            parts,
        ),
        "No delivery has been loaded into this snapshot.",
    )


def methods(sections: Sequence[Section]) -> Section:
    """The dashboard's own notes on each chart used, once each, and the limitations."""
    notes: list[str] = []
    for section in sections:
        for chart in section.charts:
            notes += [p for p in chart.about if p not in notes]
    limitations = [
        "The data are routine-care observations, not randomised: overlap weighting and "
        "adjustment balance the measured case mix only, so certainty starts low.",
        "Completers analysis: episodes without the timepoint's questionnaire are left out; "
        "see the completeness of each comparison above.",
        "Programs that deliver little data are shown without estimates rather than with "
        "unstable ones, and small counts are suppressed for privacy, so some cells are empty "
        "by design.",
        "Every number comes from the snapshot named on the first page, drawn by the same "
        "functions as the observatory's dashboard; rebuilding the brief from that snapshot "
        "with the same code gives the same document.",
    ]
    return Section(
        "methods",
        "Methods and limitations",
        ["How each figure is made, as the dashboard explains it, and what limits it."],
        [Part("Limitations", limitations), Part("How each figure is made", notes)],
    )


def key_messages(sections: Sequence[Section]) -> list[str]:
    """The summaries of the headline charts, in the dashboard's words."""
    headline = ("verdicts-post_treatment", "verdicts-follow_up", "safety-signals")
    charts = {c.key: c for s in sections for c in s.charts}
    return [charts[key].summary for key in headline if key in charts and charts[key].data.height]


def compose(sources: Sources, stamp: Stamp) -> Brief:
    """The whole brief for one snapshot, in the HTA's order."""
    effect = effectiveness(sources)
    sections = [
        effect,
        safety(sources),
        perspectives(sources),
        program_characteristics(sources),
        care_context(sources),
        equity(sources),
        barriers(sources),
        completeness(sources, effect),
    ]
    sections.append(methods(sections))
    return Brief(
        title="Internet-delivered CBT for chronic non-cancer pain: living evidence brief",
        stamp=stamp,
        demo_note=demo_note(sources.programs()),
        key_messages=key_messages(sections),
        sections=sections,
        legend=sources.legend(),
    )
