"""Numbers the demo generator is built on, each with where it comes from.

Published anchors are cited; everything else is marked "synthetic" and only has to be
plausible. Keeping them together means a reviewer can check the demo against the
literature in one file, and the simulation modules hold no magic numbers of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Contract enums, in the order the generator's integer codes index them.
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
AGE_CUTS = np.array([25.0, 35.0, 45.0, 55.0, 65.0, 75.0])
SEXES = ("female", "male", "other", "not_stated")
RURALITIES = ("urban", "rural", "remote")
LANGUAGES = ("en", "fr", "other")
READINESS = ("precontemplation", "contemplation", "action", "maintenance")
REFERRAL_SOURCES = ("self", "primary_care", "pain_clinic", "specialist", "other")
DISCHARGE_REASONS = (
    "completed",
    "dropped_out",
    "not_started",
    "referred_elsewhere",
    "clinical_decision",
    "other",
)
EVENT_TYPES = (
    "login",
    "module_started",
    "module_completed",
    "message_to_therapist",
    "message_from_therapist",
    "live_session",
    "homework",
)
AE_CATEGORIES = (
    "suicidal_ideation",
    "self_harm",
    "symptom_deterioration",
    "pain_flare",
    "emergency_visit",
    "hospitalisation",
    "other",
)
SEVERITIES = ("mild", "moderate", "severe")
INSTRUMENTS = ("PHQ9", "GAD7", "BPI_SF", "PEG", "PCS", "PSEQ", "WAI_SR")
RELATEDNESS = ("not_related", "unlikely", "possible", "probable", "certain")

# Latent baseline dimensions, correlated (synthetic correlations of the size usually seen
# between mood, pain and pain-cognition measures in chronic pain samples).
LATENT = ("depression", "anxiety", "pain_intensity", "interference", "catastrophizing", "efficacy")
LATENT_CORRELATION = np.array(
    [
        [1.00, 0.65, 0.35, 0.55, 0.50, -0.50],
        [0.65, 1.00, 0.30, 0.40, 0.50, -0.40],
        [0.35, 0.30, 1.00, 0.60, 0.40, -0.35],
        [0.55, 0.40, 0.60, 1.00, 0.50, -0.60],
        [0.50, 0.50, 0.40, 0.50, 1.00, -0.50],
        [-0.50, -0.40, -0.35, -0.60, -0.50, 1.00],
    ]
)


@dataclass(frozen=True)
class OutcomeSpec:
    """One outcome scale: its baseline distribution and how in-person CBT changes it.

    `improvement` is the mean fractional improvement in in-person CBT, the reference
    every program's effect is relative to. With no published in-person routine-care
    series, it is anchored on the routine-care Pain Course (Dear BF et al., Pain Med
    2023;24(12):1372-1385): interference 18.9%, depression 26.1%, anxiety 23.9%, pain
    intensity 12.8%, self-efficacy +23.8%, catastrophizing 26.3%; CADTH (HT0037, 2022)
    found little to no difference between iCBT and in-person CBT.
    `mcid` sizes the planted effects ("clearly better/worse" is about one of it).
    """

    key: str
    instrument: str
    scale: str
    latent: tuple[float, ...]  # loading on LATENT (PEG mixes intensity and interference)
    mean: float
    sd: float
    improvement: float
    mcid: float
    higher_is_better: bool
    source: str


OUTCOMES = (
    OutcomeSpec(
        key="PHQ9.total",
        instrument="PHQ9",
        scale="total",
        latent=(1, 0, 0, 0, 0, 0),
        mean=13.5,
        sd=5.5,
        improvement=0.261,
        mcid=3.7,
        higher_is_better=False,
        source="Baseline: NHS Talking Therapies 2022-23 at caseness 15.4 (SD 5.5), lowered for "
        "a pain population not selected on caseness (synthetic); MCID 3.7: Bauer-Staeb C et "
        "al., J Clin Epidemiol 2021",
    ),
    OutcomeSpec(
        key="GAD7.total",
        instrument="GAD7",
        scale="total",
        latent=(0, 1, 0, 0, 0, 0),
        mean=10.5,
        sd=5.0,
        improvement=0.239,
        mcid=3.3,
        higher_is_better=False,
        source="Baseline: NHS Talking Therapies 2022-23 at caseness 14 (SD 4.5), lowered as "
        "for PHQ-9 (synthetic); MCID 3.3: Bauer-Staeb C et al., J Clin Epidemiol 2021",
    ),
    OutcomeSpec(
        key="BPI_SF.severity",
        instrument="BPI_SF",
        scale="severity",
        latent=(0, 0, 1, 0, 0, 0),
        mean=5.6,
        sd=1.7,
        improvement=0.128,
        mcid=1.0,
        higher_is_better=False,
        source="Baseline synthetic (ePPOC moderate band 5-6); effect unit 1 point: IMMPACT "
        "10-20% of pain NRS is minimally important (Dworkin RH et al., J Pain 2008)",
    ),
    OutcomeSpec(
        key="BPI_SF.interference",
        instrument="BPI_SF",
        scale="interference",
        latent=(0, 0, 0, 1, 0, 0),
        mean=6.0,
        sd=2.2,
        improvement=0.189,
        mcid=1.0,
        higher_is_better=False,
        source="Baseline synthetic; MCID 1 point: IMMPACT (Dworkin RH et al., J Pain 2008)",
    ),
    OutcomeSpec(
        key="PEG.total",
        instrument="PEG",
        scale="total",
        latent=(0, 0, 0.45, 0.55, 0, 0),
        mean=6.2,
        sd=2.0,
        improvement=0.169,
        mcid=1.0,
        higher_is_better=False,
        source="Baseline synthetic; improvement weights Dear 2023 pain intensity and "
        "interference 1:2 as the PEG's items do; effect unit 1 point by analogy with the BPI "
        "(synthetic)",
    ),
    OutcomeSpec(
        key="PCS.total",
        instrument="PCS",
        scale="total",
        latent=(0, 0, 0, 0, 1, 0),
        mean=26.0,
        sd=11.0,
        improvement=0.263,
        mcid=8.0,
        higher_is_better=False,
        source="Baseline synthetic (>=30 is the usual clinical level); MCID 8: Monticone M et "
        "al., Eur J Phys Rehabil Med 2022",
    ),
    OutcomeSpec(
        key="PSEQ.total",
        instrument="PSEQ",
        scale="total",
        latent=(0, 0, 0, 0, 0, 1),
        mean=25.0,
        sd=12.0,
        improvement=0.238,
        mcid=11.0,
        higher_is_better=True,
        source="Baseline synthetic; MCID 11: Maughan EF, Lewis JS, Eur Spine J 2010 (as in "
        "config/scoring.yaml)",
    ),
)
OUTCOME_BY_KEY = {o.key: o for o in OUTCOMES}
# Scales scored as the mean of their items (BPI user guide; Krebs et al. 2009 for PEG).
MEAN_SCORED = frozenset({"BPI_SF.severity", "BPI_SF.interference", "PEG.total"})
# Instruments in the order their outcomes' scale scores are assembled into items.
INSTRUMENT_SCALES = {
    "PHQ9": ("PHQ9.total",),
    "GAD7": ("GAD7.total",),
    "BPI_SF": ("BPI_SF.severity", "BPI_SF.interference"),
    "PEG": ("PEG.total",),
    "PCS": ("PCS.total",),
    "PSEQ": ("PSEQ.total",),
}

# Post-treatment residual SD as a fraction of the baseline SD (synthetic; gives a post SD
# near the 6.4 reported for PHQ-9 in Talking Therapies 2022-23).
POST_RESIDUAL_SD = 0.65
FOLLOW_UP_RESIDUAL_SD = 0.35
BIWEEKLY_RESIDUAL_SD = 0.35
# Gains held at 3 months (Dear BF et al., Pain 2015): a little further improvement.
FOLLOW_UP_EXTRA_IMPROVEMENT = 0.03
# A PHQ-9 deterioration raises the total by this many points from baseline (synthetic;
# reliable deterioration is an increase of 6 or more, NHS Talking Therapies).
DETERIORATION_POINTS = (6.5, 11.0)
# Other scales of a deteriorating patient worsen by this many baseline SDs (synthetic).
DETERIORATION_OTHER_SD = 0.5
RELIABLE_DETERIORATION_PHQ9 = 6

# Case-mix effects on change, in baseline SDs of less improvement (synthetic: older,
# male and rural patients improve a little less), so crude comparisons are confounded
# and adjustment for baseline, age band, sex and rurality recovers the program effect.
CHANGE_AGE = np.array([-0.15, -0.10, -0.04, 0.0, 0.08, 0.16, 0.22])
CHANGE_SEX = np.array([0.0, 0.05, 0.0, 0.0])
CHANGE_RURALITY = np.array([0.0, 0.15, 0.30])
# Case-mix effects on baseline severity, in SDs (synthetic): depression lower and pain
# higher with age; anxiety higher in women; interference higher outside cities.
BASELINE_AGE_SLOPE = np.array([-0.04, 0.0, 0.05, 0.04, 0.0, -0.03])  # per band from 45-54
BASELINE_FEMALE = np.array([0.05, 0.15, 0.05, 0.0, 0.05, 0.0])
BASELINE_RURAL = np.array([0.0, 0.0, 0.05, 0.08, 0.0, 0.0])

# Funnel. 13% of enrolled never started the routine-care Pain Course (Dear 2023).
ENROL_PROBABILITY = 0.9
START_PROBABILITY = 0.87
START_LOGIT_READINESS = np.array([-1.1, -0.25, 0.35, 0.45])
# Completion among starters (whole course): 63% MindSpot (Dear 2023) and 76% OTU
# (Hadjistavropoulos HD et al., Can J Pain 2018) for guided pain iCBT; self-guided lower
# (synthetic, in line with smaller effects without guidance in Gandy M et al., Pain 2022).
COMPLETION_PROBABILITY = {
    "self_guided": 0.42,
    "guided_asynchronous": 0.69,
    "therapist_realtime": 0.72,
    "in_person": 0.70,
}
COMPLETION_LOGIT_READINESS = np.array([-1.0, -0.35, 0.1, 0.3])
COMPLETION_LOGIT_AGE = 0.08  # per age band above 45-54 (synthetic)
# Days from referral to enrolment and from enrolment to start (synthetic; in-person CBT
# waits longer, a barrier CADTH names).
ENROL_WAIT_DAYS = {"icbt": 8.0, "in_person": 30.0}
START_WAIT_DAYS = {"icbt": 6.0, "in_person": 14.0}
# Referral volume grows 37% a year (OTU, Hadjistavropoulos HD et al., Can J Psychiatry 2021).
ANNUAL_GROWTH = 0.37
REREFERRAL_RATE = 0.03
# Why episodes end other than by completion (synthetic). Referral elsewhere is most often
# for high suicide risk or severe symptoms at the OTU (47.1%, Hadjistavropoulos 2021).
NOT_ENROLLED_REASONS = {"referred_elsewhere": 0.5, "clinical_decision": 0.3, "other": 0.2}
DROPOUT_REASONS = {
    "dropped_out": 0.85,
    "referred_elsewhere": 0.07,
    "clinical_decision": 0.05,
    "other": 0.03,
}
REFERRED_ELSEWHERE_IF_SUICIDAL = 0.35

# Engagement (synthetic rates except therapist time). Therapist minutes per patient in the
# Pain Course: 67.69 regular contact, 12.85 optional, 5.44 none (Dear BF et al., Pain 2015);
# OTU coaches 12.67 min per week (Hadjistavropoulos 2018).
EXTRA_LOGINS_PER_MODULE = 5.5
HOMEWORK_PER_MODULE = 3.5
HOMEWORK_PER_SESSION = 5.5
PORTAL_LOGINS_PER_SESSION = 3.0
CONTACT = {
    # weekly probability of a therapist message, its minutes, weekly patient message
    "regular": (0.9, 9.5, 0.6),
    "optional": (0.15, 10.0, 0.15),
    "live": (0.3, 3.0, 0.25),
}
LIVE_SESSION_MINUTES = {"therapist_realtime": 50.0, "in_person": 55.0}

# A questionnaire with skips has one (60%) or two (40%) items skipped (synthetic); the
# configured item skip rate sets how many questionnaires have any.
SKIPPED_ITEMS = (0.6, 0.4)

# Item 9 of the PHQ-9 (ordered logit on the total, synthetic): about 7% answer 2-3 at
# baseline, within the "up to 10%" of outpatients reported by Simon GE et al., Psychiatr
# Serv 2013;64(12):1195-1202.
ITEM9_SLOPE = 0.2
ITEM9_CUTS = np.array([-4.1, -5.6, -6.8])

# Follow-up response, logit scale (missing at random given these; synthetic): older
# patients answer more, rural and remote ones less, more depressed ones less.
FOLLOW_UP_LOGIT_AGE = np.array([-0.6, -0.35, -0.1, 0.0, 0.2, 0.35, 0.3])
FOLLOW_UP_LOGIT_RURALITY = np.array([0.0, -0.3, -0.6])
FOLLOW_UP_LOGIT_PER_PHQ9_POINT = -0.07
FOLLOW_UP_LOGIT_DROPOUT = -0.8
WAI_SR_MEAN = 44.0
WAI_SR_SD = 8.0

# Adverse events: no published rates exist for iCBT in chronic pain (Eccleston 2014: no
# trial reported them; CADTH 2022: no comparative safety data), so these are synthetic
# demo parameters. Per started episode: probability, severity mix (mild, moderate,
# severe), probability of "serious", relatedness mix (not_related ... certain).
BACKGROUND_AE = {
    "pain_flare": (0.025, (0.6, 0.35, 0.05), 0.0, (0.2, 0.5, 0.3, 0.0, 0.0)),
    "emergency_visit": (0.012, (0.0, 0.6, 0.4), 0.08, (0.75, 0.25, 0.0, 0.0, 0.0)),
    "hospitalisation": (0.004, (0.0, 0.0, 1.0), 1.0, (0.8, 0.2, 0.0, 0.0, 0.0)),
    "other": (0.01, (0.7, 0.3, 0.0), 0.0, (0.3, 0.4, 0.3, 0.0, 0.0)),
}
SELF_HARM_PROBABILITY = (0.001, 0.02)  # without, with a PHQ-9 item 9 answer of 2-3
# A clinician records a symptom_deterioration event for this share of reliable PHQ-9
# deteriorations seen during the episode, and a suicidal_ideation event for this share of
# episodes with a PHQ-9 item 9 answer of 2 or 3.
DETERIORATION_RECORDED = 0.6
SUICIDAL_IDEATION_RECORDED = 0.4
