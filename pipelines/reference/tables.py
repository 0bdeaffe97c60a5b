"""Reference tables: the contract's instrument structure as rows researchers can join."""

from __future__ import annotations

import polars as pl

from pipelines.contract import InstrumentSpec


def instrument_items(instruments: dict[str, InstrumentSpec]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "instrument": spec.code,
                "instrument_title": spec.title,
                "item_number": number,
                "item_label": label,
                "item_min": spec.item_min,
                "item_max": spec.item_max,
                "source": spec.source,
            }
            for spec in instruments.values()
            for number, label in enumerate(spec.item_labels, start=1)
        ]
    )


def scale_items(instruments: dict[str, InstrumentSpec]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"instrument": spec.code, "scale": scale, "item_number": item}
            for spec in instruments.values()
            for scale, items in spec.subscales.items()
            for item in items
        ]
    )
