"""THE authorization table: every route the app registers × every principal kind → status.

One row per (method, route). ``expect`` gives the status each principal kind must get; the
helpers below build it from who may use the route, so a row reads as its rule:

* ``public()``: anyone, with or without credentials (forged credentials are ignored, never
  honoured);
* ``api(who)``: a bearer token of one of ``who`` → ``ok``; another valid token → 403; none,
  or forged/expired → 401;
* ``web(who)``: a session of one of ``who`` → ``ok``; another session → 403; no session → 303
  to the login page. Bearer tokens are not credentials on web pages: attackers get 303 too.

A route the app registers without a row here fails ``test_every_route_has_a_row``. Static
files (the ``/static`` mount) are excluded by rule: they are the same for everyone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.security.principals import ATTACKERS, CITIZENS, EMPLOYEES, KEYS, UNAUTHENTICATED

DPO = ("dpo",)
# The anomaly the matrix triages (its id is derived from these, see anomalies.anomaly_key).
TRIAGED = {
    "kind": "off_hours",
    "actor_id": "sagsbehandler-jobcenter",
    "first_seen": "2026-11-22T22:00:00+00:00",
}
JOBCENTER = ("job_cw", "job_co")
# Who may use the purpose "tvaerfagligt_team" (catalogue): the staff pages refuse the others.
VIEWERS = ("job_cw", "job_co", "soc_cw", "hea_hp")
PURPOSE_RULE = "employees whose role may use the purpose (CTI worker and DPO may not)"


@dataclass
class World:
    """Resources that rows refer to (all about citizen A), made once before the matrix runs."""

    cpr_a: str
    cpr_b: str
    ids: dict[str, str] = field(default_factory=dict)  # path parameter → value
    # Made anew for a row that consumes its resource (withdraw, approve, ...).
    fresh_consent: Callable[[], Awaitable[str]] | None = None
    fresh_request: Callable[[], Awaitable[str]] | None = None
    # Issue 14: a consent pending confirmation (jobcenter recorded health data), a withdrawn one.
    fresh_pending: Callable[[], Awaitable[str]] | None = None
    fresh_withdrawn: Callable[[], Awaitable[str]] | None = None


Body = Any | Callable[[World, str], Any]  # (world, principal key) → value
Fresh = Callable[[World], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the route template exactly as registered
    expect: Mapping[str, int]
    web: bool = False  # use the session client (web pages) instead of the bearer client
    json: Body = None
    data: Body = None
    query: Body = None
    fresh: Fresh | None = None  # path parameters made anew for every call
    rule: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)


def _expect(base: dict[str, int], overrides: Mapping[str, int]) -> dict[str, int]:
    unknown = set(overrides) - set(KEYS)
    assert not unknown, unknown
    return {**base, **overrides}


def public(ok: int = 200, **overrides: int) -> dict[str, int]:
    return _expect(dict.fromkeys(KEYS, ok), overrides)


def api(who: Iterable[str], ok: int = 200, **overrides: int) -> dict[str, int]:
    allowed = set(who)
    base = {k: 401 if k in UNAUTHENTICATED else ok if k in allowed else 403 for k in KEYS}
    return _expect(base, overrides)


def web(who: Iterable[str], ok: int = 200, **overrides: int) -> dict[str, int]:
    allowed = set(who)
    base = {k: 303 if k in UNAUTHENTICATED else ok if k in allowed else 403 for k in KEYS}
    return _expect(base, overrides)


async def _fresh_consent(world: World) -> dict[str, str]:
    assert world.fresh_consent is not None
    return {"consent_id": await world.fresh_consent()}


async def _authority_of_a(world: World) -> dict[str, str]:
    # The demo fuldmagt for citizen A, held by ``fuldmaegtig-1`` — not by A or B themselves.
    return {"authority_ref": "DF-DEMO-0001"}


async def _authority_and_consent_of_a(world: World) -> dict[str, str]:
    assert world.fresh_consent is not None
    return {"authority_ref": "DF-DEMO-0001", "consent_id": await world.fresh_consent()}


async def _fresh_request(world: World) -> dict[str, str]:
    assert world.fresh_request is not None
    return {"consent_request_id": await world.fresh_request()}


async def _fresh_pending(world: World) -> dict[str, str]:
    assert world.fresh_pending is not None
    return {"consent_id": await world.fresh_pending()}


async def _fresh_withdrawn(world: World) -> dict[str, str]:
    assert world.fresh_withdrawn is not None
    return {"consent_id": await world.fresh_withdrawn()}


async def _second_episode(world: World) -> dict[str, str]:
    return {"episode_id": world.ids["second_episode_id"]}


def _in(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def consent_body(world: World, who: str = "") -> dict[str, Any]:
    citizen = who.startswith("cit_")  # citizens consent in the portal, employees record forms
    return {
        "cpr": world.cpr_a,
        "purpose": "tvaerfagligt_team",
        # Staff may record forms for ordinary and confidential data only (issue 13).
        "categories": ["health.wellbeing"] if citizen else ["health.contact"],
        "recipient_departments": ["jobcenter"],
        "valid_until": _in(30),
        "collection_method": "citizen_portal" if citizen else "written_form",
        "evidence_ref": None if citizen else "authz-matrix",
    }


def consent_request_body(world: World, who: str = "") -> dict[str, Any]:
    return {
        "cpr": world.cpr_a,
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing"],
        "recipient_departments": ["jobcenter"],
        "valid_until": _in(30),
        "message": "Må vi se dit trivselsskema før mødet? 😊",
    }


def view_body(world: World, who: str = "") -> dict[str, Any]:
    return {"cpr": world.cpr_a, "purpose": "tvaerfagligt_team"}


def cpr_a(world: World, who: str = "") -> dict[str, Any]:
    return {"cpr": world.cpr_a}


def staff_token_form(world: World, who: str = "") -> dict[str, Any]:
    # ``token`` is filled in per principal by the runner (it is bound to the user).
    return {"purpose": "tvaerfagligt_team", "category": "health.wellbeing"}


def authorize_query(world: World, who: str = "") -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "tvaers-web",
        "redirect_uri": "http://testserver/auth/callback",
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "state": "authz-matrix",
    }


def authorize_form(world: World, who: str = "") -> dict[str, str]:
    form = authorize_query(world, who)
    del form["response_type"], form["code_challenge_method"]
    return {**form, "username": "borger-1"}


# Citizen B and every employee asking for citizen A's things get 404, not 403: whether an id
# exists is itself information (OWASP API1, broken object level authorization).
NOT_YOURS = 404

ROWS: tuple[Row, ...] = (
    # ------------------------------------------------------------------ operations, docs
    Row("GET", "/healthz", public(), rule="liveness, for load balancers"),
    Row("GET", "/readyz", public(), rule="readiness, for load balancers"),
    Row("GET", "/metrics", public(), rule="Prometheus scrape; no personal data (tested)"),
    Row("GET", "/openapi.json", public()),
    Row("GET", "/docs", public()),
    Row("GET", "/redoc", public()),
    # ------------------------------------------------------------------ catalogue, consents
    Row("GET", "/v1/catalogue", api([*CITIZENS, *EMPLOYEES]), rule="any valid token"),
    Row(
        "POST",
        "/v1/consents",
        api([*EMPLOYEES, "cit_a"], ok=201, cit_b=NOT_YOURS, dpo=403, soc_sw=403),
        json=consent_body,
        rule="employees whose role may use the purpose record consent forms; a citizen "
        "consents for themself, or for another only as their representative (else 404)",
    ),
    Row("POST", "/v1/consents/search", api(EMPLOYEES), json=cpr_a),
    Row("GET", "/v1/me/consents", api(CITIZENS)),
    Row("GET", "/v1/me/represented", api(CITIZENS), rule="whom the citizen may act for"),
    Row(
        "POST",
        "/v1/me/represented/consents",
        api(["cit_a"], cit_b=NOT_YOURS),
        json=cpr_a,
        rule="a citizen's consents: their own, or a represented citizen's (else 404)",
    ),
    Row(
        "POST",
        "/v1/consents/{consent_id}/withdraw",
        api(
            [*JOBCENTER, "hea_hp", "cit_a"],
            **dict.fromkeys(["cit_b", "soc_cw", "soc_sw", "dpo"], NOT_YOURS),
        ),
        json={"evidence_ref": "authz-matrix"},
        fresh=_fresh_consent,
        rule="the citizen, or a department party to the consent (jobcenter gets, health gives)",
    ),
    Row("GET", "/v1/consents/receipt-keys", public(), rule="public keys, to verify receipts"),
    Row(
        "POST",
        "/v1/consents/{consent_id}/confirm",
        api(
            ["cit_a", "hea_hp"],
            **dict.fromkeys(["cit_b", "job_cw", "job_co", "soc_cw", "soc_sw", "dpo"], NOT_YOURS),
        ),
        json={"evidence_ref": "authz-matrix"},
        fresh=_fresh_pending,
        rule="the citizen, or the source department's confirming role (health professional); "
        "the recorder's department and everyone else get 404",
    ),
    Row("GET", "/v1/consent-notices", public(), rule="published notice texts"),
    Row("GET", "/v1/consent-notices/{version}", public(), rule="published notice texts"),
    Row(
        "POST",
        "/v1/consent-requests",
        # job_cw's request from the world set-up is still pending: asking again returns it.
        api(VIEWERS, ok=201, job_cw=200),
        json=consent_request_body,
        rule=PURPOSE_RULE + "; one pending request per citizen, purpose and caseworker",
    ),
    Row("GET", "/v1/consent-requests", api(EMPLOYEES)),
    Row(
        "GET",
        "/v1/consent-requests/{consent_request_id}",
        api(JOBCENTER, **dict.fromkeys(set(EMPLOYEES) - set(JOBCENTER), NOT_YOURS)),
        rule="the asking department only",
    ),
    # ------------------------------------------------------------------ views
    Row(
        "POST",
        "/v1/views",
        api(EMPLOYEES),
        json=view_body,
        rule="employees; what they see is the policy's decision (withheld sections)",
    ),
    # ------------------------------------------------------------------ audit (DPO)
    Row("GET", "/v1/audit/entries", api(DPO)),
    Row("POST", "/v1/audit/search", api(DPO), json=cpr_a),
    Row("POST", "/v1/audit/console/entries", api(DPO), json={}),
    Row("POST", "/v1/audit/console/charts", api(DPO), json={}),
    Row("POST", "/v1/audit/console/anomalies", api(DPO), json={}),
    Row("POST", "/v1/audit/exports/csv", api(DPO), json={}),
    Row("POST", "/v1/audit/exports/signed", api(DPO), json={}),
    Row("GET", "/v1/audit/integrity", api(DPO)),
    Row("POST", "/v1/audit/integrity/verify", api(DPO, ok=202)),
    Row("GET", "/v1/audit/integrity/verify/{job_id}", api(DPO)),
    Row("POST", "/v1/audit/demo/snooping-pattern", api(DPO, ok=201), rule="demo data, DPO only"),
    Row("GET", "/v1/audit/break-glass", api(DPO), query={"status": "pending"}),
    Row(
        "POST",
        "/v1/audit/break-glass/{episode_id}/review",
        api(DPO),
        json={"verdict": "justified", "note": "Akut situation, dokumenteret i journalen."},
        rule="DPO only; the one DPO call reviews the episode the world opened",
    ),
    Row(
        "POST",
        "/v1/audit/anomalies/{anomaly_id}/triage",
        api(DPO),
        json=lambda world, who: {**TRIAGED, "status": "dismissed", "note": "Kendt mønster."},
    ),
    Row("GET", "/v1/audit/proof/inclusion", api(DPO), query={"index": "0"}),
    # ------------------------------------------------------------------ audit (public log)
    Row("GET", "/v1/audit/public-key", public()),
    Row("GET", "/v1/audit/checkpoint", public()),
    Row("GET", "/v1/audit/checkpoints/{size}", public()),
    Row("GET", "/v1/audit/proof/consistency", public(), query={"old": "1", "new": "1"}),
    # ------------------------------------------------------------------ citizens' own log
    Row("GET", "/v1/me/access-log", api(CITIZENS)),
    Row(
        "GET",
        "/v1/me/access-log/{event_id}/receipt",
        api(["cit_a"], cit_b=NOT_YOURS),
    ),
    Row("GET", "/v1/me/access-log/{event_id}/entry", api(["cit_a"], cit_b=NOT_YOURS)),
    Row("GET", "/v1/me/notices", api(CITIZENS)),
    Row("PUT", "/v1/me/notice-preferences", api(CITIZENS), json={"email": "borger@example.org"}),
    Row("GET", "/v1/me/export", api(CITIZENS), rule="each citizen gets only their own copy"),
    # ------------------------------------------------------------------ development IdP
    Row("GET", "/.well-known/openid-configuration", public()),
    Row("GET", "/jwks", public()),
    Row("GET", "/dev/users", public(), rule="development only (absent in production)"),
    Row(
        "POST",
        "/dev/token",
        public(),
        json={"username": "borger-1"},
        rule="development only (absent in production)",
    ),
    Row("GET", "/dev/authorize", public(), web=True, query=authorize_query),
    Row("POST", "/dev/authorize", public(303), web=True, data=authorize_form),
    Row(
        "POST",
        "/dev/oauth/token",
        public(400),
        data={
            "grant_type": "authorization_code",
            "code": "not-a-code",
            "redirect_uri": "http://testserver/auth/callback",
            "code_verifier": "v" * 43,
        },
        rule="a code is needed; a token never comes from credentials alone",
    ),
    # ------------------------------------------------------------------ web: login
    Row(
        "GET",
        "/",
        web(
            [], **dict.fromkeys(UNAUTHENTICATED, 200), **dict.fromkeys([*CITIZENS, *EMPLOYEES], 303)
        ),
        web=True,
        rule="front page; logged-in users go on to their start page",
    ),
    Row("GET", "/auth/login", public(302), web=True),
    Row("GET", "/auth/callback", public(400), web=True, rule="no login in progress"),
    Row("POST", "/auth/logout", public(), web=True, rule="last row of the session (see runner)"),
    Row("GET", "/auth/logged-out", public(), web=True, rule="the provider's return after logout"),
    Row("POST", "/lang", public(303), web=True, data={"lang": "en", "next": "/"}),
    Row("GET", "/tilgaengelighed", public(), web=True, rule="accessibility statement"),
    # ------------------------------------------------------------------ web: citizen portal
    Row("GET", "/portal", web(CITIZENS), web=True),
    Row("GET", "/portal/consents/{consent_id}", web(["cit_a"], cit_b=NOT_YOURS), web=True),
    Row("GET", "/portal/consents/{consent_id}/revoke", web(["cit_a"], cit_b=NOT_YOURS), web=True),
    Row(
        "POST",
        "/portal/consents/{consent_id}/revoke",
        web(["cit_a"], ok=303, cit_b=NOT_YOURS),
        web=True,
        fresh=_fresh_consent,
    ),
    Row(
        "GET",
        "/portal/consents/{consent_id}/receipt.jws",
        web(["cit_a"], cit_b=NOT_YOURS),
        web=True,
    ),
    Row("GET", "/portal/consents/{consent_id}/print", web(["cit_a"], cit_b=NOT_YOURS), web=True),
    Row(
        "POST",
        "/portal/consents/{consent_id}/confirm",
        web(["cit_a"], ok=303, cit_b=NOT_YOURS),
        web=True,
        fresh=_fresh_pending,
    ),
    Row(
        "GET",
        "/portal/consents/{consent_id}/withdrawal-receipt.jws",
        web(["cit_a"], cit_b=NOT_YOURS),
        web=True,
        fresh=_fresh_withdrawn,
    ),
    Row(
        "GET",
        "/portal/requests/{consent_request_id}",
        web(["cit_a"], cit_b=NOT_YOURS),
        web=True,
    ),
    Row(
        "POST",
        "/portal/requests/{consent_request_id}/approve",
        web(["cit_a"], ok=303, cit_b=NOT_YOURS),
        web=True,
        fresh=_fresh_request,
    ),
    Row(
        "POST",
        "/portal/requests/{consent_request_id}/decline",
        web(["cit_a"], ok=303, cit_b=NOT_YOURS),
        web=True,
        fresh=_fresh_request,
    ),
    Row("GET", "/portal/log", web(CITIZENS), web=True),
    Row(
        "GET",
        "/portal/represented/{authority_ref}",
        web((), cit_a=NOT_YOURS, cit_b=NOT_YOURS),
        web=True,
        fresh=_authority_of_a,
        rule="only the holder of the authority (not even the represented citizen)",
    ),
    Row(
        "POST",
        "/portal/represented/{authority_ref}/consents/{consent_id}/withdraw",
        web((), cit_a=NOT_YOURS, cit_b=NOT_YOURS),
        web=True,
        fresh=_authority_and_consent_of_a,
        rule="only the holder of the authority, within it",
    ),
    Row("GET", "/portal/inbox", web(CITIZENS), web=True),
    Row("GET", "/portal/export", web(CITIZENS), web=True, rule="each citizen's own copy"),
    Row("GET", "/portal/log/{event_id}/receipt", web(["cit_a"], cit_b=NOT_YOURS), web=True),
    Row("GET", "/portal/log/{event_id}/entry", web(["cit_a"], cit_b=NOT_YOURS), web=True),
    # ------------------------------------------------------------------ web: staff console
    Row("GET", "/staff", web(EMPLOYEES), web=True),
    Row("POST", "/staff/overview", web(VIEWERS), web=True, data=view_body, rule=PURPOSE_RULE),
    Row(
        "POST",
        "/staff/overview/section",
        web(VIEWERS),
        web=True,
        data=staff_token_form,
        rule=PURPOSE_RULE,
    ),
    Row(
        "POST",
        "/staff/overview/open",
        web(VIEWERS),
        web=True,
        data=staff_token_form,
        rule=PURPOSE_RULE,
    ),
    Row("GET", "/staff/requests", web(EMPLOYEES), web=True),
    Row("GET", "/staff/confirmations", web(EMPLOYEES), web=True),
    Row(
        "POST",
        "/staff/confirmations/{consent_id}",
        web(
            ["hea_hp"],
            ok=303,
            **dict.fromkeys(["job_cw", "job_co", "soc_cw", "soc_sw", "dpo"], NOT_YOURS),
        ),
        web=True,
        data={"evidence_ref": "authz-matrix"},
        fresh=_fresh_pending,
        rule="the source department's confirming role; other employees 404",
    ),
    Row(
        "POST",
        "/staff/consent-request/preview",
        web(VIEWERS),
        web=True,
        data=staff_token_form,
        rule=PURPOSE_RULE,
    ),
    Row(
        "POST",
        "/staff/consent-request",
        web(VIEWERS),
        rule=PURPOSE_RULE,
        web=True,
        data=lambda world, who: {
            "purpose": "tvaerfagligt_team",
            "categories": ["health.wellbeing"],
        },
    ),
    Row("GET", "/staff/dpo", web(DPO), web=True),
    Row("POST", "/staff/dpo", web(DPO), web=True),
    Row("POST", "/staff/dpo/export.csv", web(DPO), web=True),
    Row("POST", "/staff/dpo/export.zip", web(DPO), web=True),
    Row("POST", "/staff/dpo/verify", web(DPO), web=True),
    Row("GET", "/staff/dpo/verify/{job_id}", web(DPO), web=True),
    Row("GET", "/staff/dpo/break-glass", web(DPO), web=True),
    Row(
        "POST",
        "/staff/dpo/break-glass/{episode_id}/review",
        web(DPO, ok=303),
        web=True,
        data={"verdict": "justified", "note": "Akut, dokumenteret."},
        fresh=_second_episode,
        rule="DPO only; reviews the world's second episode",
    ),
    Row(
        "POST",
        "/staff/dpo/anomalies/{anomaly_id}/triage",
        web(DPO, ok=303),
        web=True,
        data={**TRIAGED, "status": "investigated", "note": "Undersøgt."},
    ),
)

assert len({row.key for row in ROWS}) == len(ROWS), "one row per route"
assert ATTACKERS  # the forged principals are part of every row
