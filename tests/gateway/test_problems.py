"""RFC 9457 problem details: every API error, its language, its type, its field errors; and
the web pages' own error answers (pages, not JSON)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.problems import PROBLEM_TYPES, negotiate_lang, split_bilingual
from tests.harness import Harness, demo_cpr
from tests.web.webclient import web_login

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "da"),
        ("", "da"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("da, en;q=0.8", "da"),
        ("en;q=0.5, da;q=0.9", "da"),
        ("de, en;q=0.3", "en"),
        ("fr, de", "da"),
        ("en;q=0", "da"),
        ("en;q=bogus", "da"),
    ],
)
def test_accept_language_negotiation_defaults_to_danish(header: str | None, lang: str) -> None:
    assert negotiate_lang(header) == lang


def test_bilingual_messages_split_into_their_languages() -> None:
    assert split_bilingual("Ugyldigt token / invalid token") == ("Ugyldigt token", "invalid token")
    assert split_bilingual("kun dansk") == ("kun dansk", "kun dansk")


def test_every_error_code_the_gateway_raises_has_a_registered_type() -> None:
    codes: set[str] = set()
    for path in GATEWAY.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([a-z_]+)"', text))
        codes |= set(re.findall(r'^\s+code = "([a-z_]+)"', text, re.M))
    # OAuth's own token-endpoint errors and the dev IdP's are not problem documents.
    assert codes - set(PROBLEM_TYPES) == set()


async def test_an_api_error_is_a_problem_document_in_danish_by_default(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": "3213456789", "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == "da"
    body = response.json()
    assert body["type"] == "urn:tvaers:problem:invalid_cpr"
    assert body["title"] == "Ugyldigt CPR-nummer"
    assert body["status"] == 422 and body["code"] == "invalid_cpr"
    assert body["detail"].startswith("Ugyldigt CPR-nummer") and "invalid" not in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == f"urn:uuid:{body['request_id']}"
    assert body["errors"] == [
        {"location": "body", "field": "cpr", "code": "invalid_cpr", "detail": body["detail"]}
    ]
    assert "3213456789" not in response.text


async def test_the_same_error_in_english_when_asked(gw: Harness) -> None:
    headers = {**await gw.auth("sagsbehandler-jobcenter"), "Accept-Language": "en-GB, en"}
    response = await gw.client.post(
        "/v1/views", json={"cpr": "3213456789", "purpose": "tvaerfagligt_team"}, headers=headers
    )
    body = response.json()
    assert response.headers["content-language"] == "en"
    assert body["title"] == "Invalid CPR number"
    assert body["detail"].startswith("Invalid CPR number") and "Ugyldigt" not in body["detail"]
    assert body["type"] == "urn:tvaers:problem:invalid_cpr"  # the type never changes


async def test_validation_errors_name_each_field_without_echoing_values(gw: Harness) -> None:
    secret = demo_cpr(3)
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": secret + "9999", "categories": "nope"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request"
    fields = {(e["location"], e["field"], e["code"]) for e in body["errors"]}
    assert ("body", "cpr", "string_too_long") in fields
    assert ("body", "purpose", "missing") in fields
    assert {e["detail"] for e in body["errors"] if e["field"] == "purpose"} == {
        "Feltet skal udfyldes"
    }
    assert secret not in response.text


async def test_401_404_and_405_are_problems_too(gw: Harness) -> None:
    anonymous = await gw.client.get("/v1/me/consents")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["type"] == "urn:tvaers:problem:not_authenticated"
    missing = await gw.client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await gw.client.delete("/v1/catalogue")
    assert wrong.status_code == 405 and wrong.json()["code"] == "method_not_allowed"


async def test_a_too_large_body_is_a_problem_for_the_api_and_a_page_for_a_form(
    gw: Harness,
) -> None:
    big = b"x" * (gw.services.settings.max_body_bytes + 1)
    api = await gw.client.post(
        "/v1/views", content=big, headers={"content-type": "application/json"}
    )
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["type"] == "urn:tvaers:problem:payload_too_large"
    form = await gw.client.post(
        "/staff/overview",
        content=big,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 413
    assert form.headers["content-type"].startswith("text/html")
    assert "for stort" in form.text and "{" not in form.text


async def test_openapi_gives_every_error_response_the_problem_schema(gw: Harness) -> None:
    spec = (await gw.client.get("/openapi.json")).json()
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    ids = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            ids.append(operation["operationId"])
            assert re.fullmatch(r"[a-z][A-Za-z]+", operation["operationId"]), operation
            for status, response in operation["responses"].items():
                if status[0] not in "45" or (method, path) == ("post", "/dev/oauth/token"):
                    continue
                content = response["content"]
                assert list(content) == ["application/problem+json"], (path, status)
                assert content["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }
    assert len(ids) == len(set(ids))
    views = spec["paths"]["/v1/views"]["post"]
    assert views["operationId"] == "createView"
    assert "Retry-After" in views["responses"]["429"]["headers"]
    assert "413" in views["responses"]


@pytest.mark.parametrize("path", ["/portal/nonexistent", "/portal/consents/not-a-uuid"])
async def test_web_pages_answer_errors_as_pages_in_the_visitors_language(
    gw: Harness, path: str
) -> None:
    import httpx

    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    await web_login(client, "borger-1")
    danish = await client.get(path)
    assert danish.status_code == 404
    assert danish.headers["content-type"].startswith("text/html")
    assert "Siden findes ikke" in danish.text
    assert "Input should be" not in danish.text and "uuid_parsing" not in danish.text
    client.cookies.set("tvaers_lang", "en")
    english = await client.get(path)
    assert "The page does not exist" in english.text
    # The navigation is still there: the visitor is not stranded.
    assert 'data-testid="nav-log"' in english.text
    await client.aclose()


async def test_an_expired_staff_session_sends_the_form_to_login(gw: Harness) -> None:
    import httpx

    client = httpx.AsyncClient(transport=gw.client._transport, base_url="http://testserver")
    page = await web_login(client, "sagsbehandler-jobcenter", next_path="/staff")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    client.cookies.clear()  # the session cookie expired in the browser
    response = await client.post(
        "/staff/overview",
        data={"csrf_token": token.group(1), "cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=/staff/overview"
    await client.aclose()
