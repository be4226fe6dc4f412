"""Claim mapping and NSIS assurance: claim names are settings, and a login below the level a
kind of user needs is refused (401 ``insufficient_user_authentication``), never mapped."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from gateway.auth.claims import ClaimMapping, InsufficientAssurance
from gateway.config import Settings
from gateway.errors import NotAuthenticated
from gateway.web.oidc import logout_url
from tests.harness import demo_cpr, running_gateway, view

NSIS = "https://data.gov.dk/concept/core/nsis/loa"
BROKER = {
    "oidc_claim_cpr": "dk:gov:saml:attribute:CprNumberIdentifier",
    "oidc_claim_kind": "",
    "oidc_claim_name": "https://data.gov.dk/model/core/eid/fullName",
    "oidc_claim_loa": NSIS,
    "oidc_claim_department": "https://tvaers.dk/claims/department",
    "oidc_claim_roles": "https://tvaers.dk/claims/roles",
    "oidc_citizen_min_loa": "substantial",
    "oidc_employee_min_loa": "substantial",
}


def broker_mapping(**extra: Any) -> ClaimMapping:
    return ClaimMapping.from_settings(Settings(**{**BROKER, **extra}))


def test_a_mitid_broker_citizen_is_read_from_its_own_claim_names() -> None:
    cpr = demo_cpr(0)
    dashed = f"{cpr[:6]}-{cpr[6:]}"
    principal = broker_mapping().principal(
        {
            "sub": "b7c1",
            "dk:gov:saml:attribute:CprNumberIdentifier": dashed,
            "https://data.gov.dk/model/core/eid/fullName": "Åse Ærø",
            NSIS: "Substantial",
        }
    )
    assert principal.kind == "citizen" and principal.cpr == cpr and principal.name == "Åse Ærø"
    # Under the default names the same token is nobody.
    with pytest.raises(NotAuthenticated):
        ClaimMapping().principal({"sub": "b7c1", "cpr": dashed, NSIS: "Substantial"})


def test_an_inferred_kind_refuses_a_token_that_looks_like_both() -> None:
    mapping = broker_mapping()
    employee = mapping.principal(
        {
            "sub": "e1",
            "https://tvaers.dk/claims/department": "jobcenter",
            "https://tvaers.dk/claims/roles": "caseworker dpo",
            NSIS: f"{NSIS}/High",
        }
    )
    assert employee.kind == "employee" and employee.roles == ("caseworker", "dpo")
    both = {
        "sub": "x",
        "dk:gov:saml:attribute:CprNumberIdentifier": demo_cpr(0),
        "https://tvaers.dk/claims/department": "jobcenter",
        "https://tvaers.dk/claims/roles": ["caseworker"],
        NSIS: "High",
    }
    with pytest.raises(NotAuthenticated, match="unknown principal kind"):
        mapping.principal(both)
    with pytest.raises(NotAuthenticated, match="unknown principal kind"):
        mapping.principal({"sub": "y", NSIS: "High"})


@pytest.mark.parametrize(
    ("stated", "accepted"),
    [
        ("Low", False),
        (f"{NSIS}/Low", False),
        ("urn:grn:authn:dk:mitid:low", False),
        (None, False),
        ("substantial-ish", False),  # an unknown value is no level at all
        ("Substantial", True),
        (f"{NSIS}/High", True),
        ("urn:grn:authn:dk:mitid:substantial", True),
    ],
)
def test_citizens_below_the_required_level_are_refused(stated: str | None, accepted: bool) -> None:
    claims: dict[str, Any] = {"sub": "c", "dk:gov:saml:attribute:CprNumberIdentifier": demo_cpr(1)}
    if stated is not None:
        claims[NSIS] = stated
    if accepted:
        assert broker_mapping().principal(claims).kind == "citizen"
    else:
        with pytest.raises(InsufficientAssurance):
            broker_mapping().principal(claims)


def test_levels_are_per_kind_and_extra_values_are_configuration() -> None:
    mapping = broker_mapping(
        oidc_employee_min_loa="low",
        oidc_loa_values={"urn:kommune:ad:mfa": "substantial", "urn:kommune:ad:pwd": "low"},
    )
    employee = {
        "sub": "e",
        "https://tvaers.dk/claims/department": "social",
        "https://tvaers.dk/claims/roles": ["caseworker"],
        NSIS: "urn:kommune:ad:pwd",
    }
    assert mapping.principal(employee).kind == "employee"  # low is enough for employees here
    citizen = {"sub": "c", "dk:gov:saml:attribute:CprNumberIdentifier": demo_cpr(1)}
    with pytest.raises(InsufficientAssurance):
        mapping.principal({**citizen, NSIS: "urn:kommune:ad:pwd"})
    assert mapping.principal({**citizen, NSIS: "URN:KOMMUNE:AD:MFA"}).kind == "citizen"
    with pytest.raises(ValueError, match="NSIS levels"):
        Settings(oidc_loa_values={"x": "medium"})


async def test_the_api_answers_a_low_login_with_a_problem_document(tmp_path: Path) -> None:
    """The development provider states no level: required `substantial`, a citizen is
    refused with 401 + RFC 9470's error, an employee (no requirement) is served."""
    async with running_gateway(tmp_path, oidc_citizen_min_loa="substantial") as gw:
        refused = await gw.client.get(
            "/v1/me/consents",
            headers={**await gw.citizen_auth(demo_cpr(0)), "accept-language": "da"},
        )
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == "insufficient_user_authentication"
        assert "sikringsniveau" in problem["detail"] and "betydelig" in problem["detail"]
        assert 'error="insufficient_user_authentication"' in refused.headers["www-authenticate"]
        await view(gw, demo_cpr(0))  # asserts a 200


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        raw = json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return f"{part({'alg': 'ES256'})}.{part(claims)}.c2ln"


def test_logout_never_puts_a_cpr_number_in_the_url() -> None:
    """A broker whose ID token carries the CPR number: the end-session URL names the client
    instead of passing the token (``exp``/``iat`` numbers are no CPR number)."""
    end = "https://idp.example/logout"
    plain = _jwt({"sub": "x", "aud": "tvaers-web", "exp": 1801011234, "iat": 1801011000})
    url = logout_url(
        end,
        id_token=plain,
        client_id="tvaers-web",
        post_logout_redirect_uri="https://g/o",
        lang="da",
    )
    query = parse_qs(urlsplit(url).query)
    assert query["id_token_hint"] == [plain] and "client_id" not in query
    cpr = demo_cpr(0)
    carriers: list[Any] = [{"cprNumberIdentifier": cpr}, {"nin": f"{cpr[:6]}-{cpr[6:]}"}]
    for carrier in [*carriers, "garbage", None]:  # None: too large to keep in the cookie
        token = carrier if not isinstance(carrier, dict) else _jwt({"sub": "x", **carrier})
        url = logout_url(
            end,
            id_token=token,
            client_id="tvaers-web",
            post_logout_redirect_uri="https://g/o",
            lang="en",
        )
        query = parse_qs(urlsplit(url).query)
        assert "id_token_hint" not in query and query["client_id"] == ["tvaers-web"]
        assert cpr not in url and cpr[6:] not in url
