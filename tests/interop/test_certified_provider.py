"""Interop with a certified OpenID provider: panva's oidc-provider (OpenID Certified), from npm.

The provider runs as a real Node.js server (``tests/oidc_provider``, installed by ``make
oidc-provider``), started once for this module, with citizen and employee accounts whose
claims carry the names a MitID broker uses; the gateway reads them with the mapping in
``deploy/oidc/mitid-broker.env``. Covered: API bearer tokens (RFC 9068 JWT access tokens via
resource indicators; signature by the provider's JWKS, issuer, audience), the portal's
authorization code + PKCE login through the provider's own login interaction, NSIS assurance
required per kind of user, and RP-initiated logout that ends the provider's session.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from gateway.app import Overrides
from tests.harness import SIM_URLS, Harness, RoutingTransport, demo_cpr, running_gateway

REPO = Path(__file__).resolve().parents[2]
PROVIDER_DIR = REPO / "tests" / "oidc_provider"
BROKER_MAPPING = REPO / "deploy" / "oidc" / "mitid-broker.env"
RESOURCE = "urn:tvaers:api"
OTHER_RESOURCE = "urn:other-municipal-api"
GATEWAY = "http://testserver"
CLI_REDIRECT = "http://127.0.0.1/cli-callback"
WEB_SECRET = secrets.token_urlsafe(32)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
NSIS = "https://data.gov.dk/concept/core/nsis/loa"
NAME = "https://data.gov.dk/model/core/eid/fullName"
CPR = "https://data.gov.dk/model/core/eid/cprNumber"


@dataclass(frozen=True)
class Provider:
    issuer: str
    passwords: dict[str, str]
    browser_port: int  # where the real-browser test serves the gateway (localhost)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def accounts() -> dict[str, dict[str, Any]]:
    cpr = demo_cpr(0)

    def account(acr: str, **claims: Any) -> dict[str, Any]:
        return {"password": secrets.token_urlsafe(12), "acr": f"{NSIS}/{acr}", "claims": claims}

    return {
        "borger": account("Substantial", **{CPR: f"{cpr[:6]}-{cpr[6:]}", NAME: "Åse Ærø"}),
        "borger-lav": account("Low", **{CPR: cpr, NAME: "Åse Ærø"}),
        "sagsbehandler": account(
            "Substantial", **{NAME: "Søren Ø", "department": "jobcenter", "roles": ["caseworker"]}
        ),
        "sagsbehandler-lav": account(
            "Low", **{NAME: "Søren Ø", "department": "jobcenter", "roles": ["caseworker"]}
        ),
    }


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The certified provider, once for the module (a Node.js process on a free port)."""
    node = shutil.which("node")
    assert node, "node is missing: run `make oidc-provider`"
    assert (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir(), (
        "oidc-provider is not installed: run `make oidc-provider`"
    )
    users = accounts()
    browser_port = free_port()
    served = f"http://localhost:{browser_port}"
    config = {
        "resource": RESOURCE,
        "other_resources": [OTHER_RESOURCE],
        "acr_claim": NSIS,  # the broker's LoA attribute, as the mapping names it
        "accounts": users,
        "clients": [
            {
                "client_id": "tvaers-web",
                "client_secret": WEB_SECRET,
                "redirect_uris": [f"{GATEWAY}/auth/callback"],
                "post_logout_redirect_uris": [f"{GATEWAY}/auth/logged-out"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            },
            {
                "client_id": "tvaers-web-browser",
                "client_secret": WEB_SECRET,
                "redirect_uris": [f"{served}/auth/callback"],
                "post_logout_redirect_uris": [f"{served}/auth/logged-out"],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            },
            {
                "client_id": "tvaers-cli",
                "application_type": "native",
                "token_endpoint_auth_method": "none",
                "redirect_uris": [CLI_REDIRECT],
                "grant_types": ["authorization_code"],
                "response_types": ["code"],
            },
        ],
    }
    workdir = tmp_path_factory.mktemp("oidc-provider")
    config_path = workdir / "config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    log = workdir / "provider.log"
    errors = log.open("w", encoding="utf-8")
    process = subprocess.Popen(
        [node, str(PROVIDER_DIR / "server.mjs"), str(config_path)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
    )
    stdout = process.stdout
    assert stdout is not None
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(30)
        if not (first and first[0].strip()):
            process.kill()
            raise AssertionError(f"oidc-provider did not start: {log.read_text()[-2000:]}")
        issuer = json.loads(first[0])["issuer"]
        yield Provider(issuer, {name: u["password"] for name, u in users.items()}, browser_port)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        stdout.close()
        errors.close()


def broker_mapping() -> dict[str, str]:
    """The documented MitID-broker mapping (deploy/oidc/mitid-broker.env) as settings."""
    found = {}
    for line in BROKER_MAPPING.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            found[name.removeprefix("TVAERS_").lower()] = value
    assert found["oidc_claim_cpr"] == CPR and found["oidc_claim_loa"] == NSIS
    return found


class OutboundTransport(RoutingTransport):
    """The gateway's HTTP client: simulators in-process, the identity provider over TCP."""

    def __init__(self, apps: dict[str, Any]) -> None:
        super().__init__(apps)
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host in self._transports:
            return await super().handle_async_request(request)
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


@asynccontextmanager
async def gateway(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Harness]:
    """A gateway whose only identity provider is the certified one."""
    monkeypatch.setenv("TVAERS_WEB_OIDC_CLIENT_ID", "tvaers-web")
    monkeypatch.setenv("TVAERS_WEB_OIDC_CLIENT_SECRET", WEB_SECRET)
    monkeypatch.setenv("TVAERS_WEB_OIDC_SCOPE", "openid profile tvaers")
    transport = OutboundTransport({})
    client = httpx.AsyncClient(transport=transport)
    async with running_gateway(
        tmp_path,
        overrides=Overrides(http_client=client),
        dev_idp=False,
        oidc_issuer=provider.issuer,
        oidc_jwks_url=f"{provider.issuer}/jwks",
        oidc_audience=RESOURCE,
        **broker_mapping(),
    ) as gw:
        for name, app in gw.simulators.items():
            transport.route(httpx.URL(SIM_URLS[name]).host, app)
        assert gw.services.dev_idp is None
        yield gw
    await transport.aclose()


def browser(gw: Harness) -> httpx.AsyncClient:
    """A user agent: the gateway in-process, the provider over TCP, one cookie jar."""
    return httpx.AsyncClient(
        mounts={GATEWAY: httpx.ASGITransport(app=gw.app)}, timeout=20.0, follow_redirects=False
    )


async def follow(
    agent: httpx.AsyncClient, response: httpx.Response, *, stop_at: str = "", seen: list[str]
) -> httpx.Response:
    """Follow redirects like a browser (GET), stopping before a URL starting with ``stop_at``."""
    for _ in range(20):
        if not response.is_redirect:
            return response
        target = urljoin(str(response.url), response.headers["location"])
        seen.append(target)
        if stop_at and target.startswith(stop_at):
            return response
        response = await agent.get(target)
    raise AssertionError("redirect loop")


def form_of(page: httpx.Response, marker: str = "<form") -> tuple[str, dict[str, str]]:
    """The first form's absolute action and hidden fields."""
    text = page.text
    start = text.rindex("<form", 0, text.index(marker) + len(marker))
    form = text[start : text.index("</form>", start)]
    action_match = re.search(r'action="([^"]+)"', form)
    assert action_match, form
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    return urljoin(str(page.url), action_match.group(1).replace("&amp;", "&")), fields


async def provider_login(
    agent: httpx.AsyncClient, page: httpx.Response, provider: Provider, user: str, seen: list[str]
) -> httpx.Response:
    """Fill in the provider's own login form and follow it back to the relying party."""
    assert page.status_code == 200 and 'data-testid="op-login"' in page.text, page.text[:500]
    action, _ = form_of(page)
    answer = await agent.post(action, data={"login": user, "password": provider.passwords[user]})
    return answer


async def web_login(
    agent: httpx.AsyncClient, provider: Provider, user: str, seen: list[str]
) -> httpx.Response:
    start = await agent.get(f"{GATEWAY}/auth/login?next=/portal")
    authorize = urlsplit(start.headers["location"])
    query = parse_qs(authorize.query)
    assert f"{authorize.scheme}://{authorize.netloc}" == provider.issuer
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    page = await follow(agent, start, seen=seen)
    answer = await provider_login(agent, page, provider, user, seen)
    return await follow(agent, answer, seen=seen)


async def api_token(provider: Provider, user: str, *, resource: str = RESOURCE) -> dict[str, Any]:
    """Tokens for the command-line client: authorization code + PKCE, public client."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    seen: list[str] = []
    async with httpx.AsyncClient(timeout=20.0) as agent:
        params = {
            "client_id": "tvaers-cli",
            "response_type": "code",
            "scope": "openid tvaers",
            "redirect_uri": CLI_REDIRECT,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(8),
            "resource": resource,
        }
        start = await agent.get(f"{provider.issuer}/auth", params=params)
        page = await follow(agent, start, seen=seen)
        answer = await provider_login(agent, page, provider, user, seen)
        back = await follow(agent, answer, stop_at=CLI_REDIRECT, seen=seen)
        code = parse_qs(urlsplit(seen[-1]).query)["code"][0]
        assert back.is_redirect
        token = await agent.post(
            f"{provider.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": CLI_REDIRECT,
                "client_id": "tvaers-cli",
                "code_verifier": verifier,
            },
        )
        assert token.status_code == 200, token.text
        result: dict[str, Any] = token.json()
        return result


def jose_part(token: str, index: int) -> dict[str, Any]:
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "accept-language": "da"}


# ---------------------------------------------------------------------------------- API tokens


async def test_api_accepts_the_providers_access_tokens_and_nothing_else(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    citizen = await api_token(provider, "borger")
    worker = await api_token(provider, "sagsbehandler")
    header, claims = jose_part(citizen["access_token"], 0), jose_part(citizen["access_token"], 1)
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256"
    assert claims["aud"] == RESOURCE and claims["iss"] == provider.issuer
    async with gateway(provider, tmp_path, monkeypatch) as gw:
        mine = await gw.client.get("/v1/me/consents", headers=bearer(citizen["access_token"]))
        assert mine.status_code == 200, mine.text
        body = {"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"}
        seen = await gw.client.post("/v1/views", json=body, headers=bearer(worker["access_token"]))
        assert seen.status_code == 200, seen.text

        async def refused(token: str) -> dict[str, Any]:
            answer = await gw.client.get("/v1/me/consents", headers=bearer(token))
            assert answer.status_code == 401, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            problem: dict[str, Any] = answer.json()
            return problem

        # A token the same provider issued for another API (audience) is not for us.
        other = await api_token(provider, "borger", resource=OTHER_RESOURCE)
        assert jose_part(other["access_token"], 1)["aud"] == OTHER_RESOURCE
        await refused(other["access_token"])
        # The ID token is signed by the same keys, but is no access token (typ, audience).
        await refused(citizen["id_token"])
        # A citizen who edits their token's CPR breaks the signature.
        head, _payload, signature = citizen["access_token"].split(".")
        edited = jose_part(citizen["access_token"], 1) | {CPR: demo_cpr(1)}
        forged = base64.urlsafe_b64encode(json.dumps(edited).encode()).rstrip(b"=").decode()
        await refused(f"{head}.{forged}.{signature}")
        # NSIS: a login at level low is below what citizens and employees need here.
        low = await refused((await api_token(provider, "borger-lav"))["access_token"])
        assert low["code"] == "insufficient_user_authentication", low
        low_worker = await api_token(provider, "sagsbehandler-lav")
        answer = await gw.client.post(
            "/v1/views", json=body, headers=bearer(low_worker["access_token"])
        )
        assert answer.status_code == 401 and answer.json()["code"] == (
            "insufficient_user_authentication"
        )
        assert 'error="insufficient_user_authentication"' in answer.headers["www-authenticate"]


# ------------------------------------------------------------------------------- portal login


async def test_portal_login_with_code_and_pkce_through_the_providers_login(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with gateway(provider, tmp_path, monkeypatch) as gw:
        seen: list[str] = []
        async with browser(gw) as agent:
            portal = await web_login(agent, provider, "borger", seen)
            assert portal.status_code == 200, portal.text[:500]
            assert str(portal.url) == f"{GATEWAY}/portal"
            assert "Åse Ærø" in portal.text
            # The session cookie (with the encrypted ID token for the logout) stays well under
            # the 4 KB browsers keep.
            assert len(agent.cookies["tvaers_session"]) < 3500
        async with browser(gw) as agent:
            staff = await web_login(agent, provider, "sagsbehandler", seen)
            assert staff.status_code == 200 and str(staff.url) == f"{GATEWAY}/staff"
        # No CPR number (with or without its dash) in any URL the browser visited.
        cpr = demo_cpr(0)
        assert not [u for u in seen if cpr in u or f"{cpr[:6]}-{cpr[6:]}" in u]


async def test_a_login_below_the_required_level_gets_a_clear_page(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with gateway(provider, tmp_path, monkeypatch) as gw:
        seen: list[str] = []
        async with browser(gw) as agent:
            page = await web_login(agent, provider, "borger-lav", seen)
            assert page.status_code == 403, page.text[:500]
            assert 'data-testid="login-assurance"' in page.text
            assert "sikringsniveau" in page.text and "betydelig" in page.text
            # No session was started: the portal still wants a login.
            portal = await agent.get(f"{GATEWAY}/portal")
            assert portal.status_code in (302, 303, 307, 401), portal.status_code


# -------------------------------------------------------------------------------- RP logout


async def test_logout_ends_the_providers_session(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with gateway(provider, tmp_path, monkeypatch) as gw:
        seen: list[str] = []
        async with browser(gw) as agent:
            portal = await web_login(agent, provider, "borger", seen)
            assert portal.status_code == 200
            # Single sign-on: while the provider's session lasts, a new login asks nothing.
            again = await follow(agent, await agent.get(f"{GATEWAY}/auth/login"), seen=seen)
            assert str(again.url) == f"{GATEWAY}/portal", again.text[:300]

            csrf = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
            assert csrf
            logout = await agent.post(f"{GATEWAY}/auth/logout", data={"csrf_token": csrf[1]})
            assert logout.status_code == 200
            assert (await agent.get(f"{GATEWAY}/portal")).status_code != 200  # ended here
            link = re.search(r'href="([^"]+)"[^>]*data-autofollow', logout.text)
            assert link, logout.text
            url = html.unescape(link[1])
            seen.append(url)
            query = parse_qs(urlsplit(url).query)
            assert url.startswith(f"{provider.issuer}/session/end?")
            assert query["post_logout_redirect_uri"] == [f"{GATEWAY}/auth/logged-out"]
            hint = jose_part(query["id_token_hint"][0], 1)
            assert hint["aud"] == "tvaers-web" and hint["iss"] == provider.issuer

            confirm = await agent.get(url)
            assert confirm.status_code == 200, confirm.text[:500]
            confirm_action, confirm_fields = form_of(confirm)
            done = await agent.post(confirm_action, data={**confirm_fields, "logout": "yes"})
            done = await follow(agent, done, seen=seen)
            assert str(done.url) == f"{GATEWAY}/auth/logged-out"
            assert 'data-testid="logged-out"' in done.text

            # The provider's session is over: logging in again asks for the login.
            after = await follow(agent, await agent.get(f"{GATEWAY}/auth/login"), seen=seen)
            assert 'data-testid="op-login"' in after.text, after.text[:300]
        # No CPR number (with or without its dash) in any URL the browser visited.
        cpr = demo_cpr(0)
        assert not [u for u in seen if cpr in u or f"{cpr[:6]}-{cpr[6:]}" in u]


# ------------------------------------------------------------------------------ real browser


def test_a_real_browser_logs_in_and_out_through_the_provider(
    provider: Provider, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium, the gateway served by uvicorn on localhost, the provider on 127.0.0.1: the
    login form, the callback, the portal, "Log ud" (the script that follows the provider link
    under the strict CSP), the provider's own sign-out confirmation, and a login that asks
    again. Sync Playwright: opened and closed inside this test, after the async ones."""
    sync_api = pytest.importorskip("playwright.sync_api")
    assert CHROMIUM.exists(), "Chromium missing: run `make chromium`"
    import uvicorn

    from gateway.app import create_app
    from tests.harness import test_settings

    monkeypatch.setenv("TVAERS_WEB_OIDC_CLIENT_ID", "tvaers-web-browser")
    monkeypatch.setenv("TVAERS_WEB_OIDC_CLIENT_SECRET", WEB_SECRET)
    monkeypatch.setenv("TVAERS_WEB_OIDC_SCOPE", "openid profile tvaers")
    base = f"http://localhost:{provider.browser_port}"
    settings = test_settings(
        tmp_path,
        public_url=base,
        database_url="",
        dev_idp=False,
        oidc_issuer=provider.issuer,
        oidc_jwks_url=f"{provider.issuer}/jwks",
        oidc_audience=RESOURCE,
        **broker_mapping(),
    )
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=provider.browser_port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(300):
            if server.started:
                break
            assert thread.is_alive(), "the gateway did not start"
            time.sleep(0.05)
        with sync_api.sync_playwright() as pw:
            chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = chromium.new_context(locale="da-DK")
            page = context.new_page()
            page.set_default_timeout(15_000)
            problems: list[str] = []
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on(
                "console",
                lambda msg: (
                    problems.append(msg.text)
                    if msg.type == "error" and "Content Security Policy" in msg.text
                    else None
                ),
            )
            page.goto(f"{base}/auth/login?next=/portal")
            page.get_by_label("Bruger").fill("borger")
            page.get_by_label("Adgangskode").fill(provider.passwords["borger"])
            page.get_by_role("button", name="Log ind").click()
            page.wait_for_url(f"{base}/portal")
            assert "Åse Ærø" in page.content()

            page.locator('form[action="/auth/logout"] button').click()
            # The gateway's page hands over to the provider by itself (same-origin script).
            page.wait_for_url(f"{provider.issuer}/session/end*")
            page.get_by_role("button", name="Yes, sign me out").click()
            page.wait_for_url(f"{base}/auth/logged-out")
            assert page.get_by_test_id("logged-out").is_visible()

            page.goto(f"{base}/auth/login?next=/portal")
            page.wait_for_selector('[data-testid="op-login"]')  # asked again
            context.close()
            chromium.close()
        assert not problems, problems
    finally:
        server.should_exit = True
        thread.join(15)
