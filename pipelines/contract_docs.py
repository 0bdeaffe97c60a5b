"""Render the contract's field tables as Markdown for docs/data-contract.md.

The JSON schemas are the source of truth; `icbt contract-docs` rewrites the generated
part of the document and a test fails if it drifts.
"""

from __future__ import annotations

from pipelines.contract import load_contract, load_instruments

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


def render_field_tables() -> str:
    blocks = []
    for table in load_contract().values():
        lines = [
            f"### `{table.name}`: {table.title}",
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
        blocks.append("\n".join(lines))
    instruments = [
        "### Instruments (`instruments.json`)",
        "",
        "| code | instrument | items | answer range | scales (items) | source |",
        "|---|---|---|---|---|---|",
    ]
    for spec in load_instruments().values():
        scales = "; ".join(
            f"{name} ({', '.join(map(str, items))})" for name, items in spec.subscales.items()
        )
        answer_range = f"{spec.item_min}..{spec.item_max}"
        instruments.append(
            _row(f"`{spec.code}`", spec.title, spec.n_items, answer_range, scales, spec.source)
        )
    blocks.append("\n".join(instruments))
    return "\n\n".join([BEGIN, *blocks, END])


def replace_generated(document: str) -> str:
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + render_field_tables() + tail
