"""Dagster assets that load reference data from the contract and `config/`."""

import dagster as dg

from pipelines.context.tables import experience_items
from pipelines.contract import load_experience, load_instruments
from pipelines.engagement.config import dose_bands_frame, load_engagement_config
from pipelines.metadata import table_metadata
from pipelines.reference.tables import (
    instrument_items,
    scale_items,
    scale_rules,
    timepoint_windows,
)
from pipelines.resources import Warehouse
from pipelines.scoring.config import load_scoring_config
from pipelines.sql import model, write_frame

REFERENCE_BUILDERS = {
    "ref_instrument_items": lambda: instrument_items(load_instruments()),
    "ref_scale_items": lambda: scale_items(load_instruments()),
    "ref_scales": lambda: scale_rules(load_scoring_config()),
    "ref_timepoint_windows": lambda: timepoint_windows(load_scoring_config()),
    "ref_waiting_time_standards": lambda: load_engagement_config().waiting_time_standards,
    "ref_dose_bands": lambda: dose_bands_frame(load_engagement_config()),
    "ref_experience_items": lambda: experience_items(load_experience()),
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            name,
            group_name="reference",
            kinds={"duckdb"},
            description=model("reference", name).description,
        )
        for name in REFERENCE_BUILDERS
    ],
    can_subset=True,
)
def reference_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Reload reference tables from the contract and configuration files."""
    with warehouse.connect() as con:
        for key in context.selected_asset_keys:
            name = key.to_user_string()
            write_frame(con, model("reference", name), REFERENCE_BUILDERS[name]())
            yield dg.MaterializeResult(asset_key=key, metadata=table_metadata(con, name))
