"""Staff pages over HTTP: who may see them, CSRF, CPR never echoed, one-click consent request,
retry of an unavailable section, and the DPO console's citizen filter."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.harness import Harness
from tests.staff.conftest import demo_cpr
from tests.web.webclient import csrf_of, web_login

TOKEN = re.compile(r'name="token" value="([^"]+)"')


async def logged_in(gw: Harness, username: str, next_path: str) -> tuple[httpx.Response, str]:
    page = await web_login(gw.client, username, next_path=next_path)
    return page, csrf_of(page.text)


async def overview(
    gw: Harness, csrf: str, cpr: str, purpose: str = "tvaerfagligt_team"
) -> httpx.Response:
    return await gw.client.post(
        "/staff/overview", data={"csrf_token": csrf, "cpr": cpr, "purpose": purpose}
    )


@pytest.mark.parametrize("path", ["/staff", "/staff/dpo"])
async def test_anonymous_is_sent_to_the_login(gw: Harness, path: str) -> None:
    response = await gw.client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/auth/login?next={path}")


async def test_citizen_is_refused_every_staff_page(gw: Harness) -> None:
    _, csrf = await logged_in(gw, "borger-1", "/portal")
    for path in ("/staff", "/staff/dpo"):
        assert (await gw.client.get(path)).status_code == 403
    refused = await overview(gw, csrf, demo_cpr(1))
    assert refused.status_code == 403


async def test_caseworker_is_refused_the_dpo_console(gw: Harness) -> None:
    page, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    assert 'data-testid="nav-dpo"' not in page.text
    assert (await gw.client.get("/staff/dpo")).status_code == 403
    for path in (
        "/staff/dpo",
        "/staff/dpo/export.csv",
        "/staff/dpo/export.zip",
        "/staff/dpo/verify",
    ):
        response = await gw.client.post(path, data={"csrf_token": csrf})
        assert response.status_code == 403, path


async def test_overview_needs_csrf_and_a_purpose_of_the_role(gw: Harness) -> None:
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    no_csrf = await gw.client.post(
        "/staff/overview", data={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"}
    )
    assert no_csrf.status_code == 403
    # A caseworker may not use the coordinator's purpose.
    assert (
        await overview(gw, csrf, demo_cpr(0), "ressourceforloeb_koordinering")
    ).status_code == 403


async def test_overview_never_echoes_the_cpr_and_requests_exactly_the_missing(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    page = await overview(gw, csrf, cpr)
    assert page.status_code == 200
    assert cpr not in page.text
    assert cpr[:6] + "-****" in page.text
    assert 'data-category="health.wellbeing" data-status="granted"' in page.text
    assert 'data-category="social.contact" data-status="withheld"' in page.text
    token = TOKEN.search(page.text)
    assert token is not None
    sent = await gw.client.post(
        "/staff/consent-request",
        data={
            "csrf_token": csrf,
            "token": token.group(1),
            "purpose": "tvaerfagligt_team",
            "categories": ["health.contact", "social.contact"],
        },
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200
    request_id = re.search(r"[0-9a-f-]{36}", sent.text)
    assert request_id is not None
    api = await gw.client.get(
        f"/v1/consent-requests/{request_id.group(0)}",
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert api.status_code == 200
    assert api.json()["categories"] == ["health.contact", "social.contact"]
    assert api.json()["recipient_departments"] == ["jobcenter"]


async def test_citizen_token_works_only_for_the_user_it_was_made_for(gw: Harness) -> None:
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    page = await overview(gw, csrf, demo_cpr(0))
    token = TOKEN.search(page.text)
    assert token is not None
    gw.client.cookies.clear()
    _, other_csrf = await logged_in(gw, "koordinator-jobcenter", "/staff")
    stolen = await gw.client.post(
        "/staff/overview/section",
        data={
            "csrf_token": other_csrf,
            "token": token.group(1),
            "purpose": "tvaerfagligt_team",
            "category": "jobcenter.benefit",
        },
    )
    assert stolen.status_code == 422


async def test_unavailable_section_offers_a_retry_that_works(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["social.services"])
    gw.set_simulator("social", fault="error500", fault_rate=1.0)
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    page = await overview(gw, csrf, cpr)
    assert 'data-category="social.services" data-status="unavailable"' in page.text
    assert "Socialforvaltningens fagsystem" in page.text
    gw.set_simulator("social")
    token = TOKEN.search(page.text)
    assert token is not None
    retried = await gw.client.post(
        "/staff/overview/section",
        data={
            "csrf_token": csrf,
            "token": token.group(1),
            "purpose": "tvaerfagligt_team",
            "category": "social.services",
        },
        headers={"HX-Request": "true"},
    )
    assert retried.status_code == 200
    assert 'data-category="social.services" data-status="granted"' in retried.text


async def test_dpo_console_filters_by_citizen_without_showing_the_cpr(gw: Harness) -> None:
    cpr = demo_cpr(1)
    viewed = await gw.client.post(
        "/v1/views",
        json={"cpr": cpr, "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    other = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(2), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    page, csrf = await logged_in(gw, "dpo", "/staff/dpo")
    assert 'data-testid="integrity"' in page.text
    filtered = await gw.client.post("/staff/dpo", data={"csrf_token": csrf, "cpr": cpr})
    assert filtered.status_code == 200
    assert cpr not in filtered.text
    assert viewed.json()["request_id"] in filtered.text
    assert other.json()["request_id"] not in filtered.text
    exported = await gw.client.post(
        "/staff/dpo/export.csv",
        data={
            "csrf_token": csrf,
            "citizen": re.search(r'name="citizen" value="([^"]+)"', filtered.text).group(1),
        },  # type: ignore[union-attr]
    )
    assert exported.status_code == 200
    body = exported.content.decode("utf-8-sig")
    assert viewed.json()["request_id"] in body
    assert other.json()["request_id"] not in body


async def test_dpo_console_speaks_one_language_and_uses_readable_names(gw: Harness) -> None:
    await gw.record_consent(demo_cpr(0))
    viewed = await gw.client.post(
        "/v1/views",
        json={"cpr": demo_cpr(0), "purpose": "tvaerfagligt_team"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert viewed.status_code == 200
    page, _csrf = await logged_in(gw, "dpo", "/staff/dpo")
    text = page.text
    # The integrity panel: Danish only on the Danish page (no "dansk / english" glued).
    assert " / no checkpoint yet" not in text and " / valid Ed25519 signature" not in text
    assert "valid Ed25519 signature" not in text and "nothing to compare" not in text
    # The results: the caseworker's name and readable category names, not raw ids.
    assert "Mette Sørensen" in text
    assert "Trivsel (WHO-5)" in text
    results = text.split('data-testid="entry"', 1)[1]
    assert "health.wellbeing" not in results.split("</table>")[0]
    # Danish date fields: dd.mm.åååå, in DKFDS's date picker.
    assert re.search(r'id="f-since" name="since" value="\d{2}\.\d{2}\.\d{4}"', text)
    assert 'class="date-picker" data-dateformat="DD.MM.YYYY"' in text
    # Departments by name, also the DPO's own (not in the catalogue).
    assert ">administration<" not in text
    # No "dansk / english" anywhere in what the Danish page shows.
    visible = re.sub(r"<script\b.*?</script>|<[^>]+>", " ", text, flags=re.S)
    assert not re.findall(r"\w+ / \w+", visible), re.findall(r".{30}\w+ / \w+.{30}", visible)


async def test_request_preview_shows_the_section_and_sends_nothing(gw: Harness) -> None:
    cpr = demo_cpr(0)
    await gw.record_consent(cpr, categories=["health.wellbeing", "social.services"])
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    page = await overview(gw, csrf, cpr)
    token = TOKEN.search(page.text)
    assert token is not None
    form = {
        "csrf_token": csrf,
        "token": token.group(1),
        "purpose": "tvaerfagligt_team",
        "category": "health.contact",
        "also": ["social.contact"],
    }
    preview = await gw.client.post("/staff/consent-request/preview", data=form)
    assert preview.status_code == 200
    text = preview.text
    assert cpr not in text and cpr[:6] not in text
    # The section's category goes with the request; the other one is only offered.
    assert '<input type="hidden" name="categories" value="health.contact">' in text
    assert 'type="checkbox" class="form-checkbox"' in text
    assert 'name="categories" value="social.contact"' in text
    assert 'value="social.contact" data-testid="preview-also"' in text
    assert "Kontaktperson i sundhedsforvaltningen" in text  # the name, not only the id
    mine = await gw.client.get(
        "/v1/consent-requests", headers=await gw.auth("sagsbehandler-jobcenter")
    )
    body = mine.json()
    assert (body["items"] if isinstance(body, dict) else body) == []  # a preview sends nothing


async def test_request_preview_refuses_foreign_tokens_and_categories(gw: Harness) -> None:
    cpr = demo_cpr(0)
    _, csrf = await logged_in(gw, "sagsbehandler-jobcenter", "/staff")
    page = await overview(gw, csrf, cpr)
    token = TOKEN.search(page.text)
    assert token is not None
    base = {"csrf_token": csrf, "token": token.group(1), "purpose": "tvaerfagligt_team"}
    # A category the purpose does not cover (helbredsafklaring's prevention offers).
    outside = await gw.client.post(
        "/staff/consent-request/preview", data={**base, "category": "health.prevention"}
    )
    assert outside.status_code == 422
    # Categories outside the purpose are never offered as extras either.
    extra = await gw.client.post(
        "/staff/consent-request/preview",
        data={**base, "category": "health.contact", "also": ["health.prevention"]},
    )
    assert extra.status_code == 200 and "health.prevention" not in extra.text
    # Another caseworker's session cannot use this caseworker's citizen token.
    gw.client.cookies.clear()
    _, other_csrf = await logged_in(gw, "koordinator-jobcenter", "/staff")
    stolen = await gw.client.post(
        "/staff/consent-request/preview",
        data={**base, "csrf_token": other_csrf, "category": "health.contact"},
    )
    assert stolen.status_code == 422
