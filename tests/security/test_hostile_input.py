"""Hostile input: every case answers 4xx in our error shape, and nothing odd is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.audit.entries.models import AuditEntryRow
from gateway.consent.models import ConsentRow
from tests.harness import Harness, demo_cpr, running_gateway

INJECTIONS = [
    "'; DROP TABLE consents; --",
    '" OR 1=1 --',
    "{{ 7*7 }}",
    "{% for x in range(10) %}x{% endfor %}",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "${jndi:ldap://x}",
]

MALFORMED = {
    "deeply nested array": b"[" * 30000 + b"]" * 30000,
    "deeply nested value": b'{"cpr": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "invalid utf-8": b'{"cpr": "\xff\xfe", "purpose": "x"}',
    "not json": b"cpr=0101901234",
    "truncated": b'{"cpr": "0602903859", "purp',
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
async def test_malformed_bodies_are_4xx_in_our_error_shape(gw: Harness, name: str) -> None:
    headers = {**await gw.auth("sagsbehandler-jobcenter"), "content-type": "application/json"}
    response = await gw.client.post("/v1/views", content=MALFORMED[name], headers=headers)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == response.status_code


async def test_oversized_body_is_refused_before_parsing(gw: Harness) -> None:
    headers = {**await gw.auth("sagsbehandler-jobcenter"), "content-type": "application/json"}
    body = json.dumps({"cpr": "1" * 200_000}).encode()
    response = await gw.client.post("/v1/views", content=body, headers=headers)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_oversized_chunked_body_is_refused(gw: Harness) -> None:
    headers = {**await gw.auth("sagsbehandler-jobcenter"), "content-type": "application/json"}

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 1024

    response = await gw.client.post("/v1/views", content=chunks(), headers=headers)
    assert response.status_code == 413


@pytest.mark.parametrize("payload", INJECTIONS)
async def test_injection_strings_are_refused_or_stored_literally(gw: Harness, payload: str) -> None:
    headers = await gw.auth("sagsbehandler-jobcenter")
    as_purpose = await gw.client.post(
        "/v1/views", json={"cpr": demo_cpr(0), "purpose": payload}, headers=headers
    )
    # An unknown purpose is denied with a reason (never an error, never data).
    assert as_purpose.status_code in (200, 422)
    if as_purpose.status_code == 200:
        assert all(s["status"] == "withheld" for s in as_purpose.json()["sections"])
    as_category = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team", "categories": [payload]},
        headers=headers,
    )
    # Not a category id: refused before anything is written (issue 13).
    assert as_category.status_code == 422
    consent = await gw.client.post(
        "/v1/consents",
        json={
            "cpr": demo_cpr(0),
            "purpose": "tvaerfagligt_team",
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
            "collection_method": "written_form",
            "evidence_ref": payload,
        },
        headers=headers,
    )
    assert consent.status_code == 201
    async with gw.services.sessions() as session:
        stored = (await session.scalars(select(ConsentRow))).all()
    assert [row.evidence_ref for row in stored] == [payload]


async def test_danish_letters_and_emoji_round_trip(gw: Harness) -> None:
    text = "Samtykke givet mundtligt på Ærø — borgeren var glad 😊 (ØÅ æøå)"
    created = await gw.record_consent(demo_cpr(0), categories=["social.services"])
    assert created["consent"]["evidence_ref"] == "journal/2026/123"
    response = await gw.client.post(
        "/v1/consents",
        json={
            "cpr": demo_cpr(1),
            "purpose": "tvaerfagligt_team",
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": (datetime.now(UTC) + timedelta(days=10)).isoformat(),
            "collection_method": "oral_recorded",
            "evidence_ref": text,
        },
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 201
    assert response.json()["consent"]["evidence_ref"] == text
    assert (
        "charset=utf-8" in response.headers["content-type"]
        or response.headers["content-type"] == "application/json"
    )


@pytest.mark.parametrize(
    "consent_id", ["../../etc/passwd", "..%2F..%2Fetc", "1 OR 1=1", "%00", "a" * 36]
)
async def test_path_traversal_and_junk_ids_are_4xx(gw: Harness, consent_id: str) -> None:
    response = await gw.client.post(
        f"/v1/consents/{consent_id}/withdraw", headers=await gw.auth("sagsbehandler-jobcenter")
    )
    assert response.status_code in (404, 422)


async def test_unknown_fields_are_refused(gw: Harness) -> None:
    response = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team", "admin": True},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 422


@pytest.mark.usefixtures("database_url")
async def test_views_are_rate_limited_per_user_and_audited(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, view_limit_per_user=3, view_limit_per_citizen=100) as gw:
        headers = await gw.auth("sagsbehandler-jobcenter")
        statuses = [
            (
                await gw.client.post(
                    "/v1/views",
                    json={"cpr": demo_cpr(i % 3), "purpose": "tvaerfagligt_team"},
                    headers=headers,
                )
            ).status_code
            for i in range(5)
        ]
        assert statuses == [200, 200, 200, 429, 429]
        other = await gw.client.post(
            "/v1/views",
            json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
            headers=await gw.auth("koordinator-jobcenter"),
        )
        assert other.status_code == 200
        async with gw.services.sessions() as session:
            outcomes = (await session.scalars(select(AuditEntryRow.outcome))).all()
        assert outcomes.count("rate_limited") == 2


@pytest.mark.usefixtures("database_url")
async def test_views_are_rate_limited_per_citizen(tmp_path: Path) -> None:
    async with running_gateway(tmp_path, view_limit_per_user=100, view_limit_per_citizen=2) as gw:
        statuses = []
        for user in ("sagsbehandler-jobcenter", "koordinator-jobcenter", "sundhed"):
            response = await gw.client.post(
                "/v1/views",
                json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
                headers=await gw.auth(user),
            )
            statuses.append(response.status_code)
        assert statuses == [200, 200, 429]
        assert response.json()["code"] == "rate_limited"
        # Retry-After says when the oldest hit leaves the window: a whole number of seconds.
        assert 1 <= int(response.headers["retry-after"]) <= 60
