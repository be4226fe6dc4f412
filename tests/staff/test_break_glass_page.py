"""The staff console offers break-glass only to the roles allowed it, behind a confirmation
that the access will be reviewed and the citizen told."""

from __future__ import annotations

from tests.harness import Harness
from tests.staff.conftest import demo_cpr
from tests.web.webclient import csrf_of, web_login

JUSTIFICATION = "Borgeren er fundet bevidstløs; akut behov for kontakt og trivsel."


async def test_only_allowed_roles_see_the_break_glass_form(gw: Harness) -> None:
    page = await web_login(gw.client, "sagsbehandler-jobcenter", next_path="/staff")
    assert page.status_code == 200
    assert 'data-testid="break-glass-form"' not in page.text
    assert 'value="noedadgang"' not in page.text


async def test_break_glass_needs_the_confirmation_and_shows_its_basis(gw: Harness) -> None:
    page = await web_login(gw.client, "koordinator-jobcenter", next_path="/staff")
    assert 'data-testid="break-glass-form"' in page.text
    assert "gennemgås af databeskyttelsesrådgiveren" in page.text
    main_form = page.text.split('data-testid="break-glass-form"')[0]
    assert 'value="noedadgang"' not in main_form  # not an ordinary purpose in the main form
    csrf = csrf_of(page.text)
    form = {
        "csrf_token": csrf,
        "cpr": demo_cpr(0),
        "purpose": "noedadgang",
        "justification": JUSTIFICATION,
    }
    unconfirmed = await gw.client.post("/staff/overview", data=form)
    assert unconfirmed.status_code == 422
    confirmed = await gw.client.post("/staff/overview", data={**form, "confirm": "yes"})
    assert confirmed.status_code == 200, confirmed.text
    assert 'data-testid="basis-break-glass"' in confirmed.text
    assert demo_cpr(0) not in confirmed.text
    queue = await gw.client.get("/v1/audit/break-glass", headers=await gw.auth("dpo"))
    assert len(queue.json()["items"]) == 1
