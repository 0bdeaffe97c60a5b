"""FHIR R4 QuestionnaireResponse NDJSON (Bulk Data export) in and out of `prom_responses`.

A program whose platform exports FHIR delivers `QuestionnaireResponse.ndjson` in place
of `prom_responses.<ext>`: one resource per line. Each answered or skipped item becomes
one `prom_responses` row:

- instrument: from `questionnaire`, a LOINC panel (PHQ-9 44249-1, GAD-7 69737-5, PEG
  91148-7, e.g. `http://loinc.org/q/44249-1`) or, for instruments without a usable
  LOINC form, the local canonical `urn:icbt-observatory:fhir:Questionnaire:<CODE>`;
- item_number: from `item.linkId`, the LOINC item code for LOINC panels, otherwise a
  code of the local code system `urn:icbt-observatory:fhir:CodeSystem:instrument-item`
  (`<CODE>-<n>`, e.g. `BPI_SF-5`); the bare item number is accepted for both;
- value: `valueInteger`, an integral `valueDecimal`, or a `valueCoding` (the LOINC
  PHQ/GAD answer list LA6568-5..LA6571-9 = 0..3, or an `ordinalValue`/`itemWeight`
  extension); no answer means the item was skipped;
- administered_date: the date part of `authored`;
- episode_key: the standard extension
  `http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare`, a reference
  `EpisodeOfCare/<episode_key>` or an identifier whose value is the episode key.

Only `completed` and `amended` responses load; others are quarantined with their
status. Derived scores (PHQ-9 total 44261-6, GAD-7 total 70274-6, PEG mean 91147-9) are
skipped: the pipeline scores items itself. A resource that carries a direct identifier
(a contained or Patient resource, a display name, a subject identifier, a free-text
answer, a narrative) refuses the whole file, as any identifier column does.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl

from pipelines.contract import load_instruments
from pipelines.ingestion.frames import READER_FIELD, READER_REASON, SOURCE_ROW
from pipelines.ingestion.identifiers import IdentifierRefusedError

LOINC = "http://loinc.org"
LOCAL_QUESTIONNAIRE = "urn:icbt-observatory:fhir:Questionnaire:"
EPISODE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare"
ORDINAL_EXTENSIONS = (
    "http://hl7.org/fhir/StructureDefinition/ordinalValue",
    "http://hl7.org/fhir/StructureDefinition/itemWeight",
)
LOADED_STATUSES = ("completed", "amended")
COLUMNS = ("episode_key", "instrument", "administered_date", "item_number", "value")

LOINC_PANELS = {"44249-1": "PHQ9", "69737-5": "GAD7", "91148-7": "PEG"}
LOINC_ITEMS: dict[str, tuple[str, ...]] = {
    # PHQ-9 items 1-9 (the panel's order; item 9 is 44260-8).
    "PHQ9": (
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ),
    # GAD-7 items 1-7, as in the HL7 Personal Health Record IG example.
    "GAD7": ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"),
    # PEG: average pain, interference with enjoyment of life, with general activity.
    "PEG": ("75893-8", "91145-3", "91146-1"),
}
LOINC_SCORES = frozenset({"44261-6", "70274-6", "91147-9"})
# LOINC answer list shared by PHQ-9 and GAD-7 items.
LOINC_ANSWERS = {"LA6568-5": 0, "LA6569-3": 1, "LA6570-1": 2, "LA6571-9": 3}
_LOINC_CODE = re.compile(r"(?:LA)?\d{1,7}-\d")
_LOCAL_CODE = re.compile(r"([A-Z][A-Z0-9_]{1,15})-\d{1,2}")
_FHIR_CODES = frozenset(
    {
        # QuestionnaireResponse.status (FHIR R4 value set).
        *("in-progress", "completed", "amended", "entered-in-error", "stopped"),
        # Resource types an export may hold besides QuestionnaireResponse.
        *("Observation", "Bundle", "Encounter", "Condition", "Questionnaire"),
        *("EpisodeOfCare", "OperationOutcome", "Practitioner", "Organization", "Binary"),
    }
)


def _canonical_instrument(questionnaire: object) -> str | None:
    if not isinstance(questionnaire, str):
        return None
    url = questionnaire.split("|", 1)[0]
    if url.startswith(LOCAL_QUESTIONNAIRE):
        code = url.removeprefix(LOCAL_QUESTIONNAIRE)
        return code if code in load_instruments() else None
    return LOINC_PANELS.get(re.split(r"[/:]", url)[-1])


def _item_number(instrument: str, link_id: object) -> int | None:
    if not isinstance(link_id, str):
        return None
    if link_id in LOINC_ITEMS.get(instrument, ()):
        return LOINC_ITEMS[instrument].index(link_id) + 1
    number = link_id.removeprefix(f"{instrument}-")
    return int(number) if number.isdigit() else None


def _shown(value: object) -> str:
    """A code as a message may quote it: only codes that cannot identify anyone (LOINC
    codes, the local item codes, FHIR status codes and resource types); anything else,
    such as a name where a code belongs, is not shown."""
    text = str(value)
    local = _LOCAL_CODE.fullmatch(text)
    known = (
        text in _FHIR_CODES
        or _LOINC_CODE.fullmatch(text) is not None
        or (local is not None and local.group(1) in load_instruments())
    )
    return f"'{text}'" if known else "(not shown)"


def _episode_key(resource: dict) -> str | None:
    for extension in resource.get("extension") or []:
        if isinstance(extension, dict) and extension.get("url") == EPISODE_EXTENSION:
            ref = extension.get("valueReference") or {}
            reference = ref.get("reference")
            if isinstance(reference, str) and reference.startswith("EpisodeOfCare/"):
                return reference.removeprefix("EpisodeOfCare/")
            identifier = ref.get("identifier") or {}
            if isinstance(identifier.get("value"), str):
                return identifier["value"]
    return None


def _leaf_items(items: object) -> Iterator[dict]:
    """Items that carry answers, through groups and items nested under answers."""
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        children = item.get("item")
        nested = [a.get("item") for a in item.get("answer") or [] if isinstance(a, dict)]
        if children:
            yield from _leaf_items(children)
        elif "linkId" in item:
            yield item
        for answers in nested:
            yield from _leaf_items(answers)


def _answer_value(answer: dict) -> tuple[int | None, str | None]:
    """The integer an answer stands for, or a reason it has none."""
    if "valueInteger" in answer and isinstance(answer["valueInteger"], int):
        return answer["valueInteger"], None
    decimal = answer.get("valueDecimal")
    if isinstance(decimal, int | float) and float(decimal).is_integer():
        return int(decimal), None
    coding = answer.get("valueCoding")
    if isinstance(coding, dict):
        code = coding.get("code")
        if code in LOINC_ANSWERS and coding.get("system", LOINC) == LOINC:
            return LOINC_ANSWERS[code], None
        for extension in coding.get("extension") or []:
            if isinstance(extension, dict) and extension.get("url") in ORDINAL_EXTENSIONS:
                weight = extension.get("valueDecimal", extension.get("valueInteger"))
                if isinstance(weight, int | float) and float(weight).is_integer():
                    return int(weight), None
        if isinstance(code, str) and code.isdigit():
            return int(code), None
        return None, f"answer code {_shown(code)} has no numeric value"
    return None, "the answer is not an integer, a decimal or a coding"


def _identifier_path(resource: dict) -> str | None:
    """The first element of a resource that would carry a direct identifier."""
    if resource.get("contained"):
        return "contained (embedded resources, such as a Patient)"
    for element in ("subject", "author", "source"):
        ref = resource.get(element)
        if isinstance(ref, dict) and ref.get("display"):
            return f"{element}.display (a person's name)"
        if element == "subject" and isinstance(ref, dict) and ref.get("identifier"):
            return "subject.identifier (a patient identifier such as a health card number)"
    text = resource.get("text")
    if isinstance(text, dict) and text.get("div"):
        return "text.div (a free-text narrative)"
    for item in _leaf_items(resource.get("item")):
        for answer in item.get("answer") or []:
            if isinstance(answer, dict) and any(
                k in answer for k in ("valueString", "valueAttachment", "valueReference")
            ):
                return "item.answer.valueString (free text)"
    return None


def _resource_rows(resource: object, line: int) -> list[dict]:
    """The prom_responses rows of one NDJSON line, each with a reason if it is invalid."""
    if not isinstance(resource, dict):
        return [{"reason": f"line {line} is not a JSON object"}]
    kind = resource.get("resourceType")
    if kind in ("Patient", "RelatedPerson", "Person"):
        raise IdentifierRefusedError(
            f"line {line} is a {kind} resource, which carries direct identifiers. The "
            "whole file is refused and nothing from it was stored: export "
            "QuestionnaireResponse resources only and deliver the file again."
        )
    if kind != "QuestionnaireResponse":
        kind = _shown(kind)
        return [{"reason": f"line {line} is a {kind} resource, not a QuestionnaireResponse"}]
    path = _identifier_path(resource)
    if path is not None:
        raise IdentifierRefusedError(
            f"line {line}: element {path} carries direct identifiers. The whole file is "
            "refused and nothing from it was stored: export without it and deliver again."
        )
    instrument = _canonical_instrument(resource.get("questionnaire"))
    base = {
        "episode_key": _episode_key(resource),
        "instrument": instrument,
        "administered_date": str(resource.get("authored", ""))[:10] or None,
    }
    status = resource.get("status")
    problem = None
    if instrument is None:
        problem = (
            f"line {line}: questionnaire {_shown(resource.get('questionnaire'))} is not a "
            "known instrument (LOINC panel or local canonical)"
        )
    elif status not in LOADED_STATUSES:
        status = _shown(status)
        problem = f"line {line}: response status is {status}; only completed or amended load"
    elif base["episode_key"] is None:
        problem = f"line {line}: no episode (extension {EPISODE_EXTENSION})"
    rows = []
    for item in _leaf_items(resource.get("item")):
        link_id = item.get("linkId")
        if link_id in LOINC_SCORES:
            continue
        row = dict(base, reason=problem)
        number = _item_number(instrument or "", link_id) if instrument else None
        answers = [a for a in item.get("answer") or [] if isinstance(a, dict)]
        if row["reason"] is None and number is None:
            row["reason"] = f"line {line}: linkId {_shown(link_id)} is not an item of {instrument}"
        elif row["reason"] is None and len(answers) > 1:
            row["reason"] = f"line {line}: item {_shown(link_id)} has more than one answer"
        if answers and row["reason"] is None:
            value, why = _answer_value(answers[0])
            row["value"] = value
            if why:
                row.update(reason=f"line {line}, item {_shown(link_id)}: {why}", field="value")
        row["item_number"] = number
        rows.append(row)
    return rows or [dict(base, reason=problem or f"line {line}: the response has no items")]


def read_questionnaire_responses(path: Path) -> pl.DataFrame:
    """A `QuestionnaireResponse.ndjson` file as prom_responses rows (text columns)."""
    rows: list[dict] = []
    with path.open("rb") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                resource = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                rows.append({"reason": f"line {line} is not valid UTF-8 JSON"})
                continue
            rows.extend(_resource_rows(resource, line))
    text = {c: [None if r.get(c) is None else str(r[c]) for r in rows] for c in COLUMNS}
    frame = pl.DataFrame(text, schema=dict.fromkeys(COLUMNS, pl.Utf8))
    return frame.with_columns(
        pl.int_range(1, len(rows) + 1, dtype=pl.Int64).alias(SOURCE_ROW),
        pl.Series(READER_FIELD, [r.get("field") for r in rows], dtype=pl.Utf8),
        pl.Series(READER_REASON, [r.get("reason") for r in rows], dtype=pl.Utf8),
    )


def _questionnaire(instrument: str) -> str:
    panel = next((code for code, name in LOINC_PANELS.items() if name == instrument), None)
    return f"{LOINC}/q/{panel}" if panel else f"{LOCAL_QUESTIONNAIRE}{instrument}"


def _link_id(instrument: str, number: int) -> str:
    codes = LOINC_ITEMS.get(instrument)
    return codes[number - 1] if codes else f"{instrument}-{number}"


def _answer(instrument: str, value: int) -> dict:
    if instrument in ("PHQ9", "GAD7"):
        code = next(c for c, v in LOINC_ANSWERS.items() if v == value)
        return {"valueCoding": {"system": LOINC, "code": code}}
    return {"valueInteger": value}


def questionnaire_responses(prom: pl.DataFrame, status: str = "completed") -> list[dict]:
    """Contract prom_responses rows as QuestionnaireResponse resources, one per
    episode, instrument and date."""
    resources = []
    groups = prom.sort("episode_key", "instrument", "administered_date", "item_number")
    for (episode, instrument, administered), items in groups.group_by(
        ["episode_key", "instrument", "administered_date"], maintain_order=True
    ):
        when = administered.isoformat() if isinstance(administered, date) else str(administered)
        resources.append(
            {
                "resourceType": "QuestionnaireResponse",
                "status": status,
                "questionnaire": _questionnaire(instrument),
                "authored": when,
                "extension": [
                    {
                        "url": EPISODE_EXTENSION,
                        "valueReference": {"reference": f"EpisodeOfCare/{episode}"},
                    }
                ],
                "item": [
                    {"linkId": _link_id(instrument, int(number))}
                    | ({} if value is None else {"answer": [_answer(instrument, int(value))]})
                    for number, value in items.select("item_number", "value").iter_rows()
                ],
            }
        )
    return resources


def write_questionnaire_responses(prom: pl.DataFrame, path: Path, status: str = "completed") -> int:
    """Write prom_responses rows as `QuestionnaireResponse.ndjson`, atomically (temporary
    name, then rename, as senders are asked to); returns the number of resources."""
    resources = questionnaire_responses(prom, status)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        for resource in resources:
            handle.write(json.dumps(resource, separators=(",", ":")) + "\n")
    os.replace(temporary, path)
    return len(resources)
