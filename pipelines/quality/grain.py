"""Grain checks: every staging, intermediate, mart and safety table keeps its declared grain.

The grain is declared once, in the opening comment of the table's SQL file, in a form
this module reads:

    -- Grain (program_id, scale, timepoint): one row per program, scale and later ...
    -- Accepted values of timepoint: ref_timepoint_windows.timepoint.
    -- Accepted values of delivery_mode: contract programs.delivery_mode.

The key columns in parentheses must identify one row and never be empty (dbt's `unique`
and `not_null` tests on a compound key), except a column marked `?`, whose empty value is
a value of its own (the contract's optional key fields). A column with accepted values
may hold only the codes of a reference table loaded from config/ (read when the check
runs) or of an enum of the data contract (dbt's `accepted_values`). The checks are generic SQL in
`sql/checks/grain/`, given the table and columns as parameters.

A failed check's evidence is counts, plus a few offending key values for tables whose
key names no person; a key with a pseudonymous patient or episode id is only counted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache

import duckdb

from pipelines.contract import load_contract
from pipelines.sql import SqlModel, load_models, read_sql, run_sql

GRAIN_LAYERS = ("staging", "intermediate", "marts", "safety")
"""SQL folders whose tables carry a grain check."""
GRAIN_PREFIXES = ("staging_", "int_", "mart_", "safety_")
"""Published tables with these prefixes must declare their grain."""
PERSON_KEYS = frozenset({"patient_id", "episode_id"})
"""Pseudonymous ids (pipelines.ingestion.pseudonymise): never shown, only counted."""
SHOWN_EXAMPLES = 5

_GRAIN = re.compile(r"^-- Grain \(([^)]*)\):", re.M)
_ACCEPTED = re.compile(
    r"^-- Accepted values of (\w+): (?:contract (\w+)\.(\w+)|(ref_\w+)\.(\w+))\.$", re.M
)
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*\??$")
OPTIONAL = "?"


class GrainDeclarationError(ValueError):
    """A SQL file's grain or accepted-values line is missing or malformed."""


@dataclass(frozen=True)
class AcceptedValues:
    """Where a column's codes come from: a contract enum or a reference table's column."""

    column: str
    contract_field: tuple[str, str] | None = None
    reference: tuple[str, str] | None = None

    @property
    def source(self) -> str:
        if self.contract_field is not None:
            return "contract {}.{}".format(*self.contract_field)
        return "{}.{}".format(*self.reference)

    def values(self, con: duckdb.DuckDBPyConnection) -> list[str]:
        """The accepted codes: the contract's enum, or what the reference table holds now."""
        if self.contract_field is not None:
            table, field = self.contract_field
            return list(load_contract()[table].field(field).enum)
        table, column = self.reference
        [(accepted,)] = run_sql(
            con,
            read_sql("checks/grain/reference_values.sql"),
            {"table_name": table, "column_name": column},
        ).fetchall()
        return list(accepted)


@dataclass(frozen=True)
class Grain:
    table: str
    key: tuple[str, ...]
    accepted: tuple[AcceptedValues, ...] = ()
    optional: tuple[str, ...] = ()
    """Key columns whose empty value is a value of its own."""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c for c in self.key if c not in self.optional)

    @property
    def names_a_person(self) -> bool:
        return not PERSON_KEYS.isdisjoint(self.key)


def parse_grain(table: str, sql: str) -> Grain:
    """The grain a SQL file declares in its opening comment."""
    opening = "\n".join(_opening_comment(sql))
    found = _GRAIN.findall(opening)
    if len(found) != 1:
        raise GrainDeclarationError(
            f"{table}: the opening comment needs exactly one '-- Grain (key, columns): ...' "
            f"line, found {len(found)}"
        )
    declared = [c.strip() for c in found[0].split(",")]
    key = tuple(c.removesuffix(OPTIONAL) for c in declared)
    if not all(_COLUMN.match(c) for c in declared) or len(set(key)) != len(key):
        raise GrainDeclarationError(f"{table}: malformed grain key {found[0]!r}")
    optional = tuple(c.removesuffix(OPTIONAL) for c in declared if c.endswith(OPTIONAL))
    if len(optional) == len(key):
        raise GrainDeclarationError(f"{table}: every key column may be empty")
    accepted = []
    for column, contract_table, field, ref_table, ref_column in _ACCEPTED.findall(opening):
        if contract_table:
            contract = load_contract().get(contract_table)
            fields = contract.fields if contract else ()
            if not next((f.enum for f in fields if f.name == field), None):
                raise GrainDeclarationError(f"{table}: {contract_table}.{field} has no enum")
            accepted.append(AcceptedValues(column, contract_field=(contract_table, field)))
        else:
            accepted.append(AcceptedValues(column, reference=(ref_table, ref_column)))
    if len(accepted) != opening.count("-- Accepted values of "):
        raise GrainDeclarationError(f"{table}: a malformed '-- Accepted values of' line")
    return Grain(table, key, tuple(accepted), optional)


def _opening_comment(sql: str) -> list[str]:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line)
    return lines


@cache
def grain_models() -> dict[str, SqlModel]:
    """The SQL file of every table that must declare a grain, by table name."""
    return {
        m.name: m
        for layer in GRAIN_LAYERS
        for m in load_models(layer)
        if m.name.startswith(GRAIN_PREFIXES)
    }


@cache
def declared_grain(table: str) -> Grain:
    models = grain_models()
    if table not in models:
        raise GrainDeclarationError(f"{table}: no SQL file declares its grain")
    return parse_grain(table, models[table].sql)


@dataclass(frozen=True)
class ColumnResult:
    column: str
    source: str
    checked_rows: int
    unaccepted_rows: int
    unaccepted_values: tuple[str, ...]


@dataclass(frozen=True)
class GrainResult:
    grain: Grain
    row_count: int
    duplicate_keys: int
    duplicated_rows: int
    null_key_rows: int
    duplicate_examples: tuple[tuple[str, int], ...]
    columns: tuple[ColumnResult, ...]

    @property
    def passed(self) -> bool:
        return (
            self.duplicate_keys == 0
            and self.null_key_rows == 0
            and all(c.unaccepted_rows == 0 for c in self.columns)
        )

    def metadata(self) -> dict[str, object]:
        """What a check evaluation records: counts, and key values only for tables whose
        key names no person. Codes outside the accepted values are codes, not people."""
        metadata: dict[str, object] = {
            "key": ", ".join(self.grain.key),
            "key_may_be_empty": ", ".join(self.grain.optional) or "none",
            "rows": self.row_count,
            "duplicate_keys": self.duplicate_keys,
            "duplicated_rows": self.duplicated_rows,
            "null_key_rows": self.null_key_rows,
        }
        if self.duplicate_examples:
            metadata["duplicate_key_examples"] = [
                {"key": json.loads(key), "rows": n} for key, n in self.duplicate_examples
            ]
        for c in self.columns:
            metadata[f"unaccepted_{c.column}"] = {
                "source": c.source,
                "checked_rows": c.checked_rows,
                "unaccepted_rows": c.unaccepted_rows,
                "unaccepted_values": list(c.unaccepted_values),
            }
        return metadata


def evaluate_grain(con: duckdb.DuckDBPyConnection, grain: Grain) -> GrainResult:
    """Run the generic grain queries on `grain.table` as `con` sees it."""
    params = {"table_name": grain.table, "key": list(grain.key)}
    [(rows, duplicate_keys, duplicated_rows, null_key_rows)] = run_sql(
        con, read_sql("checks/grain/key_summary.sql"), {**params, "required": list(grain.required)}
    ).fetchall()
    examples: list[tuple[str, int]] = []
    if duplicate_keys and not grain.names_a_person:
        examples = run_sql(
            con, read_sql("checks/grain/duplicate_keys.sql"), {**params, "limit": SHOWN_EXAMPLES}
        ).fetchall()
    columns = []
    for accepted in grain.accepted:
        [(checked, unaccepted, values)] = run_sql(
            con,
            read_sql("checks/grain/accepted_values.sql"),
            {
                "table_name": grain.table,
                "column_name": accepted.column,
                "accepted": accepted.values(con),
                "limit": SHOWN_EXAMPLES,
            },
        ).fetchall()
        columns.append(
            ColumnResult(accepted.column, accepted.source, checked, unaccepted, tuple(values))
        )
    return GrainResult(
        grain=grain,
        row_count=rows,
        duplicate_keys=duplicate_keys,
        duplicated_rows=duplicated_rows,
        null_key_rows=null_key_rows,
        duplicate_examples=tuple(examples),
        columns=tuple(columns),
    )
