"""Dagster assets that load reference data from the contract and `config/`."""

from __future__ import annotations

import dagster as dg

from pipelines.contract import load_instruments
from pipelines.metadata import table_metadata
from pipelines.reference.tables import instrument_items, scale_items
from pipelines.resources import Warehouse
from pipelines.sql import model, write_frame

REFERENCE_BUILDERS = {
    "ref_instrument_items": lambda: instrument_items(load_instruments()),
    "ref_scale_items": lambda: scale_items(load_instruments()),
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
