"""Reference rows for the contract v2 analyses, built from the contract files."""

from __future__ import annotations

import polars as pl

from pipelines.contract import ExperienceSpec


def experience_items(spec: ExperienceSpec) -> pl.DataFrame:
    """One row per item of the patient-experience questionnaire, with its source, so the
    marts carry the items' descriptors and nobody retypes them."""
    k = len(spec.item_labels)
    return pl.DataFrame(
        {
            "questionnaire": [spec.code] * k,
            "item_number": list(range(1, k + 1)),
            "item_label": list(spec.item_labels),
            "answer_min": [spec.answer_min] * k,
            "answer_max": [spec.answer_max] * k,
            "answer_labels": [" / ".join(spec.answer_labels)] * k,
            "source": [spec.source] * k,
            "certainty": [spec.certainty] * k,
        }
    )
