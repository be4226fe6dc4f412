"""Deterministic synthetic citizens for the department simulators.

Every run, on every Python version, yields the same citizens: the generator
uses one ``random.Random`` seeded with an integer and only its stable methods
(``random``, ``randint``, ``choice``). The people are invented; CPR numbers have
a valid format (date, century digit, gender digit) but are not checked against
modulus 11, so most are not issued numbers. The municipality "Tværsby Kommune"
is fictional.

The first three citizens are known to every department (the demo uses them);
citizen 0 has at least six WHO-5 scores and a rehabilitation episode.
"""

from __future__ import annotations

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
class JobcenterData:
    """What the jobcenter's case system knows."""

    benefit_type: str
    target_group: str
    since: date
    amount_band: str
    plan: JobPlan
    activities: tuple[Activity, ...]
    contact: Contact


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
class HealthData:
    """What the health department's FHIR server knows."""

    who5: tuple[Who5Score, ...]
    rehabilitation: tuple[RehabEpisode, ...]
    prevention: tuple[PreventionOffer, ...]
    contact: Contact


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
_SUBSTANCES = ("alkohol", "hash", "kokain", "opioider")
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
    return tuple(people)


def citizens() -> list[SyntheticCitizen]:
    """All synthetic citizens, in a stable order (index 0 first)."""
    return list(_generate())


@cache
def _by_cpr() -> dict[str, SyntheticCitizen]:
    return {citizen.cpr: citizen for citizen in _generate()}


def citizen_by_cpr(cpr: str) -> SyntheticCitizen | None:
    """The synthetic citizen with this CPR (10 digits, an optional dash allowed), or None."""
    return _by_cpr().get(cpr.replace("-", "").strip())
