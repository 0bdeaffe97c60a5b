"""The fictional programs: 16 iCBT archetypes and 4 in-person CBT clinics.

The CADTH Environmental Scan (HT0037, 2022) found 16 Canadian iCBT programs for chronic
pain differing in therapist involvement, length, modules, topics, funding and
reimbursement. Its program list was not available to this project, and real programs
must never carry invented outcomes, so each archetype is a made-up combination of those
dimensions with an obviously fictional name.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.demo.parameters import OUTCOME_BY_KEY

CORE = ("PHQ9", "GAD7", "PEG")
FULL = (*CORE, "BPI_SF", "PCS", "PSEQ")
THERAPIST_MODES = frozenset({"guided_asynchronous", "therapist_realtime", "in_person"})
SESSION_MODES = frozenset({"therapist_realtime", "in_person"})


@dataclass(frozen=True)
class CaseMix:
    """Who a program reaches; differs between programs so crude comparisons mislead."""

    age_mean: float  # years; a normal with SD 14, cut into the contract's age bands
    female: float
    rurality: tuple[float, float, float]  # urban, rural, remote
    readiness: tuple[float, float, float, float]
    referral: tuple[float, float, float, float, float]  # self, primary care, pain clinic, ...
    severity_sd: float  # baseline severity shift in SDs


# Synthetic case mix per delivery mode. Women are about 73% of iCBT users (MindSpot,
# Titov N et al., Lancet Digit Health 2020); self-guided programs reach younger, more
# rural and self-referred patients, in-person clinics older, urban, specialist referrals.
# fmt: off
MODE_CASE_MIX = {
    # mode: CaseMix(age, female, rurality (urban, rural, remote), readiness (stages in
    #       contract order), referral (self, primary care, pain clinic, specialist, other),
    #       severity shift in SDs)
    "self_guided": CaseMix(41, 0.74, (0.50, 0.38, 0.12), (0.12, 0.38, 0.40, 0.10),
                           (0.62, 0.25, 0.04, 0.02, 0.07), -0.25),
    "guided_asynchronous": CaseMix(47, 0.73, (0.62, 0.30, 0.08), (0.07, 0.33, 0.48, 0.12),
                                   (0.35, 0.40, 0.12, 0.06, 0.07), 0.0),
    "therapist_realtime": CaseMix(49, 0.70, (0.58, 0.32, 0.10), (0.06, 0.30, 0.50, 0.14),
                                  (0.20, 0.40, 0.22, 0.12, 0.06), 0.1),
    "in_person": CaseMix(53, 0.68, (0.86, 0.12, 0.02), (0.05, 0.28, 0.52, 0.15),
                         (0.05, 0.30, 0.40, 0.20, 0.05), 0.25),
}
# fmt: on
# Language of care by province (synthetic): French in Quebec, bilingual New Brunswick.
LANGUAGE_BY_PROVINCE = {"QC": (0.10, 0.88, 0.02), "NB": (0.65, 0.33, 0.02)}
DEFAULT_LANGUAGE = (0.92, 0.03, 0.05)


@dataclass(frozen=True)
class Archetype:
    program_id: str
    program_name: str
    delivery_mode: str
    therapist_trained_in_chronic_pain: bool
    length_weeks: int
    module_count: int
    topics: tuple[str, ...]
    funding: str
    reimbursement_eligibility: str
    province: str
    status: str
    file_format: str
    instruments: tuple[str, ...]
    weight: float  # share of referral volume (relative)
    effect_mcid: float  # effect relative to in-person CBT, in MCIDs (+ = worse)
    contact: str = "none"  # therapist contact: regular, optional, live or none
    onboarding_month: int = 0  # months after the first generated month it starts sending
    pilot_episodes: int = 0  # in-development programs: a fixed tiny pilot cohort

    @property
    def case_mix(self) -> CaseMix:
        return MODE_CASE_MIX[self.delivery_mode]

    @property
    def language(self) -> tuple[float, float, float]:
        return LANGUAGE_BY_PROVINCE.get(self.province, DEFAULT_LANGUAGE)

    @property
    def outcomes(self) -> tuple[str, ...]:
        """Outcome keys (`INSTRUMENT.scale`) this program measures."""
        return tuple(k for k, o in OUTCOME_BY_KEY.items() if o.instrument in self.instruments)

    def nominal_effects(self, overrides: dict[str, float] | None = None) -> dict[str, float]:
        """Effect per outcome in scale points, native direction (negative = more reduction)."""
        effects = {}
        for key in self.outcomes:
            spec = OUTCOME_BY_KEY[key]
            sign = -1.0 if spec.higher_is_better else 1.0
            effects[key] = round(self.effect_mcid * spec.mcid * sign, 4)
        effects.update(overrides or {})
        return effects

    def row(self) -> dict[str, object]:
        """The programs-table row, in contract column order."""
        return {
            "program_id": self.program_id,
            "program_name": self.program_name,
            "delivery_mode": self.delivery_mode,
            "therapist_trained_in_chronic_pain": self.therapist_trained_in_chronic_pain,
            "length_weeks": self.length_weeks,
            "module_count": self.module_count,
            "topics": ";".join(self.topics),
            "funding": self.funding,
            "reimbursement_eligibility": self.reimbursement_eligibility,
            "province": self.province,
            "status": self.status,
        }


_BASE_TOPICS = ("pain_education", "activity_pacing", "cognitive_restructuring", "relaxation")
_NAMES = {
    "self_guided": "Self-guided online course",
    "guided_asynchronous": "Guided asynchronous course",
    "therapist_realtime": "Real-time video CBT",
}
SG, GA, RT = "self_guided", "guided_asynchronous", "therapist_realtime"
FREE = "free_at_point_of_care"
BPI = (*CORE, "BPI_SF")

# Effects: mostly within a fifth of an MCID of in-person CBT; archetype 2 (self-guided,
# no guidance) is clearly worse and archetype 6 (guided by chronic-pain-trained
# therapists, the CADTH recommendation) clearly better, by 0.85 MCID on every outcome.
# fmt: off
_ICBT_TABLE = (
    # no, mode, pain-trained, weeks, modules, extra topics, funding, reimbursement,
    # province, format, instruments, volume weight, effect (MCIDs), contact,
    # onboarding month, pilot episodes
    (1, SG, False, 6, 6, "sleep mood", "public", FREE, "ON", "csv", BPI, 12, 0.10,
     "none", 0, 0),
    (2, SG, False, 8, 8, "mindfulness", "mixed", "out_of_pocket", "BC", "csv", BPI, 10, 0.85,
     "none", 0, 0),
    (3, SG, False, 4, 4, "goal_setting", "research", FREE, "QC", "parquet", CORE, 4, 0.0,
     "none", 0, 0),
    (4, SG, False, 6, 5, "physical_activity", "public", FREE, "SK", "csv", (*CORE, "PSEQ"),
     3, 0.15, "none", 0, 0),
    (5, GA, True, 8, 6, "sleep relapse_prevention", "public", FREE, "SK", "csv", FULL, 7,
     -0.10, "regular", 0, 0),
    (6, GA, True, 10, 8, "mood goal_setting relapse_prevention", "public", "public_plan",
     "ON", "jsonl", FULL, 9, -0.85, "regular", 0, 0),
    (7, GA, False, 8, 6, "mood", "public", FREE, "NS", "csv", BPI, 6, 0.0,
     "regular", 0, 0),
    (8, GA, True, 12, 9, "acceptance mindfulness communication", "mixed", "private_insurance",
     "AB", "parquet", FULL, 6, -0.15, "regular", 0, 0),
    (9, GA, False, 8, 7, "medication_use", "public", FREE, "MB", "csv", (*CORE, "PCS"), 5,
     0.10, "optional", 0, 0),
    (10, GA, True, 10, 6, "sleep mood", "public", "public_plan", "QC", "csv", FULL, 5, -0.05,
     "regular", 0, 0),
    (11, GA, False, 6, 6, "", "public", FREE, "NB", "csv", CORE, 2, 0.20,
     "optional", 6, 0),
    (12, RT, True, 12, 12, "mood relapse_prevention communication", "private",
     "private_insurance", "BC", "parquet", FULL, 5, -0.20, "live", 0, 0),
    (13, RT, False, 8, 8, "goal_setting", "public", "public_plan", "NL", "csv", BPI, 2, 0.05,
     "live", 12, 0),
    (14, RT, True, 16, 12, "acceptance sleep mood", "private", "out_of_pocket", "ON", "jsonl",
     FULL, 4, -0.10, "live", 0, 0),
    (15, SG, False, 4, 4, "", "research", FREE, "PE", "csv", CORE, 0, 0.0,
     "none", 0, 4),
    (16, RT, True, 10, 10, "mood", "research", FREE, "NS", "csv", FULL, 0, 0.0,
     "live", 0, 9),
)
# fmt: on


def _icbt(row: tuple) -> Archetype:
    (
        number,
        mode,
        trained,
        weeks,
        modules,
        topics,
        funding,
        reimbursement,
        province,
        fmt,
        instruments,
        weight,
        effect,
        contact,
        onboarding,
        pilot,
    ) = row
    return Archetype(
        program_id=f"ICBT{number:02d}",
        program_name=f"{_NAMES[mode]}, archetype {number}",
        delivery_mode=mode,
        therapist_trained_in_chronic_pain=trained,
        length_weeks=weeks,
        module_count=modules,
        topics=_BASE_TOPICS + tuple(topics.split()),
        funding=funding,
        reimbursement_eligibility=reimbursement,
        province=province,
        status="in_development" if pilot else "available",
        file_format=fmt,
        instruments=instruments,
        weight=weight,
        effect_mcid=effect,
        contact=contact,
        onboarding_month=onboarding,
        pilot_episodes=pilot,
    )


ICBT = tuple(_icbt(row) for row in _ICBT_TABLE)
_IN_PERSON_TOPICS = (*_BASE_TOPICS, "sleep", "mood", "goal_setting", "relapse_prevention")


def _clinic(province: str, name: str, weeks: int, fmt: str, weight: float) -> Archetype:
    return Archetype(
        program_id=f"INPERSON_{province}",
        program_name=f"In-person CBT clinic, {name}",
        delivery_mode="in_person",
        therapist_trained_in_chronic_pain=True,
        length_weeks=weeks,
        module_count=weeks,
        topics=_IN_PERSON_TOPICS,
        funding="public",
        reimbursement_eligibility="public_plan",
        province=province,
        status="available",
        file_format=fmt,
        instruments=FULL,
        weight=weight,
        effect_mcid=0.0,
        contact="live",
    )


# In-person clinics only in four provinces, so iCBT programs elsewhere have no local
# in-person cohort to compare with.
IN_PERSON = (
    _clinic("ON", "Ontario", 10, "csv", 10),
    _clinic("BC", "British Columbia", 12, "csv", 7),
    _clinic("QC", "Quebec", 10, "parquet", 7),
    _clinic("AB", "Alberta", 8, "csv", 6),
)

ARCHETYPES: tuple[Archetype, ...] = ICBT + IN_PERSON
ARCHETYPE_BY_ID = {a.program_id: a for a in ARCHETYPES}
