"""Deterministic synthetic citizens for the department simulators.

Every run, on every Python version, yields the same citizens: the generator
uses one ``random.Random`` seeded with an integer and only its stable methods
(``random``, ``randint``, ``choice``). The people are invented; CPR numbers have
a valid format (date, century digit, gender digit) but are not checked against
modulus 11, so most are not issued numbers. The municipality "Tværsby Kommune"
is fictional.

The first three citizens are known to every department (the demo uses them);
citizen 0 has at least six WHO-5 scores and a rehabilitation episode.

The records added with issue 14 (sick leave, rehabilitation plan and the
rehabilitation team's recommendation, WHO-5 referrals, alcohol screening and
treatment, the health course status for the jobcentre) come from a second,
per-citizen generator (``_extend``), so the records above stay exactly as they were.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

SEED = 20261122
CITIZEN_COUNT = 64
# "Today" for the synthetic world, so dates never depend on the wall clock.
REFERENCE_DATE = date(2026, 11, 1)


@dataclass(frozen=True, slots=True)
class Contact:
    """A caseworker or health professional the citizen can be referred to."""

    name: str
    unit: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One sub-goal (delmål) in the jobcenter plan."""

    text: str
    status: str


@dataclass(frozen=True, slots=True)
class JobPlan:
    """The citizen's plan (Min Plan / indsatsplan)."""

    plan_type: str
    goal: str
    steps: tuple[PlanStep, ...]
    updated: date


@dataclass(frozen=True, slots=True)
class Activity:
    """An employment activity (tilbud) under LAB-loven."""

    kind: str
    workplace: str
    start: date
    end: date | None
    hours_per_week: int
    mentor: str | None


@dataclass(frozen=True, slots=True)
class SickLeave:
    """A sick-leave case (sygedagpenge) with its follow-up category (visitationskategori)."""

    category: int
    first_day: date
    expected_return: date | None
    employment: str
    partial: str | None
    medical_note: str


@dataclass(frozen=True, slots=True)
class RehabilitationPlan:
    """The rehabilitation plan's preparatory part (forberedende del), in the citizen's words."""

    goal: str
    education: str
    employment: str
    social: str
    health: str
    updated: date


@dataclass(frozen=True, slots=True)
class RehabilitationRecommendation:
    """The rehabilitation team's recommendation (indstilling) after a meeting."""

    meeting_date: date
    recommendation: str
    efforts: tuple[str, ...]
    duration: str
    citizen_remarks: str


@dataclass(frozen=True, slots=True)
class JobcenterData:
    """What the jobcenter's case system knows."""

    benefit_type: str
    target_group: str
    since: date
    amount_band: str
    plan: JobPlan
    activities: tuple[Activity, ...]
    contact: Contact
    sick_leave: SickLeave | None = None
    rehabilitation_plan: RehabilitationPlan | None = None
    recommendation: RehabilitationRecommendation | None = None


@dataclass(frozen=True, slots=True)
class SocialMeasure:
    """A measure under serviceloven (e.g. § 85 bostøtte, § 99 støtte-kontaktperson)."""

    measure: str
    provision: str
    provider: str
    start: date
    end: date | None
    hours_per_week: int


@dataclass(frozen=True, slots=True)
class SubstanceTreatment:
    """Substance use treatment (serviceloven § 101)."""

    kind: str
    substance: str
    start: date
    status: str
    provider: str


@dataclass(frozen=True, slots=True)
class SocialData:
    """What the social services' case system knows."""

    measures: tuple[SocialMeasure, ...]
    substance_treatments: tuple[SubstanceTreatment, ...]
    contact: Contact


@dataclass(frozen=True, slots=True)
class Who5Score:
    """One WHO-5 wellbeing measurement; raw 0-25, reported as 0-100."""

    date: date
    raw_score: int

    @property
    def score(self) -> int:
        return self.raw_score * 4


@dataclass(frozen=True, slots=True)
class RehabEpisode:
    """A rehabilitation course (genoptræning, sundhedsloven § 140)."""

    kind: str
    status: str
    start: date
    end: date | None
    focus: str
    diagnosis: str


@dataclass(frozen=True, slots=True)
class PreventionOffer:
    """A KRAM prevention offer (kost, rygning, alkohol, motion) and participation."""

    offer: str
    status: str
    date: date


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral to a health offer after a low WHO-5 score (FHIR ServiceRequest)."""

    date: date
    offer: str
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class AuditScreening:
    """An AUDIT alcohol screening: total score 0-40 and its risk zone."""

    date: date
    score: int

    @property
    def risk_level(self) -> str:
        return audit_risk_level(self.score)


@dataclass(frozen=True, slots=True)
class AlcoholTreatment:
    """Alcohol treatment under the health act (sundhedsloven § 141; FHIR EpisodeOfCare)."""

    kind: str
    start: date
    status: str
    provider: str


@dataclass(frozen=True, slots=True)
class WorkStatus:
    """The health department's status of a course, for the jobcentre (sick-leave follow-up)."""

    course: str
    status: str
    updated: date
    expected_end: date | None
    work_note: str
    diagnosis: str


@dataclass(frozen=True, slots=True)
class HealthData:
    """What the health department's FHIR server knows."""

    who5: tuple[Who5Score, ...]
    rehabilitation: tuple[RehabEpisode, ...]
    prevention: tuple[PreventionOffer, ...]
    contact: Contact
    referrals: tuple[Referral, ...] = ()
    alcohol_screenings: tuple[AuditScreening, ...] = ()
    alcohol_treatments: tuple[AlcoholTreatment, ...] = ()
    work_status: tuple[WorkStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class SyntheticCitizen:
    """One invented citizen. The CPR is kept out of ``repr``."""

    index: int
    cpr: str = field(repr=False)
    given_name: str
    family_name: str
    birth_date: date
    gender: str
    jobcenter: JobcenterData | None
    social: SocialData | None
    health: HealthData | None

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


_FEMALE = (
    "Mette", "Søs", "Birgitte", "Lærke", "Ida", "Signe", "Maja", "Åse", "Karen", "Sørine",
    "Freja", "Astrid", "Bodil", "Helle", "Jytte", "Marianne", "Trine", "Nanna", "Louise", "Asta",
)  # fmt: skip
_MALE = (
    "Søren", "Jørgen", "Bjørn", "Mads", "Rasmus", "Anders", "Jens", "Niels", "Thøger", "Mikkel",
    "Frederik", "Kasper", "Ole", "Bo", "Carsten", "Mogens", "Torben", "Emil", "Ådne", "Henrik",
)  # fmt: skip
_FAMILY = (
    "Sørensen", "Jørgensen", "Ærø-Hansen", "Østergaard", "Bækgaard", "Kjær", "Mølgaard",
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Lund",
    "Thøgersen", "Frølund", "Søndergaard", "Dalsgård", "Brøndum", "Højer", "Skovgård",
    "Kragh", "Ravn", "Lykke-Møller",
)  # fmt: skip

_BENEFITS = (
    # (ydelse, possible målgrupper)
    ("kontanthjælp", ("aktivitetsparat", "jobparat")),
    ("uddannelseshjælp", ("uddannelsesparat", "aktivitetsparat")),
    ("ressourceforløbsydelse", ("ressourceforløb",)),
    ("sygedagpenge", ("sygedagpengemodtager",)),
    ("ledighedsydelse", ("fleksjobvisiteret",)),
    ("jobafklaringsforløb", ("jobafklaring",)),
)
_AMOUNT_BANDS = ("fuld sats", "reduceret sats", "ungesats", "forsørgersats")
_GOALS = (
    "Komme i ordinært job inden for lager og logistik",
    "Starte på en erhvervsuddannelse (EUD) til sommer",
    "Afklare arbejdsevnen og komme i fleksjob",
    "Vende tilbage til eget job efter sygemelding",
    "Få en stabil hverdag og arbejde nogle timer om ugen",
)
_STEPS = (
    "Deltage i virksomhedspraktik",
    "Møde op til samtaler med mentor",
    "Afklare helbred med egen læge",
    "Lave CV og jobsøgning",
    "Gennemføre rehabiliteringsteammøde",
    "Trappe timetal op",
    "Få styr på økonomi og bolig",
)
_STEP_STATUS = ("ikke påbegyndt", "i gang", "opfyldt")
_ACTIVITY_KINDS = ("virksomhedspraktik", "løntilskud", "mentor", "vejledning og opkvalificering")
_WORKPLACES = (
    "Brugsen Tværsby",
    "Tværsby Genbrugsplads",
    "Møbelfabrikken Ørsted ApS",
    "Plejecenter Solbakken",
    "Kommunens Grønne Afdeling",
    "Cykelværkstedet Hjulet",
)
_MENTORS = ("Kirsten Bøgh", "Lars Øhlenschläger", "Hanne Krøyer", "Peter Aabø")
_SOCIAL_MEASURES = (
    ("Socialpædagogisk støtte (bostøtte)", "Serviceloven § 85"),
    ("Critical Time Intervention (CTI)", "Serviceloven § 85"),
    ("Støtte- og kontaktperson", "Serviceloven § 99"),
    ("Midlertidigt botilbud", "Serviceloven § 107"),
    ("Beskyttet beskæftigelse", "Serviceloven § 103"),
)
_SOCIAL_PROVIDERS = ("Bostøtteteamet Nord", "CTI-teamet", "SKP-teamet", "Botilbuddet Åbrinken")
_TREATMENT_KINDS = ("ambulant behandling", "dagbehandling", "døgnbehandling")
# Drug treatment only: alcohol treatment is the health department's (sundhedsloven § 141).
_SUBSTANCES = ("amfetamin", "hash", "kokain", "opioider")
_TREATMENT_STATUS = ("i behandling", "afsluttet", "afbrudt", "venter")
_TREATMENT_PROVIDERS = ("Rusmiddelcentret Tværsby", "Ungerådgivningen Ådalen")
_REHAB = (
    ("Genoptræning efter sundhedsloven § 140", "Knæalloplastik", "Gangfunktion og styrke"),
    ("Genoptræning efter sundhedsloven § 140", "Rygsmerter (lænd)", "Løft og arbejdsstillinger"),
    ("Rehabiliteringsforløb ved kronisk sygdom", "KOL", "Fysisk aktivitet og vejrtrækning"),
    ("Genoptræning efter sundhedsloven § 140", "Skulderskade", "Skulderfunktion"),
    ("Rehabiliteringsforløb ved kronisk sygdom", "Type 2-diabetes", "Kost og motion"),
)
_REHAB_STATUS = ("i gang", "afsluttet", "planlagt")
_PREVENTION = (
    "Rygestopkursus",
    "Motion på recept",
    "Kostvejledning",
    "Alkoholsamtale",
    "Sund By-forløb (KRAM)",
)
_PREVENTION_STATUS = ("tilbudt", "deltager", "gennemført", "afbrudt", "takket nej")

_JOBCENTER_STAFF = (
    ("Anne-Mette Kjærsgaard", "Jobcenter Tværsby, Team Ressourceforløb"),
    ("Jesper Ølgaard", "Jobcenter Tværsby, Team Aktivitetsparate"),
    ("Sanne Bøgelund", "Jobcenter Tværsby, Ungeenheden"),
    ("Morten Ågård", "Jobcenter Tværsby, Team Sygedagpenge"),
)
_SOCIAL_STAFF = (
    ("Rikke Dahl Sørensen", "Socialforvaltningen, Voksenhandicap og Udsatte"),
    ("Kim Bæk", "Socialforvaltningen, Socialpsykiatri"),
    ("Lene Frøsig", "Socialforvaltningen, Rusmiddelområdet"),
)
_HEALTH_STAFF = (
    ("Pia Østerby, fysioterapeut", "Sundhedscenter Tværsby, Genoptræning"),
    ("Ulla Mørch, sygeplejerske", "Sundhedscenter Tværsby, Forebyggelse"),
    ("Thomas Kærgaard, ergoterapeut", "Sundhedscenter Tværsby, Rehabilitering"),
)

# Issue 14: sick leave, rehabilitation team, early detection, alcohol treatment.
_SICK_EMPLOYMENT = ("ansat, fuld tid", "ansat, deltid", "ledig", "selvstændig")
_SICK_NOTES = (
    "Stressrelaterede symptomer; lægen forventer gradvis tilbagevenden",
    "Rygsmerter efter løft; fysioterapi i gang",
    "Depression, behandles hos egen læge",
    "Knæoperation; genoptræning planlagt",
    "Langvarige smerter i skulder og nakke",
)
_REHAB_PLAN_GOALS = (
    "Jeg vil gerne arbejde med dyr eller udendørs, nogle timer om ugen til at begynde med",
    "Jeg vil have et job, hvor jeg kan bruge mine hænder, og hvor jeg ikke skal løfte tungt",
    "Jeg vil gerne afklare, om fleksjob er noget for mig",
    "Jeg vil gerne tilbage til butik, men i roligere tempo",
)
_REHAB_PLAN_EDUCATION = (
    "Folkeskolens afgangseksamen; påbegyndt EUD (tømrer), ikke afsluttet",
    "HF; kursus i lager og truckcertifikat",
    "Social- og sundhedshjælper (SOSU), uddannet 2009",
    "Ingen uddannelse efter 9. klasse",
)
_REHAB_PLAN_EMPLOYMENT = (
    "Ufaglært på lager i 8 år; ledig siden 2023",
    "Butiksassistent i 5 år, derefter korte vikariater",
    "Hjemmehjælper i 10 år; sygemeldt og afskediget 2024",
    "Korte job i rengøring og køkken",
)
_REHAB_PLAN_SOCIAL = (
    "Bor alene i lejebolig; god kontakt til en søster",
    "Bor med to børn (8 og 12 år); økonomien er presset",
    "Har boet på forsorgshjem; har nu egen bolig med bostøtte",
    "Bor med kæreste; få sociale kontakter ud over det",
)
_REHAB_PLAN_HEALTH = (
    "Kroniske rygsmerter; går til fysioterapeut",
    "Angst og nedtrykthed; behandles hos egen læge",
    "Type 2-diabetes og overvægt; deltager i forløb i sundhedscentret",
    "KOL; træt efter få timers aktivitet",
)
_RECOMMENDATIONS = (
    ("Ressourceforløb", ("Mentor", "Virksomhedspraktik", "Bostøtte (serviceloven § 85)")),
    ("Jobafklaringsforløb", ("Genoptræning", "Virksomhedspraktik med lav timetal")),
    ("Fleksjob", ("Afklaring af arbejdsevne i praktik", "Virksomhedskonsulent")),
    ("Ressourceforløb", ("IPS", "Samtaleforløb i sundhedscentret", "Mentor")),
)
_DURATIONS = ("1 år", "2 år", "3 år", "6 måneder")
_REMARKS = (
    "Jeg er enig i indstillingen.",
    "Jeg vil gerne starte med færre timer.",
    "Jeg er enig, men vil gerne have samme mentor som nu.",
)
_REFERRAL_OFFERS = (
    "Stresshåndteringsforløb i sundhedscentret",
    "Samtaleforløb med sygeplejerske",
    "Motion og trivsel (hold)",
    "Henvisning til egen læge",
)
# ServiceRequest.status in Danish: active, completed, revoked, on-hold.
_REFERRAL_STATUS = ("aktiv", "afsluttet", "annulleret", "sat på pause")
_ALCOHOL_KINDS = ("ambulant alkoholbehandling", "dagbehandling", "døgnbehandling")
_ALCOHOL_STATUS = ("i behandling", "afsluttet", "afbrudt", "venter")
_ALCOHOL_PROVIDERS = ("Alkoholbehandlingen Tværsby", "Sundhedscenter Tværsby, Alkoholenheden")
_WORK_COURSES = (
    "Genoptræning efter sundhedsloven § 140",
    "Stresshåndteringsforløb",
    "Rehabiliteringsforløb ved kronisk sygdom",
)
_WORK_STATUS = ("i gang", "afsluttet", "planlagt")
_WORK_NOTES = (
    "Kan arbejde 3 timer dagligt uden tunge løft",
    "Kan forventes tilbage på fuld tid efter forløbet",
    "Bør undgå natarbejde i forløbet",
    "Kan deltage i samtaler; arbejde afventer genoptræning",
)


def audit_risk_level(score: int) -> str:
    """The WHO AUDIT zone of a total score (0-7, 8-15, 16-19, 20-40)."""
    if score >= 20:
        return "mulig afhængighed"
    if score >= 16:
        return "skadeligt forbrug"
    if score >= 8:
        return "risikabelt forbrug"
    return "lav risiko"


_ASCII = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ö": "oe", "é": "e", " ": ".", ",": ""})


def _contact(rng: random.Random, staff: tuple[tuple[str, str], ...], domain: str) -> Contact:
    name, unit = rng.choice(staff)
    local = name.split(",")[0].lower().translate(_ASCII)
    phone = f"+45 {rng.randint(30, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} 00"
    return Contact(name=name, unit=unit, phone=phone, email=f"{local}@{domain}")


def _days_ago(rng: random.Random, low: int, high: int) -> date:
    return REFERENCE_DATE - timedelta(days=rng.randint(low, high))


def _birth_and_cpr(rng: random.Random, gender: str, used: set[str]) -> tuple[date, str]:
    while True:
        born = date(1962, 1, 1) + timedelta(days=rng.randint(0, 365 * 44))
        # Century digit (7th): 0-3 always means 1900-1999; 4 or 9 with yy <= 36 means 2000-2036.
        first = rng.randint(0, 3) if born.year < 2000 else rng.choice((4, 9))
        middle = rng.randint(0, 99)
        last = rng.choice((1, 3, 5, 7, 9) if gender == "male" else (0, 2, 4, 6, 8))
        cpr = f"{born:%d%m%y}{first}{middle:02d}{last}"
        if cpr not in used:
            used.add(cpr)
            return born, cpr


def _jobcenter(rng: random.Random, *, rich: bool, age: int) -> JobcenterData:
    # Uddannelseshjælp is for people under 30 without an education; older people get others.
    fitting = [b for b in _BENEFITS if age < 30 or b[0] != "uddannelseshjælp"]
    benefit, groups = rng.choice(fitting)
    since = _days_ago(rng, 60, 900)
    steps = tuple(
        PlanStep(text=text, status=rng.choice(_STEP_STATUS))
        for text in _sample(rng, _STEPS, rng.randint(2, 4))
    )
    plan = JobPlan(
        plan_type="Min Plan" if benefit != "ressourceforløbsydelse" else "Indsatsplan",
        goal=rng.choice(_GOALS),
        steps=steps,
        updated=_days_ago(rng, 1, 50),
    )
    activities = []
    for _ in range(rng.randint(4, 5) if rich else rng.randint(0, 5)):
        kind = rng.choice(_ACTIVITY_KINDS)
        start = _days_ago(rng, 10, 400)
        ended = rng.random() < 0.4
        activities.append(
            Activity(
                kind=kind,
                workplace=rng.choice(_WORKPLACES) if kind != "mentor" else "",
                start=start,
                end=start + timedelta(weeks=rng.randint(4, 13)) if ended else None,
                # A mentor is a few hours of support a week, not a workplace.
                hours_per_week=rng.choice((1, 2, 3) if kind == "mentor" else (8, 10, 15, 20, 25)),
                mentor=rng.choice(_MENTORS) if kind == "mentor" or rng.random() < 0.3 else None,
            )
        )
    return JobcenterData(
        benefit_type=benefit,
        target_group=rng.choice(groups),
        since=since,
        amount_band=rng.choice(_AMOUNT_BANDS),
        plan=plan,
        activities=tuple(activities),
        contact=_contact(rng, _JOBCENTER_STAFF, "jobcenter.tvaersby.example"),
    )


def _social(rng: random.Random, *, rich: bool) -> SocialData:
    measures = []
    for _ in range(rng.randint(3, 4) if rich else rng.randint(0, 4)):
        measure, provision = rng.choice(_SOCIAL_MEASURES)
        start = _days_ago(rng, 20, 700)
        measures.append(
            SocialMeasure(
                measure=measure,
                provision=provision,
                provider=rng.choice(_SOCIAL_PROVIDERS),
                start=start,
                end=start + timedelta(days=rng.randint(90, 270)) if rng.random() < 0.3 else None,
                hours_per_week=rng.randint(1, 6),
            )
        )
    treatments = tuple(
        SubstanceTreatment(
            kind=rng.choice(_TREATMENT_KINDS),
            substance=rng.choice(_SUBSTANCES),
            start=_days_ago(rng, 30, 600),
            status=rng.choice(_TREATMENT_STATUS),
            provider=rng.choice(_TREATMENT_PROVIDERS),
        )
        for _ in range(1 if rich else (1 if rng.random() < 0.3 else 0))
    )
    return SocialData(
        measures=tuple(measures),
        substance_treatments=treatments,
        contact=_contact(rng, _SOCIAL_STAFF, "social.tvaersby.example"),
    )


def _health(rng: random.Random, *, rich: bool) -> HealthData:
    points = rng.randint(7, 9) if rich else rng.randint(0, 8)
    raw = rng.randint(4, 14)
    who5 = []
    for month in range(points):
        raw = max(0, min(25, raw + rng.randint(-3, 4)))
        when = REFERENCE_DATE - timedelta(days=30 * (points - month) + rng.randint(0, 6))
        who5.append(Who5Score(date=when, raw_score=raw))
    rehab = []
    for _ in range(1 if rich else (1 if rng.random() < 0.4 else 0)):
        kind, diagnosis, focus = rng.choice(_REHAB)
        status = "i gang" if rich else rng.choice(_REHAB_STATUS)
        start = _days_ago(rng, 20, 200)
        end = start + timedelta(weeks=12) if status != "i gang" else None
        rehab.append(RehabEpisode(kind, status, start, end, focus, diagnosis))
    prevention = tuple(
        PreventionOffer(
            offer=offer, status=rng.choice(_PREVENTION_STATUS), date=_days_ago(rng, 5, 300)
        )
        for offer in _sample(rng, _PREVENTION, rng.randint(1, 3) if rich else rng.randint(0, 2))
    )
    return HealthData(
        who5=tuple(who5),
        rehabilitation=tuple(rehab),
        prevention=prevention,
        contact=_contact(rng, _HEALTH_STAFF, "sundhed.tvaersby.example"),
    )


def _age(born: date) -> int:
    return (
        REFERENCE_DATE.year
        - born.year
        - ((REFERENCE_DATE.month, REFERENCE_DATE.day) < (born.month, born.day))
    )


def _sample(rng: random.Random, items: tuple[str, ...], count: int) -> list[str]:
    # Own sampler so the result cannot change with random.sample's implementation.
    pool = list(items)
    picked = []
    for _ in range(min(count, len(pool))):
        picked.append(pool.pop(rng.randint(0, len(pool) - 1)))
    return picked


def _extend(citizen: SyntheticCitizen) -> SyntheticCitizen:
    """Add the issue-14 records from a generator of the citizen's own (see the module doc)."""
    rng = random.Random(SEED * 1000 + citizen.index)
    demo = citizen.index < 3
    jobcenter, health = citizen.jobcenter, citizen.health
    if jobcenter is not None:
        sick_leave = None
        if jobcenter.benefit_type == "sygedagpenge":
            first_day = _days_ago(rng, 20, 300)
            category = rng.choice((1, 2, 3))
            sick_leave = SickLeave(
                category=category,
                first_day=first_day,
                expected_return=None
                if category == 3
                else REFERENCE_DATE + timedelta(days=rng.randint(14, 120)),
                employment=rng.choice(_SICK_EMPLOYMENT),
                partial=f"ja, {rng.choice((10, 15, 20))} timer om ugen"
                if rng.random() < 0.4
                else None,
                medical_note=rng.choice(_SICK_NOTES),
            )
        rehab_plan = recommendation = None
        if jobcenter.target_group in ("ressourceforløb", "jobafklaring", "fleksjobvisiteret"):
            updated = _days_ago(rng, 40, 400)
            rehab_plan = RehabilitationPlan(
                goal=rng.choice(_REHAB_PLAN_GOALS),
                education=rng.choice(_REHAB_PLAN_EDUCATION),
                employment=rng.choice(_REHAB_PLAN_EMPLOYMENT),
                social=rng.choice(_REHAB_PLAN_SOCIAL),
                health=rng.choice(_REHAB_PLAN_HEALTH),
                updated=updated,
            )
            text, efforts = rng.choice(_RECOMMENDATIONS)
            if jobcenter.target_group == "fleksjobvisiteret":
                text, efforts = _RECOMMENDATIONS[2]
            recommendation = RehabilitationRecommendation(
                meeting_date=updated + timedelta(days=rng.randint(14, 30)),
                recommendation=text,
                efforts=efforts,
                duration=rng.choice(_DURATIONS),
                citizen_remarks=rng.choice(_REMARKS),
            )
        jobcenter = dataclasses.replace(
            jobcenter,
            sick_leave=sick_leave,
            rehabilitation_plan=rehab_plan,
            recommendation=recommendation,
        )
    if health is not None:
        # A WHO-5 score below 50 (raw score 12 or less) leads to a referral, the first time.
        low = next((p for p in health.who5 if p.score < 50), None)
        referrals = (
            (
                Referral(
                    date=low.date + timedelta(days=rng.randint(1, 10)),
                    offer=rng.choice(_REFERRAL_OFFERS),
                    status=rng.choice(_REFERRAL_STATUS),
                    reason=f"WHO-5-score {low.score} (under 50)",
                ),
            )
            if low is not None
            else ()
        )
        screenings = tuple(
            AuditScreening(date=_days_ago(rng, 10, 400), score=rng.randint(2, 30))
            for _ in range(rng.randint(1, 2) if demo or rng.random() < 0.4 else 0)
        )
        screenings = tuple(sorted(screenings, key=lambda s: s.date))
        treatments = tuple(
            AlcoholTreatment(
                kind=rng.choice(_ALCOHOL_KINDS),
                start=screenings[-1].date + timedelta(days=rng.randint(7, 30)),
                status=rng.choice(_ALCOHOL_STATUS),
                provider=rng.choice(_ALCOHOL_PROVIDERS),
            )
            for _ in range(1 if screenings and screenings[-1].score >= 16 else 0)
        )
        work_status: tuple[WorkStatus, ...] = ()
        if jobcenter is not None and jobcenter.sick_leave is not None:
            status = rng.choice(_WORK_STATUS)
            work_status = (
                WorkStatus(
                    course=rng.choice(_WORK_COURSES),
                    status=status,
                    updated=_days_ago(rng, 1, 30),
                    expected_end=None
                    if status == "afsluttet"
                    else REFERENCE_DATE + timedelta(days=rng.randint(14, 90)),
                    work_note=rng.choice(_WORK_NOTES),
                    diagnosis=jobcenter.sick_leave.medical_note.split(";")[0],
                ),
            )
        health = dataclasses.replace(
            health,
            referrals=referrals,
            alcohol_screenings=screenings,
            alcohol_treatments=treatments,
            work_status=work_status,
        )
    return dataclasses.replace(citizen, jobcenter=jobcenter, health=health)


@cache
def _generate() -> tuple[SyntheticCitizen, ...]:
    rng = random.Random(SEED)
    used: set[str] = set()
    people = []
    for index in range(CITIZEN_COUNT):
        gender = "female" if rng.random() < 0.5 else "male"
        if index == 1:
            gender = "female"  # the demo's three citizens should not all be men
        given = rng.choice(_FEMALE if gender == "female" else _MALE)
        family = rng.choice(_FAMILY)
        born, cpr = _birth_and_cpr(rng, gender, used)
        demo = index < 3
        in_jobcenter = demo or rng.random() < 0.85
        in_social = demo or rng.random() < 0.6
        in_health = demo or rng.random() < 0.7
        people.append(
            SyntheticCitizen(
                index=index,
                cpr=cpr,
                given_name=given,
                family_name=family,
                birth_date=born,
                gender=gender,
                jobcenter=_jobcenter(rng, rich=demo, age=_age(born)) if in_jobcenter else None,
                social=_social(rng, rich=demo) if in_social else None,
                health=_health(rng, rich=demo) if in_health else None,
            )
        )
    return tuple(_extend(person) for person in people)


def citizens() -> list[SyntheticCitizen]:
    """All synthetic citizens, in a stable order (index 0 first)."""
    return list(_generate())


@cache
def _by_cpr() -> dict[str, SyntheticCitizen]:
    return {citizen.cpr: citizen for citizen in _generate()}


def citizen_by_cpr(cpr: str) -> SyntheticCitizen | None:
    """The synthetic citizen with this CPR (10 digits, an optional dash allowed), or None."""
    return _by_cpr().get(cpr.replace("-", "").strip())
