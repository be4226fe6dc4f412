"""Log in to the web pages over HTTP exactly as a browser would: code flow with PKCE."""

from __future__ import annotations

import html
import re

import httpx

_FORM = re.compile(r"<form[^>]*action=\"/dev/authorize\"[^>]*>(.*?)</form>", re.S)
_INPUT = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def hidden_fields(form_html: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in _INPUT.findall(form_html)}


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "page has no CSRF token"
    return found.group(1)


async def web_login(
    client: httpx.AsyncClient, username: str, *, next_path: str = "/portal"
) -> httpx.Response:
    """Walk the whole login; returns the response of the page landed on."""
    return (await web_login_steps(client, username, next_path=next_path))[1]


async def web_login_steps(
    client: httpx.AsyncClient, username: str, *, next_path: str = "/portal"
) -> tuple[httpx.Response, httpx.Response]:
    """The login's callback response (it sets the session cookie) and the page landed on."""
    start = await client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 302, start.text
    authorize = await client.get(start.headers["location"])
    assert authorize.status_code == 200, authorize.text
    forms = [hidden_fields(f) for f in _FORM.findall(authorize.text)]
    chosen = next(f for f in forms if f.get("username") == username)
    chosen_redirect = await client.post("/dev/authorize", data=chosen)
    assert chosen_redirect.status_code == 303, chosen_redirect.text
    callback = await client.get(chosen_redirect.headers["location"])
    assert callback.status_code == 303, callback.text
    return callback, await client.get(callback.headers["location"])
