"""How work is partitioned: by program, and within a program by delivery month.

A program's deliveries are independent of every other program's, so its partitions can
run in parallel processes (or pods) that write disjoint folders of the lake. Within a
program, batches load in month order, because a batch's rows refer to episodes that
earlier batches delivered: one run takes a program's months as a range, in order.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import dagster as dg

from pipelines.ingestion.rules import load_rules

PROGRAM = "program"
BATCH = "batch"
BATCH_FORMAT = "%Y-%m"
NATIONAL_WRITER_TAG = {"icbt/writer": "national_duckdb"}
"""Carried by every run that writes the national DuckDB file; run queues limit it to one."""

program_partitions = dg.DynamicPartitionsDefinition(name=PROGRAM)
batch_partitions = dg.MonthlyPartitionsDefinition(
    start_date=load_rules().earliest_plausible_date.strftime(BATCH_FORMAT),
    fmt=BATCH_FORMAT,
    end_offset=1,
)
delivery_partitions = dg.MultiPartitionsDefinition(
    {PROGRAM: program_partitions, BATCH: batch_partitions}
)
with warnings.catch_warnings():
    # Beta in Dagster 1.13 but the documented way to map month partitions to a program.
    warnings.simplefilter("ignore", dg.BetaWarning)
    by_program = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name=PROGRAM)


def delivery_key(program_id: str, batch_id: str) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({PROGRAM: program_id, BATCH: batch_id})


def split_delivery_keys(keys: Iterable[str]) -> tuple[str, list[str]]:
    """(program, its batches in month order) of the delivery partitions one run covers."""
    parsed = [
        key
        if isinstance(key, dg.MultiPartitionKey)
        else delivery_partitions.get_partition_key_from_str(key)
        for key in keys
    ]
    programs = {key.keys_by_dimension[PROGRAM] for key in parsed}
    if len(programs) != 1:
        raise ValueError(
            f"one run loads one program's deliveries; this one names {sorted(programs)}"
        )
    return programs.pop(), sorted(key.keys_by_dimension[BATCH] for key in parsed)


def batch_ranges(batches: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive runs of months as (first, last): one Dagster run each."""
    months = sorted(set(batches))
    ranges: list[tuple[str, str]] = []
    for month in months:
        if ranges and _next_month(ranges[-1][1]) == month:
            ranges[-1] = (ranges[-1][0], month)
        else:
            ranges.append((month, month))
    return ranges


def _next_month(month: str) -> str:
    year, number = (int(part) for part in month.split("-"))
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def range_tags(program_id: str, first: str, last: str) -> dict[str, str]:
    """Run tags that make one run cover a program's months `first` to `last`."""
    return {
        "dagster/asset_partition_range_start": str(delivery_key(program_id, first)),
        "dagster/asset_partition_range_end": str(delivery_key(program_id, last)),
    }
