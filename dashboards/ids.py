"""Every component id in the app, in one place.

Callbacks, layouts and browser tests refer to ids through this enum, so a renamed id
breaks at import time instead of silently detaching a callback. Values are unique
(`@unique`): one member per real component. A page's ids start with the page's module
name and a hyphen (`engagement-...`): the sign-in gate (dashboards/auth.py) finds the
page a callback belongs to from its output ids, so a viewer cannot call an analyst-only
page's callbacks. Shell ids start with `shell-` or are the two below.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum, unique

SHELL_PREFIX = "shell"


@unique
class Id(StrEnum):
    # App shell
    MAIN_CONTENT = "main-content"
    WAREHOUSE_STATUS = "warehouse-status"
    DEMO_BANNER = "shell-demo-banner"
    SIGN_OUT = "shell-sign-out"

    # Outcomes page
    OUTCOMES_URL = "outcomes-url"
    OUTCOMES_OUTCOME = "outcomes-outcome"
    OUTCOMES_MODES = "outcomes-modes"
    OUTCOMES_PROGRAMS = "outcomes-programs"
    OUTCOMES_EFFECTIVENESS_LINK = "outcomes-effectiveness-link"
    OUTCOMES_CHANGE_GRAPH = "outcomes-change-graph"
    OUTCOMES_CHANGE_SUMMARY = "outcomes-change-summary"
    OUTCOMES_CHANGE_IMAGE = "outcomes-change-image"
    OUTCOMES_CHANGE_CSV = "outcomes-change-csv"
    OUTCOMES_CHANGE_DOWNLOAD = "outcomes-change-download"
    OUTCOMES_CHANGE_TABLE = "outcomes-change-table"
    OUTCOMES_RESPONDERS_GRAPH = "outcomes-responders-graph"
    OUTCOMES_RESPONDERS_SUMMARY = "outcomes-responders-summary"
    OUTCOMES_RESPONDERS_IMAGE = "outcomes-responders-image"
    OUTCOMES_RESPONDERS_CSV = "outcomes-responders-csv"
    OUTCOMES_RESPONDERS_DOWNLOAD = "outcomes-responders-download"
    OUTCOMES_RESPONDERS_TABLE = "outcomes-responders-table"
    OUTCOMES_TRAJECTORIES_GRAPH = "outcomes-trajectories-graph"
    OUTCOMES_TRAJECTORIES_SUMMARY = "outcomes-trajectories-summary"
    OUTCOMES_TRAJECTORIES_IMAGE = "outcomes-trajectories-image"
    OUTCOMES_TRAJECTORIES_CSV = "outcomes-trajectories-csv"
    OUTCOMES_TRAJECTORIES_DOWNLOAD = "outcomes-trajectories-download"
    OUTCOMES_TRAJECTORIES_TABLE = "outcomes-trajectories-table"

    # Overview page (home)
    OVERVIEW_URL = "overview-url"
    OVERVIEW_TIMEPOINT = "overview-timepoint"
    OVERVIEW_EFFECTIVENESS_LINK = "overview-effectiveness-link"
    OVERVIEW_HEADLINE_CARDS = "overview-headline-cards"
    OVERVIEW_SIGNAL_LINKS = "overview-signal-links"
    OVERVIEW_REVIEW_WAITING = "overview-review-waiting"
    OVERVIEW_BRIEF = "overview-brief"
    OVERVIEW_HEADLINES_GRAPH = "overview-headlines-graph"
    OVERVIEW_HEADLINES_SUMMARY = "overview-headlines-summary"
    OVERVIEW_HEADLINES_IMAGE = "overview-headlines-image"
    OVERVIEW_HEADLINES_CSV = "overview-headlines-csv"
    OVERVIEW_HEADLINES_DOWNLOAD = "overview-headlines-download"
    OVERVIEW_HEADLINES_TABLE = "overview-headlines-table"
    OVERVIEW_VERDICTS_GRAPH = "overview-verdicts-graph"
    OVERVIEW_VERDICTS_SUMMARY = "overview-verdicts-summary"
    OVERVIEW_VERDICTS_IMAGE = "overview-verdicts-image"
    OVERVIEW_VERDICTS_CSV = "overview-verdicts-csv"
    OVERVIEW_VERDICTS_DOWNLOAD = "overview-verdicts-download"
    OVERVIEW_VERDICTS_TABLE = "overview-verdicts-table"
    OVERVIEW_SIGNALS_GRAPH = "overview-signals-graph"
    OVERVIEW_SIGNALS_SUMMARY = "overview-signals-summary"
    OVERVIEW_SIGNALS_IMAGE = "overview-signals-image"
    OVERVIEW_SIGNALS_CSV = "overview-signals-csv"
    OVERVIEW_SIGNALS_DOWNLOAD = "overview-signals-download"
    OVERVIEW_SIGNALS_TABLE = "overview-signals-table"
    OVERVIEW_FRESHNESS_GRAPH = "overview-freshness-graph"
    OVERVIEW_FRESHNESS_SUMMARY = "overview-freshness-summary"
    OVERVIEW_FRESHNESS_IMAGE = "overview-freshness-image"
    OVERVIEW_FRESHNESS_CSV = "overview-freshness-csv"
    OVERVIEW_FRESHNESS_DOWNLOAD = "overview-freshness-download"
    OVERVIEW_FRESHNESS_TABLE = "overview-freshness-table"

    # Effectiveness page
    EFFECTIVENESS_URL = "effectiveness-url"
    EFFECTIVENESS_OUTCOME = "effectiveness-outcome"
    EFFECTIVENESS_TIMEPOINT = "effectiveness-timepoint"
    EFFECTIVENESS_MODES = "effectiveness-modes"
    EFFECTIVENESS_PROGRAMS = "effectiveness-programs"
    EFFECTIVENESS_OUTCOMES_LINK = "effectiveness-outcomes-link"
    EFFECTIVENESS_FOREST_GRAPH = "effectiveness-forest-graph"
    EFFECTIVENESS_FOREST_SUMMARY = "effectiveness-forest-summary"
    EFFECTIVENESS_FOREST_IMAGE = "effectiveness-forest-image"
    EFFECTIVENESS_FOREST_CSV = "effectiveness-forest-csv"
    EFFECTIVENESS_FOREST_DOWNLOAD = "effectiveness-forest-download"
    EFFECTIVENESS_FOREST_TABLE = "effectiveness-forest-table"
    EFFECTIVENESS_POOLED_GRAPH = "effectiveness-pooled-graph"
    EFFECTIVENESS_POOLED_SUMMARY = "effectiveness-pooled-summary"
    EFFECTIVENESS_POOLED_IMAGE = "effectiveness-pooled-image"
    EFFECTIVENESS_POOLED_CSV = "effectiveness-pooled-csv"
    EFFECTIVENESS_POOLED_DOWNLOAD = "effectiveness-pooled-download"
    EFFECTIVENESS_POOLED_TABLE = "effectiveness-pooled-table"
    EFFECTIVENESS_BENCHMARKS_GRAPH = "effectiveness-benchmarks-graph"
    EFFECTIVENESS_BENCHMARKS_SUMMARY = "effectiveness-benchmarks-summary"
    EFFECTIVENESS_BENCHMARKS_IMAGE = "effectiveness-benchmarks-image"
    EFFECTIVENESS_BENCHMARKS_CSV = "effectiveness-benchmarks-csv"
    EFFECTIVENESS_BENCHMARKS_DOWNLOAD = "effectiveness-benchmarks-download"
    EFFECTIVENESS_BENCHMARKS_TABLE = "effectiveness-benchmarks-table"
    EFFECTIVENESS_CERTAINTY_GRAPH = "effectiveness-certainty-graph"
    EFFECTIVENESS_CERTAINTY_SUMMARY = "effectiveness-certainty-summary"
    EFFECTIVENESS_CERTAINTY_IMAGE = "effectiveness-certainty-image"
    EFFECTIVENESS_CERTAINTY_CSV = "effectiveness-certainty-csv"
    EFFECTIVENESS_CERTAINTY_DOWNLOAD = "effectiveness-certainty-download"
    EFFECTIVENESS_CERTAINTY_TABLE = "effectiveness-certainty-table"
    EFFECTIVENESS_MODERATORS_GRAPH = "effectiveness-moderators-graph"
    EFFECTIVENESS_MODERATORS_SUMMARY = "effectiveness-moderators-summary"
    EFFECTIVENESS_MODERATORS_IMAGE = "effectiveness-moderators-image"
    EFFECTIVENESS_MODERATORS_CSV = "effectiveness-moderators-csv"
    EFFECTIVENESS_MODERATORS_DOWNLOAD = "effectiveness-moderators-download"
    EFFECTIVENESS_MODERATORS_TABLE = "effectiveness-moderators-table"
    EFFECTIVENESS_CARE_GRAPH = "effectiveness-care-graph"
    EFFECTIVENESS_CARE_SUMMARY = "effectiveness-care-summary"
    EFFECTIVENESS_CARE_IMAGE = "effectiveness-care-image"
    EFFECTIVENESS_CARE_CSV = "effectiveness-care-csv"
    EFFECTIVENESS_CARE_DOWNLOAD = "effectiveness-care-download"
    EFFECTIVENESS_CARE_TABLE = "effectiveness-care-table"

    # Engagement page
    ENGAGEMENT_URL = "engagement-url"
    ENGAGEMENT_UNIT = "engagement-unit"
    ENGAGEMENT_PERIOD = "engagement-period"
    ENGAGEMENT_PERIOD_NOTE = "engagement-period-note"
    ENGAGEMENT_OUTCOME = "engagement-outcome"
    ENGAGEMENT_FUNNEL_GRAPH = "engagement-funnel-graph"
    ENGAGEMENT_FUNNEL_SUMMARY = "engagement-funnel-summary"
    ENGAGEMENT_FUNNEL_IMAGE = "engagement-funnel-image"
    ENGAGEMENT_FUNNEL_CSV = "engagement-funnel-csv"
    ENGAGEMENT_FUNNEL_DOWNLOAD = "engagement-funnel-download"
    ENGAGEMENT_FUNNEL_TABLE = "engagement-funnel-table"
    ENGAGEMENT_DROPOUT_GRAPH = "engagement-dropout-graph"
    ENGAGEMENT_DROPOUT_SUMMARY = "engagement-dropout-summary"
    ENGAGEMENT_DROPOUT_IMAGE = "engagement-dropout-image"
    ENGAGEMENT_DROPOUT_CSV = "engagement-dropout-csv"
    ENGAGEMENT_DROPOUT_DOWNLOAD = "engagement-dropout-download"
    ENGAGEMENT_DROPOUT_TABLE = "engagement-dropout-table"
    ENGAGEMENT_THERAPIST_GRAPH = "engagement-therapist-graph"
    ENGAGEMENT_THERAPIST_SUMMARY = "engagement-therapist-summary"
    ENGAGEMENT_THERAPIST_IMAGE = "engagement-therapist-image"
    ENGAGEMENT_THERAPIST_CSV = "engagement-therapist-csv"
    ENGAGEMENT_THERAPIST_DOWNLOAD = "engagement-therapist-download"
    ENGAGEMENT_THERAPIST_TABLE = "engagement-therapist-table"
    ENGAGEMENT_WAITS_GRAPH = "engagement-waits-graph"
    ENGAGEMENT_WAITS_SUMMARY = "engagement-waits-summary"
    ENGAGEMENT_WAITS_IMAGE = "engagement-waits-image"
    ENGAGEMENT_WAITS_CSV = "engagement-waits-csv"
    ENGAGEMENT_WAITS_DOWNLOAD = "engagement-waits-download"
    ENGAGEMENT_WAITS_TABLE = "engagement-waits-table"
    ENGAGEMENT_DOSE_GRAPH = "engagement-dose-graph"
    ENGAGEMENT_DOSE_SUMMARY = "engagement-dose-summary"
    ENGAGEMENT_DOSE_IMAGE = "engagement-dose-image"
    ENGAGEMENT_DOSE_CSV = "engagement-dose-csv"
    ENGAGEMENT_DOSE_DOWNLOAD = "engagement-dose-download"
    ENGAGEMENT_DOSE_TABLE = "engagement-dose-table"
    ENGAGEMENT_REASONS_GRAPH = "engagement-reasons-graph"
    ENGAGEMENT_REASONS_SUMMARY = "engagement-reasons-summary"
    ENGAGEMENT_REASONS_IMAGE = "engagement-reasons-image"
    ENGAGEMENT_REASONS_CSV = "engagement-reasons-csv"
    ENGAGEMENT_REASONS_DOWNLOAD = "engagement-reasons-download"
    ENGAGEMENT_REASONS_TABLE = "engagement-reasons-table"
    ENGAGEMENT_EXPERIENCE_GRAPH = "engagement-experience-graph"
    ENGAGEMENT_EXPERIENCE_SUMMARY = "engagement-experience-summary"
    ENGAGEMENT_EXPERIENCE_IMAGE = "engagement-experience-image"
    ENGAGEMENT_EXPERIENCE_CSV = "engagement-experience-csv"
    ENGAGEMENT_EXPERIENCE_DOWNLOAD = "engagement-experience-download"
    ENGAGEMENT_EXPERIENCE_TABLE = "engagement-experience-table"

    # Programs page
    PROGRAMS_URL = "programs-url"
    PROGRAMS_OUTCOME = "programs-outcome"
    PROGRAMS_MODES = "programs-modes"
    PROGRAMS_PROGRAMS = "programs-programs"
    PROGRAMS_REGISTRY_GRAPH = "programs-registry-graph"
    PROGRAMS_REGISTRY_SUMMARY = "programs-registry-summary"
    PROGRAMS_REGISTRY_IMAGE = "programs-registry-image"
    PROGRAMS_REGISTRY_CSV = "programs-registry-csv"
    PROGRAMS_REGISTRY_DOWNLOAD = "programs-registry-download"
    PROGRAMS_REGISTRY_TABLE = "programs-registry-table"

    # Equity page
    EQUITY_URL = "equity-url"
    EQUITY_UNIT = "equity-unit"
    EQUITY_DIMENSION = "equity-dimension"
    EQUITY_GROUPS_GRAPH = "equity-groups-graph"
    EQUITY_GROUPS_SUMMARY = "equity-groups-summary"
    EQUITY_GROUPS_IMAGE = "equity-groups-image"
    EQUITY_GROUPS_CSV = "equity-groups-csv"
    EQUITY_GROUPS_DOWNLOAD = "equity-groups-download"
    EQUITY_GROUPS_TABLE = "equity-groups-table"
    EQUITY_BARRIERS_GRAPH = "equity-barriers-graph"
    EQUITY_BARRIERS_SUMMARY = "equity-barriers-summary"
    EQUITY_BARRIERS_IMAGE = "equity-barriers-image"
    EQUITY_BARRIERS_CSV = "equity-barriers-csv"
    EQUITY_BARRIERS_DOWNLOAD = "equity-barriers-download"
    EQUITY_BARRIERS_TABLE = "equity-barriers-table"

    # Safety page
    SAFETY_URL = "safety-url"
    SAFETY_INDICATOR = "safety-indicator"
    SAFETY_MODES = "safety-modes"
    SAFETY_PROGRAMS = "safety-programs"
    SAFETY_WINDOW = "safety-window"
    SAFETY_UNIT_NOTE = "safety-unit-note"
    SAFETY_REGISTER_GRAPH = "safety-register-graph"
    SAFETY_REGISTER_SUMMARY = "safety-register-summary"
    SAFETY_REGISTER_IMAGE = "safety-register-image"
    SAFETY_REGISTER_CSV = "safety-register-csv"
    SAFETY_REGISTER_DOWNLOAD = "safety-register-download"
    SAFETY_REGISTER_TABLE = "safety-register-table"
    SAFETY_FUNNEL_GRAPH = "safety-funnel-graph"
    SAFETY_FUNNEL_SUMMARY = "safety-funnel-summary"
    SAFETY_FUNNEL_IMAGE = "safety-funnel-image"
    SAFETY_FUNNEL_CSV = "safety-funnel-csv"
    SAFETY_FUNNEL_DOWNLOAD = "safety-funnel-download"
    SAFETY_FUNNEL_TABLE = "safety-funnel-table"
    SAFETY_RATES_GRAPH = "safety-rates-graph"
    SAFETY_RATES_SUMMARY = "safety-rates-summary"
    SAFETY_RATES_IMAGE = "safety-rates-image"
    SAFETY_RATES_CSV = "safety-rates-csv"
    SAFETY_RATES_DOWNLOAD = "safety-rates-download"
    SAFETY_RATES_TABLE = "safety-rates-table"
    SAFETY_CUSUM_GRAPH = "safety-cusum-graph"
    SAFETY_CUSUM_SUMMARY = "safety-cusum-summary"
    SAFETY_CUSUM_IMAGE = "safety-cusum-image"
    SAFETY_CUSUM_CSV = "safety-cusum-csv"
    SAFETY_CUSUM_DOWNLOAD = "safety-cusum-download"
    SAFETY_CUSUM_TABLE = "safety-cusum-table"
    SAFETY_EVENTS_GRAPH = "safety-events-graph"
    SAFETY_EVENTS_SUMMARY = "safety-events-summary"
    SAFETY_EVENTS_IMAGE = "safety-events-image"
    SAFETY_EVENTS_CSV = "safety-events-csv"
    SAFETY_EVENTS_DOWNLOAD = "safety-events-download"
    SAFETY_EVENTS_TABLE = "safety-events-table"
    SAFETY_FOLLOW_UP_GRAPH = "safety-follow-up-graph"
    SAFETY_FOLLOW_UP_SUMMARY = "safety-follow-up-summary"
    SAFETY_FOLLOW_UP_IMAGE = "safety-follow-up-image"
    SAFETY_FOLLOW_UP_CSV = "safety-follow-up-csv"
    SAFETY_FOLLOW_UP_DOWNLOAD = "safety-follow-up-download"
    SAFETY_FOLLOW_UP_TABLE = "safety-follow-up-table"
    SAFETY_REVIEW_QUEUE = "safety-review-queue"
    SAFETY_REVIEW_VERSIONS = "safety-review-versions"
    SAFETY_REVIEW_ITEM = "safety-review-item"
    SAFETY_REVIEW_STATE = "safety-review-state"
    SAFETY_REVIEW_ASSIGNEE = "safety-review-assignee"
    SAFETY_REVIEW_RATIONALE = "safety-review-rationale"
    SAFETY_REVIEW_ACTION = "safety-review-action"
    SAFETY_REVIEW_SAVE = "safety-review-save"
    SAFETY_REVIEW_MESSAGE = "safety-review-message"

    # Confirmed risks page (published: what viewers see of the safety review)
    RISKS_TABLE = "risks-table"

    # Data quality page (module data_quality: ids start with its name)
    DATA_QUALITY_URL = "data_quality-url"
    DATA_QUALITY_MODES = "data_quality-modes"
    DATA_QUALITY_PROGRAMS = "data_quality-programs"
    DATA_QUALITY_BATCH = "data_quality-batch"
    DATA_QUALITY_REPORTS = "data_quality-reports"
    DATA_QUALITY_DELIVERIES_GRAPH = "data_quality-deliveries-graph"
    DATA_QUALITY_DELIVERIES_SUMMARY = "data_quality-deliveries-summary"
    DATA_QUALITY_DELIVERIES_IMAGE = "data_quality-deliveries-image"
    DATA_QUALITY_DELIVERIES_CSV = "data_quality-deliveries-csv"
    DATA_QUALITY_DELIVERIES_DOWNLOAD = "data_quality-deliveries-download"
    DATA_QUALITY_DELIVERIES_TABLE = "data_quality-deliveries-table"
    DATA_QUALITY_QUARANTINE_GRAPH = "data_quality-quarantine-graph"
    DATA_QUALITY_QUARANTINE_SUMMARY = "data_quality-quarantine-summary"
    DATA_QUALITY_QUARANTINE_IMAGE = "data_quality-quarantine-image"
    DATA_QUALITY_QUARANTINE_CSV = "data_quality-quarantine-csv"
    DATA_QUALITY_QUARANTINE_DOWNLOAD = "data_quality-quarantine-download"
    DATA_QUALITY_QUARANTINE_TABLE = "data_quality-quarantine-table"
    DATA_QUALITY_CHECKS_GRAPH = "data_quality-checks-graph"
    DATA_QUALITY_CHECKS_SUMMARY = "data_quality-checks-summary"
    DATA_QUALITY_CHECKS_IMAGE = "data_quality-checks-image"
    DATA_QUALITY_CHECKS_CSV = "data_quality-checks-csv"
    DATA_QUALITY_CHECKS_DOWNLOAD = "data_quality-checks-download"
    DATA_QUALITY_CHECKS_TABLE = "data_quality-checks-table"
    DATA_QUALITY_FRESHNESS_GRAPH = "data_quality-freshness-graph"
    DATA_QUALITY_FRESHNESS_SUMMARY = "data_quality-freshness-summary"
    DATA_QUALITY_FRESHNESS_IMAGE = "data_quality-freshness-image"
    DATA_QUALITY_FRESHNESS_CSV = "data_quality-freshness-csv"
    DATA_QUALITY_FRESHNESS_DOWNLOAD = "data_quality-freshness-download"
    DATA_QUALITY_FRESHNESS_TABLE = "data_quality-freshness-table"
    DATA_QUALITY_DRIFT_GRAPH = "data_quality-drift-graph"
    DATA_QUALITY_DRIFT_SUMMARY = "data_quality-drift-summary"
    DATA_QUALITY_DRIFT_IMAGE = "data_quality-drift-image"
    DATA_QUALITY_DRIFT_CSV = "data_quality-drift-csv"
    DATA_QUALITY_DRIFT_DOWNLOAD = "data_quality-drift-download"
    DATA_QUALITY_DRIFT_TABLE = "data_quality-drift-table"


# Outputs of callbacks that write (the safety review's state change): the sign-in gate
# lets only analysts call them, whatever page they sit on.
ANALYST_ONLY = frozenset(
    {
        Id.SAFETY_REVIEW_QUEUE,
        Id.SAFETY_REVIEW_VERSIONS,
        Id.SAFETY_REVIEW_STATE,
        Id.SAFETY_REVIEW_MESSAGE,
    }
)


def page_of(component_id: str) -> str | None:
    """The page module that owns a component id, or None for shell and unknown ids."""
    prefix, dash, _ = component_id.partition("-")
    if not dash or prefix == SHELL_PREFIX or component_id in (Id.MAIN_CONTENT, Id.WAREHOUSE_STATUS):
        return None
    return prefix


@dataclass(frozen=True)
class ChartIds:
    """The ids of one chart section: graph, text summary, export buttons, table."""

    graph: Id
    summary: Id
    image: Id
    csv: Id
    download: Id
    table: Id

    @classmethod
    def of(cls, prefix: str) -> ChartIds:
        """`ChartIds.of("engagement-funnel")`: the members named `<prefix>-<part>`."""
        return cls(*(Id(f"{prefix}-{part}") for part in CHART_PARTS))


CHART_PARTS = ("graph", "summary", "image", "csv", "download", "table")
