"""The brief's only door into `dashboards/`: every number and figure, drawn as on screen.

The brief must never recompute a number differently from the dashboard, so it reads the
same suppressed marts (`dashboards.marts.SuppressedMarts`) and calls the same chart
modules' pure `process_data`, `create_figure`, `summarise` and `table_frame`. Every
import from `dashboards` is in this module, so when the dashboard's modules move, this
is the one file to rewire. What it returns (`Chart`, `Table`) is plain data: a Plotly
figure, its text summary and its table as text, with suppression already applied.

The selections mirror the dashboard's defaults: every delivery mode and program in view
(the Effectiveness page's "everything"), all iCBT programs as the reporting unit (the
Equity and Safety pages' default), and the latest non-overlapping window of the safety
funnel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType

import plotly.graph_objects as go
import polars as pl

from dashboards.charts import (
    adverse_events,
    care_modification,
    comparison_forest,
    dq_checks,
    equity_groups,
    evidence_certainty,
    item9_follow_up,
    meta_regression,
    overview_freshness,
    overview_verdicts,
    patient_experience,
    pooled_effects,
    program_registry,
    safety_rates,
    safety_register,
    stop_reasons,
)
from dashboards.charts.common import configured_confidence, ordered_modes
from dashboards.charts.comparison_common import TIMEPOINTS, timepoint_label
from dashboards.data import Warehouse
from dashboards.marts import SuppressedMarts
from dashboards.marts.safety import funnel_windows
from dashboards.suppression import SuppressionRules, load_rules
from dashboards.theme import register_template
from dashboards.view_state import ALL_ICBT, PREFERRED_OUTCOMES, OutcomeKey, Unit, ViewState

# The registry's columns a printed page has room for: the program attributes the
# meta-regression relates effects to, and the headline numbers (the Programs page has all).
REGISTRY_COLUMNS = (
    "program_name",
    "delivery_mode",
    "therapist_involvement",
    "therapist_trained_in_chronic_pain",
    "length_weeks",
    "module_count",
    "n_paired",
    "mean_change",
    "change_ci",
    "completion_rate",
)

__all__ = ["ALL_ICBT", "Chart", "OutcomeKey", "Sources", "Table", "Unit", "timepoint_label"]


@dataclass(frozen=True)
class Table:
    """A table as the dashboard shows it: text cells, suppression labels in hidden ones."""

    caption: str
    headers: Mapping[str, str]
    frame: pl.DataFrame
    numeric: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Chart:
    """One dashboard chart: its figure, the summary that describes it, and its numbers.

    `data` is the frame `process_data` returned (suppressed), kept so tests can check
    what the figure was drawn from.
    """

    key: str
    heading: str
    figure: go.Figure
    summary: str
    table: Table
    about: Sequence[str]
    data: pl.DataFrame = field(repr=False)


class Sources:
    """The suppressed marts of one snapshot file, opened read-only like the dashboard does."""

    def __init__(self, database: Path) -> None:
        register_template()
        self.rules: SuppressionRules = load_rules()
        self._warehouse = Warehouse(database, threads=1, memory_limit="1GB")
        self.marts = SuppressedMarts(self._warehouse, self.rules).snapshot()

    def close(self) -> None:
        self.marts.close()
        self._warehouse.close()

    def __enter__(self) -> Sources:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # What the dashboard offers -------------------------------------------------------

    def legend(self) -> str:
        """The suppression legend shown under every dashboard page."""
        return self.rules.legend()

    def outcomes(self) -> list[tuple[OutcomeKey, str]]:
        """Compared outcomes, preferred ones first (pain interference is the primary outcome
        of chronic-pain trials, as on the dashboard), then by label."""
        labels = self.marts.comparisons().select("instrument", "scale", "outcome_label").unique()
        rows = [(OutcomeKey(i, s), label) for i, s, label in labels.rows()]
        preferred = {text: rank for rank, text in enumerate(PREFERRED_OUTCOMES)}
        return sorted(rows, key=lambda r: (preferred.get(str(r[0]), len(preferred)), r[1]))

    def primary_outcomes(self) -> list[tuple[OutcomeKey, str]]:
        """The dashboard's preferred default outcomes that this snapshot compares."""
        return [o for o in self.outcomes() if str(o[0]) in PREFERRED_OUTCOMES]

    def timepoints(self) -> list[str]:
        present = set(self.marts.comparisons()["timepoint"])
        return [t for t in TIMEPOINTS if t in present]

    def _everything(self, outcome: OutcomeKey, timepoint: str) -> ViewState:
        comparisons = self.marts.comparisons()
        programs = comparisons.filter(pl.col("subject_type") == "program")["subject_id"]
        return ViewState(
            outcome,
            tuple(ordered_modes(comparisons["delivery_mode"].drop_nulls().to_list())),
            tuple(sorted(programs.unique().to_list())),
            timepoint=timepoint,
        )

    @property
    def confidence(self) -> float:
        """The snapshot's confidence level, which names the intervals in the tables' headings."""
        return configured_confidence(self.marts)

    def _program_ids(self) -> list[str]:
        return self.marts.programs()["program_id"].to_list()

    def programs(self) -> pl.DataFrame:
        """The registry: id, name and delivery mode of every program (attributes only)."""
        return self.marts.programs().select("program_id", "program_name", "delivery_mode")

    def _chart(
        self,
        module: ModuleType,
        key: str,
        heading: str,
        figure: go.Figure,
        summary: str,
        caption: str,
        headers: Mapping[str, str],
        data: pl.DataFrame,
    ) -> Chart:
        """A chart as its dashboard module draws it: the numbers table, suppressed as on
        screen, and the notes come from the module's `table_frame`, `NUMERIC_COLUMNS` and
        `describe`."""
        table = Table(
            caption, headers, module.table_frame(data, self.rules), module.NUMERIC_COLUMNS
        )
        return Chart(key, heading, figure, summary, table, module.describe(self.marts), data)

    # Effectiveness --------------------------------------------------------------------

    def verdicts(self, timepoint: str) -> Chart:
        marts = self.marts
        data = overview_verdicts.process_data(
            marts.pooled_effects(), marts.comparisons(), marts.evidence_certainty(), timepoint
        )
        label = timepoint_label(timepoint).lower()
        return self._chart(
            overview_verdicts,
            f"verdicts-{timepoint}",
            f"Verdicts against in-person CBT at {label}",
            overview_verdicts.create_figure(data, self.rules),
            overview_verdicts.summarise(data, self.rules),
            f"Verdicts against in-person CBT at {label}, with certainty",
            overview_verdicts.table_headers(self.confidence),
            data,
        )

    def forest(self, outcome: OutcomeKey, timepoint: str) -> Chart:
        data = comparison_forest.process_data(
            self.marts.comparisons(), self._everything(outcome, timepoint)
        )
        title = comparison_forest.outcome_title(data) if data.height else str(outcome)
        return self._chart(
            comparison_forest,
            f"forest-{outcome}-{timepoint}",
            f"Each program and delivery mode against in-person CBT: {title}",
            comparison_forest.create_figure(data),
            comparison_forest.summarise(data),
            f"{title}: adjusted difference from in-person CBT and verdict",
            comparison_forest.table_headers(self.confidence),
            data,
        )

    def pooled(self, outcome: OutcomeKey, timepoint: str) -> Chart:
        data = pooled_effects.process_data(
            self.marts.pooled_effects(),
            self.marts.subgroup_tests(),
            self._everything(outcome, timepoint),
        )
        title = pooled_effects.title(data) if data.height else str(outcome)
        return self._chart(
            pooled_effects,
            f"pooled-{outcome}-{timepoint}",
            f"Programs pooled, with prediction intervals: {title}",
            pooled_effects.create_figure(data),
            pooled_effects.summarise(data),
            f"{title}: pooled estimates",
            pooled_effects.table_headers(self.confidence),
            data,
        )

    def certainty(self, outcome: OutcomeKey, timepoint: str) -> Chart:
        data = evidence_certainty.process_data(
            self.marts.evidence_certainty(), self._everything(outcome, timepoint)
        )
        title = evidence_certainty.title(data) if data.height else str(outcome)
        return self._chart(
            evidence_certainty,
            f"certainty-{outcome}-{timepoint}",
            f"Certainty of the evidence and its reasons: {title}",
            evidence_certainty.create_figure(data),
            evidence_certainty.summarise(data),
            f"{title}: certainty with levels removed per domain",
            evidence_certainty.TABLE_HEADERS,
            data,
        )

    def meta_regression(self, outcome: OutcomeKey, timepoint: str) -> Chart:
        data = meta_regression.process_data(
            self.marts.meta_regression(),
            self.marts.programs(),
            self._everything(outcome, timepoint),
        )
        title = meta_regression.title(data) if data.height else str(outcome)
        return self._chart(
            meta_regression,
            f"meta-regression-{outcome}-{timepoint}",
            f"What goes with larger effects: {title}",
            meta_regression.create_figure(data),
            meta_regression.summarise(data),
            f"{title}: meta-regression coefficient per program attribute",
            meta_regression.table_headers(self.confidence),
            data,
        )

    # Harms ----------------------------------------------------------------------------

    def signal_register(self) -> Chart:
        data = safety_register.process_data(self.marts.signal_register(), self._program_ids())
        return self._chart(
            safety_register,
            "safety-signals",
            "Safety signals: open, confirmed and resolved",
            safety_register.create_figure(data),
            safety_register.summarise(data),
            "Safety signal register",
            safety_register.TABLE_HEADERS,
            data,
        )

    def safety_indicators(self, families: Sequence[str]) -> list[tuple[str, str]]:
        """(indicator, label) of the given families, in the Safety page's order."""
        indicators = self.marts.safety_indicators().filter(pl.col("family").is_in(families))
        return list(indicators.select("indicator", "label").rows())

    def safety_rates(self, indicator: str, label: str) -> Chart:
        funnel = self.marts.safety_funnel()
        windows = funnel_windows(funnel)
        # Without any window, a month no row has selects nothing: the chart's no-data state.
        window = windows[0] if windows else date.min
        data = safety_rates.process_data(funnel, indicator, window, self._program_ids())
        reference = safety_rates.reference_text(self.marts.safety_reference(), indicator)
        return self._chart(
            safety_rates,
            f"safety-rates-{indicator}",
            f"Observed against expected: {label}",
            safety_rates.create_figure(data, label),
            safety_rates.summarise(data, label, reference),
            f"{label}: observed and expected rates, latest window",
            safety_rates.TABLE_HEADERS,
            data,
        )

    def adverse_events(self) -> Chart:
        data = adverse_events.process_data(self.marts.adverse_event_profile(), ALL_ICBT)
        return self._chart(
            adverse_events,
            "adverse-events",
            "Adverse events, all iCBT programs against in-person CBT",
            adverse_events.create_figure(data),
            adverse_events.summarise(data, self.rules),
            "Adverse events per 100 episodes started, by category, severity, "
            "seriousness and relatedness",
            adverse_events.TABLE_HEADERS,
            data,
        )

    def item9_follow_up(self) -> Chart:
        data = item9_follow_up.process_data(self.marts.item9_follow_up(), self._program_ids())
        return self._chart(
            item9_follow_up,
            "item9-follow-up",
            "Follow-up after thoughts of self-harm (PHQ-9 item 9) or a serious adverse event",
            item9_follow_up.create_figure(data),
            item9_follow_up.summarise(data),
            "Therapist contact within the standard after an item-9 answer or a serious "
            "adverse event",
            item9_follow_up.TABLE_HEADERS,
            data,
        )

    # Equity -----------------------------------------------------------------------------

    def equity_dimensions(self) -> list[tuple[str, str]]:
        present = set(self.marts.equity()["dimension"])
        return [
            (d, equity_groups.dimension_label(d)) for d in equity_groups.DIMENSIONS if d in present
        ]

    def equity(self, dimension: str) -> Chart:
        data = equity_groups.process_data(self.marts.equity(), ALL_ICBT, dimension)
        label = equity_groups.dimension_label(dimension)
        return self._chart(
            equity_groups,
            f"equity-{dimension}",
            f"Reach and outcomes by {label.lower()}, all iCBT programs",
            equity_groups.create_figure(data, self.rules),
            equity_groups.summarise(data, self.rules),
            f"All iCBT programs by {label.lower()}: reach, completion and outcomes",
            equity_groups.table_headers(self.confidence),
            data,
        )

    # Contract v2: patients' experience, care context, barriers ----------------------------

    def delivery_mode_units(self) -> list[Unit]:
        """Each delivery mode of the registry as a reporting unit, in the contract's order."""
        modes = ordered_modes(self.marts.programs()["delivery_mode"].drop_nulls().to_list())
        return [Unit("delivery_mode", mode) for mode in modes]

    def patient_experience(self, unit: Unit = ALL_ICBT) -> Chart:
        data = patient_experience.process_data(self.marts.patient_experience(), unit)
        name = data["unit_name"][0] if data.height else unit.unit_id
        return self._chart(
            patient_experience,
            f"patient-experience-{unit.unit_id}",
            f"What patients say of their care at discharge: {name}",
            patient_experience.create_figure(data),
            patient_experience.summarise(data),
            f"{name}: answers to each Patient Experience Questionnaire item",
            patient_experience.TABLE_HEADERS,
            data,
        )

    def care_modification(self, outcome: OutcomeKey, timepoint: str) -> Chart:
        data = care_modification.process_data(self.marts.care_modification(), outcome, timepoint)
        title = data["outcome_label"][0] if data.height else str(outcome)
        return self._chart(
            care_modification,
            f"care-modification-{outcome}-{timepoint}",
            f"With and without concurrent pain care: {title}",
            care_modification.create_figure(data),
            care_modification.summarise(data),
            f"{title}: difference from in-person CBT per care stratum, and the test "
            "between the strata",
            care_modification.table_headers(self.confidence),
            data,
        )

    def stop_reasons(
        self, unit: Unit = ALL_ICBT, breakdowns: Sequence[str] = tuple(stop_reasons.BREAKDOWNS)
    ) -> Chart:
        data = stop_reasons.process_data(self.marts.stop_reasons(), unit, breakdowns)
        name = data["unit_name"][0] if data.height else unit.unit_id
        return self._chart(
            stop_reasons,
            f"stop-reasons-{unit.unit_id}-{'-'.join(breakdowns)}",
            f"Why patients stop, by group: {name}",
            stop_reasons.create_figure(data),
            stop_reasons.summarise(data),
            f"{name}: reasons for stopping per group, with the funnel stage they left at",
            stop_reasons.TABLE_HEADERS,
            data,
        )

    # Completeness and data quality -------------------------------------------------------

    def data_quality_checks(self) -> Chart:
        data = dq_checks.process_data(self.marts.dq_checks())
        return self._chart(
            dq_checks,
            "dq-checks",
            "Data-quality checks on the deliveries",
            dq_checks.create_figure(data),
            dq_checks.summarise(data),
            "Data-quality checks: share of rows violating each, against its threshold",
            dq_checks.TABLE_HEADERS,
            data,
        )

    def freshness(self) -> Chart:
        data = overview_freshness.process_data(self.marts.overview_freshness())
        return self._chart(
            overview_freshness,
            "freshness",
            "How recent each program's data are",
            overview_freshness.create_figure(data),
            overview_freshness.summarise(data),
            "Last delivery per program against its expected cadence",
            overview_freshness.TABLE_HEADERS,
            data,
        )

    def registry(self, outcome: OutcomeKey) -> Table:
        """The program registry on the Environmental Scan's dimensions, as on Programs,
        with `outcome` as the headline outcome, every program in view."""
        marts = self.marts
        registry = marts.programs()
        view = ViewState(
            outcome,
            tuple(ordered_modes(registry["delivery_mode"].drop_nulls().to_list())),
            tuple(registry["program_id"].to_list()),
        )
        data = program_registry.process_data(
            registry, marts.program_outcomes(), marts.engagement_funnel(), view
        )
        headers = {
            key: text
            for key, text in program_registry.table_headers(self.confidence).items()
            if key in REGISTRY_COLUMNS
        }
        return Table(
            "Programs on the CADTH Environmental Scan's dimensions that the meta-regression "
            "uses, with headline outcome and completion",
            headers,
            program_registry.table_frame(
                data, self.rules, program_registry.shared_topics(registry)
            ).select(list(headers)),
            program_registry.NUMERIC_COLUMNS & set(headers),
        )
