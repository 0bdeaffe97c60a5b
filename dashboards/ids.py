"""Every component id in the app, in one place.

Callbacks, layouts and browser tests refer to ids through this enum, so a renamed id
breaks at import time instead of silently detaching a callback. Values are unique
(`@unique`): one member per real component, named after the page that owns it.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class Id(StrEnum):
    # App shell
    MAIN_CONTENT = "main-content"
    WAREHOUSE_STATUS = "warehouse-status"

    # Outcomes page
    OUTCOMES_URL = "outcomes-url"
    OUTCOME_SELECT = "outcomes-outcome-select"
    MODE_FILTER = "outcomes-mode-filter"
    PROGRAM_FILTER = "outcomes-program-filter"
    PROGRAM_CHANGE_GRAPH = "outcomes-program-change-graph"
    PROGRAM_CHANGE_SUMMARY = "outcomes-program-change-summary"
    OUTCOMES_IMAGE_BUTTON = "outcomes-image-button"
    OUTCOMES_TABLE = "outcomes-table"
    OUTCOMES_DOWNLOAD_BUTTON = "outcomes-download-button"
    OUTCOMES_DOWNLOAD = "outcomes-download"
