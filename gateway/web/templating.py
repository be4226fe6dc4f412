"""Jinja2 rendering with the context every page needs (language, principal, CSRF token, formats)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from gateway.problems import split_bilingual
from gateway.web import timefmt
from gateway.web.config import WebSettings
from gateway.web.i18n import Translator, request_lang
from gateway.web.security import CSRF_FIELD, csrf_token, session_principal

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.globals["CSRF_FIELD"] = CSRF_FIELD


def in_lang(text: str, lang: str) -> str:
    """A ``"dansk / english"`` service message in the page's language only."""
    da, en = split_bilingual(text)
    return en if lang == "en" else da


templates.env.filters["in_lang"] = in_lang

ICON_SPRITE = "/static/vendor/dkfds/img/all-svg-icons.svg"


def icon(name: str, classes: str = "") -> Markup:
    """A DKFDS icon from the vendored sprite, hidden from assistive technology (decorative)."""
    klass = f"icon-svg {classes}".strip()
    return Markup(
        '<svg class="{}" focusable="false" aria-hidden="true"><use href="{}#{}"></use></svg>'
    ).format(klass, ICON_SPRITE, escape(name))


templates.env.globals["icon"] = icon


def site_settings(request: Request) -> WebSettings:
    """The web settings (authority name, accessibility contact) of the running app."""
    state = getattr(request.app.state, "web", None)
    return state.settings if state is not None else WebSettings()


def page_context(request: Request) -> dict[str, Any]:
    """What every template can use: ``t``, ``lang``, ``principal``, ``csrf_token``, ``fmt_*``."""
    lang = request_lang(request)
    return {
        "request": request,
        "lang": lang,
        "t": Translator(lang),
        "principal": session_principal(request),
        "csrf_token": csrf_token(request),
        "fmt_datetime": lambda m: timefmt.format_datetime(m, lang),
        "fmt_date": lambda m: timefmt.format_date(m, lang),
        "fmt_short": lambda m: timefmt.format_short(m, lang),
        "iso": timefmt.iso,
        "is_htmx": request.headers.get("hx-request") == "true",
        "site": site_settings(request),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the page context plus ``context``."""
    merged = page_context(request)
    merged.update(context or {})
    return templates.TemplateResponse(
        request, template, merged, status_code=status_code, headers=headers
    )
