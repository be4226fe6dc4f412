"""The accessibility statement (/tilgaengelighed): Digitaliseringsstyrelsen's sections, the
municipality's own name and contact from settings, and an honest line when none is set."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from gateway.web.accessibility import router
from gateway.web.config import WebSettings

SECTIONS_DA = [
    "Overholdelsesstatus",
    "Ikke-tilgængeligt indhold",
    "Udarbejdelse af denne tilgængelighedserklæring",
    "Feedback og kontaktoplysninger",
    "Håndhævelsesprocedure",
]


def statement_app(settings: WebSettings) -> FastAPI:
    app = FastAPI()
    app.add_middleware(SessionMiddleware, secret_key="x" * 48)
    app.state.web = SimpleNamespace(settings=settings)
    app.include_router(router)
    return app


async def get(app: FastAPI, lang: str = "da") -> str:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        client.cookies.set("tvaers_lang", lang)
        response = await client.get("/tilgaengelighed")
    assert response.status_code == 200
    assert "<script>" not in response.text and "style=" not in response.text
    return response.text


async def test_contact_and_authority_come_from_the_settings() -> None:
    settings = WebSettings(
        authority_name="Tværsby Kommune",
        a11y_contact_email="webtilgaengelighed@tvaersby.example",
        a11y_contact_phone="+45 12 34 56 78",
        a11y_statement_date="2026-11-30",
    )
    text = await get(statement_app(settings))
    positions = [text.index(f">{heading}</h2>") for heading in SECTIONS_DA]
    assert positions == sorted(positions)
    assert "Tværsby Kommune er forpligtet" in text
    assert 'href="mailto:webtilgaengelighed@tvaersby.example"' in text
    assert 'href="tel:+4512345678"' in text
    assert "30. november 2026" in text and 'datetime="2026-11-30"' in text
    assert 'data-testid="a11y-contact-missing"' not in text
    assert "Digitaliseringsstyrelsen" in text
    english = await get(statement_app(settings), "en")
    assert "Compliance status" in english and "Enforcement procedure" in english
    assert "30 November 2026" in english
    assert "Overholdelsesstatus" not in english


async def test_without_a_contact_the_page_says_so() -> None:
    text = await get(statement_app(WebSettings()))
    assert 'data-testid="a11y-contact-missing"' in text
    assert "mailto:" not in text
    assert "Demo Kommune har endnu ikke offentliggjort" in text
