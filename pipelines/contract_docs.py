"""Render the contract's field tables as Markdown for docs/data-contract.md.

The JSON schemas are the source of truth; `icbt contract-docs` rewrites the generated
part of the document and a test fails if it drifts.
"""

from __future__ import annotations

from pipelines.contract import (
    CONTRACT_VERSIONS,
    TableContract,
    contract_dir,
    load_contract,
    load_experience,
    load_instruments,
)

BEGIN = "<!-- BEGIN GENERATED FIELD TABLES (icbt contract-docs) -->"
END = "<!-- END GENERATED FIELD TABLES -->"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _rule(field) -> str:
    parts = []
    if field.enum:
        parts.append("one of " + ", ".join(f"`{v}`" for v in field.enum))
    if field.minimum is not None or field.maximum is not None:
        parts.append(f"{_bound(field.minimum)}..{_bound(field.maximum)}")
    if field.pattern:
        parts.append(
            f"pattern `{field.pattern}`" if len(field.pattern) < 40 else "see schema pattern"
        )
    if field.max_length:
        parts.append(f"at most {field.max_length} characters")
    return "; ".join(parts)


def _table_block(table: TableContract, heading: str) -> str:
    lines = [
        f"{heading} `{table.name}`: {table.title}",
        "",
        table.description,
        "",
        f"Primary key: {', '.join(f'`{c}`' for c in table.primary_key)}.",
        "",
        "| field | type | required | allowed values | meaning |",
        "|---|---|---|---|---|",
    ]
    lines += [
        _row(f"`{f.name}`", f.type, "yes" if f.required else "no", _rule(f), f.description)
        for f in table.fields
    ]
    return "\n".join(lines)


def _instruments_block(version: str) -> str:
    lines = [
        f"#### Instruments (`contracts/{version}/instruments.json`)",
        "",
        "| code | instrument | items | answer range | scales (items) | source |",
        "|---|---|---|---|---|---|",
    ]
    for spec in load_instruments(version).values():
        scales = "; ".join(
            f"{name} ({', '.join(map(str, items))})" for name, items in spec.subscales.items()
        )
        answer_range = f"{spec.item_min}..{spec.item_max}"
        lines.append(
            _row(f"`{spec.code}`", spec.title, spec.n_items, answer_range, scales, spec.source)
        )
    return "\n".join(lines)


def _experience_block(version: str) -> str:
    spec = load_experience(version)
    answers = ", ".join(f"{code} {label}" for code, label in enumerate(spec.answer_labels))
    lines = [
        f"#### Patient experience questionnaire (`contracts/{version}/experience.json`)",
        "",
        f"`{spec.code}`: {spec.title}. Answer codes {answers}. Source [{spec.certainty}]: "
        f"{spec.source}",
        "",
        "| item | descriptor |",
        "|---|---|",
    ]
    lines += [_row(n, label) for n, label in enumerate(spec.item_labels, start=1)]
    return "\n".join(lines)


def render_field_tables() -> str:
    """Every version's tables: v1 in full, then each later version's new or changed tables
    in full and its unchanged ones by name."""
    blocks = [BEGIN]
    previous: dict[str, TableContract] = {}
    previous_instruments = None
    for version in CONTRACT_VERSIONS:
        tables = load_contract(version)
        blocks.append(f"### Contract {version}")
        same = [name for name, table in tables.items() if previous.get(name) == table]
        if same:
            names = ", ".join(f"`{name}`" for name in same)
            blocks.append(f"Unchanged from the previous version: {names}.")
        blocks += [_table_block(t, "####") for n, t in tables.items() if previous.get(n) != t]
        instruments = load_instruments(version)
        if instruments != previous_instruments:
            blocks.append(_instruments_block(version))
        else:
            blocks.append("Instruments (`instruments.json`): unchanged.")
        if (contract_dir(version) / "experience.json").exists():
            blocks.append(_experience_block(version))
        previous, previous_instruments = tables, instruments
    blocks.append(END)
    return "\n\n".join(blocks)


def replace_generated(document: str) -> str:
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + render_field_tables() + tail
