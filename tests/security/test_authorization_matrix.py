"""Authorization matrix: every registered route × every principal kind → the expected status.

The table is ``tests/security/authz_table.py``; this module runs it against one gateway and
prints the result (also kept in ``docs/security-tests.md``). SQLite only: who may call what is
decided before any query, the same on every database.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.routing import Mount

from gateway.app import create_app
from gateway.audit.console.anomalies import anomaly_key
from gateway.web.staff_view import citizen_token
from tests.audit.log_helpers import sequencer
from tests.harness import Harness, demo_cpr, running_gateway
from tests.harness import test_settings as gateway_settings
from tests.security.authz_table import (
    ROWS,
    TRIAGED,
    Row,
    World,
    consent_body,
    consent_request_body,
)
from tests.security.principals import PRINCIPALS, UNAUTHENTICATED, Caller, callers
from tests.security.report import check_or_write_doc, markdown_table, publish

pytestmark = pytest.mark.sqlite_only

EXCLUDED_MOUNTS = {"/static"}  # static files: the same bytes for everyone, by rule
ENDS_SESSION = {("POST", "/auth/logout")}


def registered_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, HEAD aside (it mirrors GET)."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
                walk(list(route.effective_route_contexts()))
            elif isinstance(route, Mount):
                assert route.path in EXCLUDED_MOUNTS, f"unexpected mount {route.path}"
            else:
                for method in route.methods or ():
                    if method != "HEAD":
                        found.add((method, route.path))

    walk(list(app.routes))
    return found


def test_every_route_has_a_row(tmp_path: Path) -> None:
    app = create_app(gateway_settings(tmp_path))
    routes = registered_routes(app)
    rows = {row.key for row in ROWS}
    assert routes - rows == set(), "routes without a row in tests/security/authz_table.py"
    assert rows - routes == set(), "rows for routes the app no longer has"


async def make_world(gw: Harness) -> World:
    world = World(cpr_a=demo_cpr(0), cpr_b=demo_cpr(1))
    worker = await gw.auth("sagsbehandler-jobcenter")

    async def fresh_consent() -> str:
        response = await gw.client.post("/v1/consents", json=consent_body(world), headers=worker)
        assert response.status_code == 201, response.text
        return str(response.json()["consent"]["consent_id"])

    async def fresh_request() -> str:
        response = await gw.client.post(
            "/v1/consent-requests", json=consent_request_body(world), headers=worker
        )
        # One pending request per citizen, purpose and caseworker: while the last one is
        # unanswered, asking again gives that one back (200) — still a pending request to act on.
        assert response.status_code in (200, 201), response.text
        assert response.json()["status"] == "pending"
        return str(response.json()["request_id"])

    async def fresh_pending() -> str:
        body = consent_body(world) | {
            "categories": ["health.wellbeing"],
            "collection_method": "oral_recorded",
        }
        response = await gw.client.post("/v1/consents", json=body, headers=worker)
        assert response.status_code == 201, response.text
        assert response.json()["consent"]["status"] == "pending_confirmation"
        return str(response.json()["consent"]["consent_id"])

    async def fresh_withdrawn() -> str:
        consent_id = await fresh_consent()
        response = await gw.client.post(
            f"/v1/consents/{consent_id}/withdraw",
            json={"evidence_ref": "authz-matrix"},
            headers=worker,
        )
        assert response.status_code == 200, response.text
        return consent_id

    world.fresh_consent = fresh_consent
    world.fresh_pending = fresh_pending
    world.fresh_withdrawn = fresh_withdrawn
    world.fresh_request = fresh_request
    world.ids["consent_id"] = await fresh_consent()
    world.ids["consent_request_id"] = await fresh_request()
    world.ids["version"] = "2026-12"
    viewed = await gw.client.post(
        "/v1/views", json={"cpr": world.cpr_a, "purpose": "tvaerfagligt_team"}, headers=worker
    )
    assert viewed.status_code == 200
    await sequencer(gw).flush()
    log = await gw.client.get("/v1/me/access-log", headers=await gw.auth("borger-1"))
    world.ids["event_id"] = log.json()["items"][0]["event_id"]
    checkpoint = await gw.client.get("/v1/audit/checkpoint")
    world.ids["size"] = str(checkpoint.json()["size"])
    job = await gw.client.post("/v1/audit/integrity/verify", headers=await gw.auth("dpo"))
    world.ids["job_id"] = job.json()["job_id"]
    emergency = await gw.client.post(
        "/v1/views",
        json={
            "cpr": world.cpr_a,
            "purpose": "noedadgang",
            "justification": "Borgeren er fundet bevidstløs; akut behov for kontakt.",
        },
        headers=await gw.auth("koordinator-jobcenter"),
    )
    assert emergency.status_code == 200, emergency.text
    second = await gw.client.post(
        "/v1/views",
        json={
            "cpr": world.cpr_a,
            "purpose": "noedadgang",
            "justification": "Akut indlæggelse; kontaktpersoner skal findes med det samme.",
        },
        headers=await gw.auth("sundhed"),
    )
    assert second.status_code == 200, second.text
    queue = await gw.client.get("/v1/audit/break-glass", headers=await gw.auth("dpo"))
    by_actor = {e["actor_id"]: e["episode_id"] for e in queue.json()["items"]}
    world.ids["episode_id"] = by_actor["koordinator-jobcenter"]
    world.ids["second_episode_id"] = by_actor["sundhed"]
    world.ids["anomaly_id"] = anomaly_key(
        TRIAGED["kind"], TRIAGED["actor_id"], datetime.fromisoformat(TRIAGED["first_seen"])
    )
    return world


def _value(body: Any, world: World, who: str) -> Any:
    return body(world, who) if callable(body) else body


async def send(gw: Harness, row: Row, caller: Caller, world: World) -> httpx.Response:
    params = dict(world.ids)
    if row.fresh is not None:
        params.update(await row.fresh(world))
    path = row.path.format(**{k: v for k, v in params.items() if "{" + k + "}" in row.path})
    client = caller.web if row.web else caller.api
    data = _value(row.data, world, caller.kind.key)
    if row.web and row.method == "POST":
        data = dict(data or {})
        if row.path.startswith("/staff/") and "purpose" in data and "cpr" not in data:
            data["token"] = await _citizen_token(gw, caller, world)
    unsafe = row.web and row.method == "POST"
    headers = {"X-CSRF-Token": caller.csrf} if unsafe and caller.csrf else None
    return await client.request(
        row.method,
        path,
        json=_value(row.json, world, caller.kind.key),
        data=data,
        params=_value(row.query, world, caller.kind.key),
        headers=headers,
    )


async def _citizen_token(gw: Harness, caller: Caller, world: World) -> str:
    """The staff pages' opaque citizen reference, made for this caller (any string else)."""
    if caller.kind.username is None:
        return "x" * 40
    principal = await gw.services.token_validator.validate(await gw.token(caller.kind.username))
    return citizen_token(gw.services.keys.cipher, world.cpr_a, principal)


async def test_authorization_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every principal logs in from the same address: lift the per-address login limit.
    monkeypatch.setenv("TVAERS_WEB_LOGIN_RATE_LIMIT", "10000")
    limits = {
        "view_limit_per_user": 100_000,
        "view_limit_per_citizen": 100_000,
        "consent_action_limit_per_user": 100_000,
    }
    async with running_gateway(tmp_path, **limits) as gw:
        world = await make_world(gw)
        actual: dict[tuple[str, str], dict[str, int]] = {}
        ordered = [r for r in ROWS if r.key not in ENDS_SESSION] + [
            r for r in ROWS if r.key in ENDS_SESSION
        ]
        async with callers(gw) as by_key:
            for row in ordered:
                actual[row.key] = {}
                for kind in PRINCIPALS:
                    response = await send(gw, row, by_key[kind.key], world)
                    actual[row.key][kind.key] = response.status_code
            csrf_missing = await unsafe_web_requests_without_csrf(gw, by_key, world)

    mismatches: list[str] = []
    table_rows: list[list[object]] = []
    for row in ROWS:
        cells: list[object] = [f"{row.method} {row.path}"]
        for kind in PRINCIPALS:
            got, want = actual[row.key][kind.key], row.expect[kind.key]
            if got == want:
                cells.append(got)
            else:
                cells.append(f"**{got}≠{want}**")
                mismatches.append(f"{row.method} {row.path} as {kind.key}: {got}, expected {want}")
        table_rows.append(cells)
    table = markdown_table(["route", *(k.key for k in PRINCIPALS)], table_rows)
    publish("authorization matrix (route × principal → HTTP status)", table)
    assert not mismatches, "\n".join(mismatches)
    assert csrf_missing == {}, "unsafe web requests accepted without a CSRF token"
    check_or_write_doc("authorization-matrix", table)


async def unsafe_web_requests_without_csrf(
    gw: Harness, by_key: dict[str, Caller], world: World
) -> dict[str, int]:
    """Every unsafe web route, sent by a user it allows but without the CSRF token: 403."""
    accepted: dict[str, int] = {}
    for row in ROWS:
        if not row.web or row.method != "POST" or row.key in ENDS_SESSION:
            continue
        # A logged-in user the route accepts where there is one, else an anonymous visitor.
        users = [k for k, st in row.expect.items() if st < 400 and k not in UNAUTHENTICATED]
        caller = by_key[users[0] if users else "anon"]
        stripped = Caller(kind=caller.kind, api=caller.api, web=caller.web, csrf="")
        response = await send(gw, row, stripped, world)
        # Refused: 403, or (the sessions have ended by now) sent to log in, nothing done.
        to_login = response.status_code == 303 and response.headers["location"].startswith(
            "/auth/login"
        )
        if response.status_code != 403 and not to_login:
            accepted[row.path] = response.status_code
    return accepted


def test_principal_legend_is_documented() -> None:
    legend = markdown_table(["key", "principal"], [(k.key, k.label) for k in PRINCIPALS])
    publish("authorization matrix: principals", legend)
    check_or_write_doc("authorization-principals", legend)
