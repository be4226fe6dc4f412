"""ASGI middleware: request ids, security headers, body-size limit."""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.problems import PROBLEM_MEDIA_TYPE, negotiate_lang, problem_body

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# /docs and /redoc run vendored Swagger UI and Redoc (scripts same-origin only, as everywhere);
# both set inline styles and Redoc runs its search in a blob: worker. No personal data there.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class GatewayMiddleware:
    """Assigns ``request.state.request_id``, adds security headers, limits request bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, https_public: bool = False) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Behind a TLS-terminating proxy the request arrives as http; the public URL says
        # what clients use, so it decides HSTS too.
        self.https_public = https_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        path: str = scope.get("path", "")
        https = self.https_public or scope.get("scheme") == "https"

        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _too_large(send, request_id, https=https, headers=headers, path=path)
            return

        received = 0
        refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes and not refused:
                    # Answer now: frameworks turn errors while reading a body into a 400.
                    refused = True
                    await _too_large(send, request_id, https=https, headers=headers, path=path)
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if refused:
                return  # the 413 has been sent; drop whatever the app answers
            if message["type"] == "http.response.start":
                extra: list[tuple[bytes, bytes]] = [
                    (b"x-request-id", request_id.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (
                        b"content-security-policy",
                        (DOCS_CSP if path in ("/docs", "/redoc") else CSP).encode(),
                    ),
                ]
                # /auth: the login callback sets the session cookie; never cache that answer.
                if path.startswith(("/v1/", "/portal", "/staff", "/dev/", "/auth/")):
                    extra.append((b"cache-control", b"no-store"))
                if https:
                    extra.append(
                        (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
                    )
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        with contextlib.suppress(_BodyTooLarge):  # already answered with 413
            await self.app(scope, limited_receive, send_with_headers)


class _BodyTooLarge(Exception):
    pass


_WEB_PREFIXES = ("/portal", "/staff", "/auth", "/lang", "/dev/authorize", "/tilgaengelighed")
_TOO_LARGE_PAGE = {
    "da": ("Noget gik galt", "Det, du sendte, var for stort.", "Gå tilbage til forsiden"),
    "en": ("Something went wrong", "What you sent was too large.", "Go to the front page"),
}


def _lang_cookie(headers: dict[bytes, bytes]) -> str:
    cookies = headers.get(b"cookie", b"").decode("latin-1")
    return "en" if "tvaers_lang=en" in cookies.replace(" ", "").split(";") else "da"


async def _too_large(
    send: Send, request_id: str, *, https: bool, headers: dict[bytes, bytes], path: str = ""
) -> None:
    if path == "/" or path.startswith(_WEB_PREFIXES):
        # A form on a page: answer with a page, in the visitor's language (the cookie).
        lang = _lang_cookie(headers)
        title, message, back = _TOO_LARGE_PAGE[lang]
        body = (
            f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{title} — Tværs</title></head><body><main><h1>{title}</h1>"
            f'<p role="alert">{message}</p><p><a href="/">{back}</a></p></main></body></html>'
        ).encode()
        content_type = b"text/html; charset=utf-8"
    else:
        lang = negotiate_lang(headers.get(b"accept-language", b"").decode("latin-1"))
        document = problem_body(
            code="payload_too_large",
            status=413,
            detail_da="Forespørgslen er for stor",
            detail_en="Request body too large",
            lang=lang,
            request_id=request_id,
        )
        body = json.dumps(document, ensure_ascii=False).encode()
        content_type = PROBLEM_MEDIA_TYPE.encode()
    answer = [
        (b"content-type", content_type),
        (b"content-language", lang.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
        # Sent past the app (and past the header wrapper): the same headers as every answer.
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", CSP.encode()),
        (b"cache-control", b"no-store"),
    ]
    if https:
        answer.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    start: dict[str, Any] = {"type": "http.response.start", "status": 413, "headers": answer}
    await send(start)
    await send({"type": "http.response.body", "body": body})
