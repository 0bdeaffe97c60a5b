"""The demo's contract v2 fields: access at referral, concurrent care, stop reasons and
the patient-experience questionnaire, with the two truths they carry.

Which programs send v2, and from which batch, is configuration (`GeneratorConfig`);
every draw here comes from its own seeded stream, so switching a program to v2 or a
plant off leaves every other program's files, and its own v1 fields, unchanged.

Plants (all synthetic, switchable in `config/demo_contract_v2.yaml`):
- **Effect modification by concurrent care.** In `care_modification.programs`, an episode without
  concurrent multidisciplinary pain care (physiotherapy, a pain clinic or a medication
  review) improves `gap_phq9_points` PHQ-9 points less than one with it. The shift is
  centred on the program's expected care share, so the program's average effect, and
  every truth that rests on it, stays as before.
- **Barriers concentrated in one group.** In iCBT programs, rural and remote patients
  aged 55 or over who stop give technology problems or no device or connection far
  more often, and have less access at referral. In-person patients stop for other
  reasons.
The probabilities below are made up for the demo, never published figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import model_validator

from pipelines.config_models import ConfigModel, config_path, load_config
from pipelines.contract import LATEST_VERSION, load_contract, load_experience
from pipelines.demo import parameters as p
from pipelines.demo.archetypes import Archetype
from pipelines.demo.dates import Window
from pipelines.demo.episodes import Episodes, choice

DEVICE_ACCESS = load_contract(LATEST_VERSION)["episodes"].field("device_access").enum or ()
INTERNET_ACCESS = load_contract(LATEST_VERSION)["episodes"].field("internet_access").enum or ()
STOP_REASONS = load_contract(LATEST_VERSION)["episodes"].field("stop_reason").enum or ()
CARE_FLAGS = (
    "concurrent_physiotherapy",
    "concurrent_pain_clinic",
    "concurrent_medication_review",
    "concurrent_other_psychological",
)
MULTIDISCIPLINARY = CARE_FLAGS[:3]
"""Pain care beside the program: the flags that make up concurrent multidisciplinary care."""
STOPPED_EARLY = tuple(p.DISCHARGE_REASONS.index(r) for r in ("dropped_out", "not_started"))
BARRIER_REASONS = ("technology_problems", "no_device_or_connection")
OLDER = p.AGE_BANDS.index("55-64")
"""The barrier group: age band 55-64 or older, living rural or remote."""
URBAN = p.RURALITIES.index("urban")

# Synthetic probabilities, in contract code order.
CARE_PROBABILITY = (0.35, 0.25, 0.30, 0.10)
DEVICE = {"others": (0.86, 0.08, 0.03, 0.03), "barrier_group": (0.55, 0.17, 0.25, 0.03)}
INTERNET = {
    "others": (0.78, 0.12, 0.05, 0.02, 0.03),
    "barrier_group": (0.35, 0.22, 0.25, 0.15, 0.03),
}
STOP = {
    "others": (0.08, 0.03, 0.12, 0.05, 0.30, 0.17, 0.10, 0.15),
    "barrier_group": (0.38, 0.22, 0.08, 0.04, 0.10, 0.06, 0.05, 0.07),
    "in_person": (0.0, 0.0, 0.0, 0.05, 0.40, 0.22, 0.13, 0.20),
}
STOP_RECORDED = 0.85
EXPERIENCE_RESPONSE = {"completed": 0.7, "other": 0.2}
EXPERIENCE_ANSWERS = (0.02, 0.05, 0.15, 0.38, 0.40)
NOT_APPLICABLE = 0.03
THERAPIST_ITEMS_WITHOUT_THERAPIST = 0.4
"""Self-guided patients often leave the items about staff and the therapist unanswered."""
THERAPIST_ITEMS = (0, 4)


@dataclass
class V2Fields:
    """One chunk's v2 episode fields, aligned to its episodes."""

    barrier_group: np.ndarray
    device: np.ndarray
    internet: np.ndarray
    care: np.ndarray  # (n, 4) booleans in CARE_FLAGS order
    stop: np.ndarray  # index into STOP_REASONS, -1 when none is recorded

    @property
    def multidisciplinary(self) -> np.ndarray:
        return self.care[:, : len(MULTIDISCIPLINARY)].any(axis=1)


def expected_care_share() -> float:
    """Probability that an episode has any concurrent multidisciplinary care."""
    return 1.0 - float(np.prod([1.0 - q for q in CARE_PROBABILITY[: len(MULTIDISCIPLINARY)]]))


def in_barrier_group(eps: Episodes) -> np.ndarray:
    return (eps.rurality != URBAN) & (eps.age >= OLDER)


def draw_fields(
    eps: Episodes, rng: np.random.Generator, barriers: bool, in_person: bool
) -> V2Fields:
    """Access and concurrent care, drawn before outcomes (care modifies them); stop
    reasons are filled in by `draw_stop_reasons` once the episodes are finalised. Without
    the barrier plant, or in person, the group is drawn like everyone else."""
    group = in_barrier_group(eps) & barriers & (not in_person)
    device = np.where(
        group, choice(rng, DEVICE["barrier_group"], eps.n), choice(rng, DEVICE["others"], eps.n)
    )
    internet = np.where(
        group,
        choice(rng, INTERNET["barrier_group"], eps.n),
        choice(rng, INTERNET["others"], eps.n),
    )
    care = rng.random((eps.n, len(CARE_FLAGS))) < np.array(CARE_PROBABILITY)
    return V2Fields(group, device, internet, care, np.full(eps.n, -1, dtype=np.int8))


def care_shift(fields: V2Fields, gap_points: float) -> dict[str, np.ndarray]:
    """PHQ-9 points added to each episode's effect (positive = less improvement): without
    care `gap_points` more than with it, zero on average over the program."""
    share = expected_care_share()
    without = (~fields.multidisciplinary).astype(float)
    return {"PHQ9.total": gap_points * (without - (1.0 - share))}


def draw_stop_reasons(
    eps: Episodes, fields: V2Fields, rng: np.random.Generator, in_person: bool
) -> None:
    """A recorded main reason for most episodes that ended dropped out or not started."""
    stopped = np.isin(eps.reason, STOPPED_EARLY)
    reason = np.where(
        fields.barrier_group,
        choice(rng, STOP["barrier_group"], eps.n),
        choice(rng, STOP["in_person" if in_person else "others"], eps.n),
    )
    recorded = rng.random(eps.n) < STOP_RECORDED
    fields.stop = np.where(stopped & recorded, reason, -1).astype(np.int8)


def episode_columns(
    fields: V2Fields, ep: np.ndarray, discharge_reason: pl.Series
) -> dict[str, pl.Series]:
    """The v2 columns of episode rows `ep`; the stop reason only where the row shows the
    episode ended dropped out or not started."""
    stop_codes = fields.stop[ep]
    stop = pl.Series(
        [STOP_REASONS[c] if c >= 0 else None for c in stop_codes.tolist()], dtype=pl.String
    )
    shown = discharge_reason.is_in(["dropped_out", "not_started"]).fill_null(False)
    columns = {
        "device_access": pl.Series(DEVICE_ACCESS, dtype=pl.String).gather(fields.device[ep]),
        "internet_access": pl.Series(INTERNET_ACCESS, dtype=pl.String).gather(fields.internet[ep]),
        **{name: pl.Series(fields.care[ep, i]) for i, name in enumerate(CARE_FLAGS)},
        "stop_reason": pl.select(pl.when(shown).then(stop)).to_series(),
    }
    return columns


def experience_table(
    eps: Episodes,
    arch: Archetype,
    episode_keys: pl.Series,
    window: Window,
    rng: np.random.Generator,
) -> tuple[np.ndarray, pl.DataFrame]:
    """PEQ answers at discharge, in the batch of the end date: most completers answer,
    few who stopped early do."""
    spec = load_experience()
    k = len(spec.item_labels)
    ended = eps.end <= window.end_day
    completed = eps.reason == p.DISCHARGE_REASONS.index("completed")
    rate = np.where(completed, EXPERIENCE_RESPONSE["completed"], EXPERIENCE_RESPONSE["other"])
    answered = ended & (rng.random(eps.n) < rate)
    ep = np.flatnonzero(answered)
    answers = choice(rng, EXPERIENCE_ANSWERS, len(ep) * k).reshape(len(ep), k)
    missing = rng.random((len(ep), k)) < NOT_APPLICABLE
    if arch.delivery_mode == "self_guided":
        therapist = np.zeros(k, dtype=bool)
        therapist[list(THERAPIST_ITEMS)] = True
        missing |= therapist & (rng.random((len(ep), k)) < THERAPIST_ITEMS_WITHOUT_THERAPIST)
    day = eps.end[ep]
    b = window.batch_of(day)
    order = np.lexsort((ep, b))
    ep, day, b, answers, missing = ep[order], day[order], b[order], answers[order], missing[order]
    values = np.where(missing, np.nan, answers.astype(float)).ravel()
    frame = pl.DataFrame(
        {
            "episode_key": episode_keys.gather(np.repeat(ep, k)),
            "administered_date": pl.Series(np.repeat(day, k).astype(np.int32)).cast(pl.Date),
            "item_number": pl.Series(np.tile(np.arange(1, k + 1), len(ep)), dtype=pl.Int64),
            "answer": pl.Series(values, nan_to_null=True).cast(pl.Int64),
        }
    )
    return np.repeat(b, k), frame


class CareModification(ConfigModel):
    enabled: bool
    programs: tuple[str, ...]
    gap_phq9_points: float


class Barriers(ConfigModel):
    enabled: bool


class V2Plan(ConfigModel):
    """Which demo programs send v2, from when, and the plants (`config/demo_contract_v2.yaml`)."""

    v2_programs: tuple[str, ...]
    switch_program: str | None = None
    care_modification: CareModification
    barriers: Barriers

    @model_validator(mode="after")
    def _planted_programs_send_v2(self) -> V2Plan:
        unsent = set(self.care_modification.programs) - {*self.v2_programs, self.switch_program}
        if unsent:
            raise ValueError(f"care_modification programs must send v2: {sorted(unsent)}")
        return self

    def first_v2_batch(self, program_id: str, months: int) -> int | None:
        """The first batch a program delivers under v2; None if it stays on v1."""
        if program_id in self.v2_programs:
            return 0
        if program_id == self.switch_program:
            return months // 2
        return None

    def shift_for(self, program_id: str) -> float | None:
        """The planted care gap of a program, None where nothing is planted."""
        care = self.care_modification
        return care.gap_phq9_points if care.enabled and program_id in care.programs else None


def load_v2_plan(path: Path | None = None) -> V2Plan:
    return load_config(V2Plan, path or config_path("demo_contract_v2.yaml"))
