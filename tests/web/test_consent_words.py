"""The exact sentences a citizen reads about a consent, in Danish and English (issue 14 item 6).

Grammar: "for at" is followed by a verb (the purpose's aim); lists end with "og"/"and";
titles keep their case (CTI, WHO-5); consents that no longer hold are in the past tense with
their date, and say what the recipients keep.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.catalogue.models import Catalogue
from gateway.consent.models import ConsentRequestRow, ConsentRow
from gateway.web.consent_words import join_words
from gateway.web.plain import describe
from gateway.web.timefmt import format_date
from tests.harness import Harness, demo_cpr
from tests.web.webclient import web_login

CATALOGUE = Catalogue.load(Path(__file__).resolve().parents[2] / "policies")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
TEAM_AIM_DA = "afklare sammen med dig i et tværfagligt team, hvilken hjælp du har brug for"
TEAM_AIM_EN = "work out with you in an interdisciplinary team what help you need"


def consent_row(**changes: Any) -> ConsentRow:
    values: dict[str, Any] = {
        "consent_id": "c-1",
        "citizen_pseudonym": "hmac:k1:00",
        "purpose": "tvaerfagligt_team",
        "categories": ["health.wellbeing", "social.services"],
        "source_departments": ["jobcenter", "social", "health"],
        "recipient_departments": ["jobcenter"],
        "valid_from": NOW - timedelta(days=30),
        "valid_until": NOW + timedelta(days=60),
        "status": "active",
        "created_at": NOW - timedelta(days=30),
        "withdrawn_at": None,
    }
    values.update(changes)
    return ConsentRow(**values)


@pytest.mark.parametrize(
    ("items", "da", "en"),
    [
        ([], "", ""),
        (["Jobcenter"], "Jobcenter", "Jobcenter"),
        (["A", "B"], "A og B", "A and B"),
        (["A", "B", "C"], "A, B og C", "A, B and C"),
    ],
)
def test_lists_end_with_og(items: list[str], da: str, en: str) -> None:
    assert join_words(items, "da") == da
    assert join_words(items, "en") == en


def test_a_consent_in_force_reads_as_a_danish_sentence_with_a_verb() -> None:
    plain = describe(CATALOGUE, consent_row(), "da", now=NOW)
    assert plain["sentence"] == (
        "Jobcenter (beskæftigelse) må se oplysninger om dig fra Socialforvaltningen og "
        f"Sundhedsforvaltningen for at {TEAM_AIM_DA}."
    )
    english = describe(CATALOGUE, consent_row(), "en", now=NOW)
    assert english["sentence"] == (
        "Jobcentre (employment) may see information about you from Social services and "
        f"Health department to {TEAM_AIM_EN}."
    )
    assert plain["sentence_past"] == ""


def test_two_recipients_are_joined_with_og_and_see_each_others_data() -> None:
    row = consent_row(
        purpose="ressourceforloeb_koordinering",
        source_departments=["jobcenter", "social", "health"],
        recipient_departments=["jobcenter", "social"],
    )
    assert describe(CATALOGUE, row, "da", now=NOW)["sentence"] == (
        "Jobcenter (beskæftigelse) og Socialforvaltningen må se oplysninger om dig fra "
        "Jobcenter (beskæftigelse), Socialforvaltningen og Sundhedsforvaltningen for at samle "
        "én plan for dit ressourceforløb på tværs af forvaltningerne og følge op på den."
    )


def test_acronyms_keep_their_case() -> None:
    row = consent_row(
        purpose="cti_overgang", source_departments=["health"], recipient_departments=["social"]
    )
    plain = describe(CATALOGUE, row, "da", now=NOW)
    assert plain["sentence"] == (
        "Socialforvaltningen må se oplysninger om dig fra Sundhedsforvaltningen for at støtte "
        "dig i overgangen til job med en fast CTI-medarbejder."
    )
    assert plain["purpose_title"] == "CTI-støtte i overgangen til job"
    who5 = describe(CATALOGUE, consent_row(purpose="tidlig_opsporing_trivsel"), "da", now=NOW)
    assert who5["purpose_title"] == "Tidlig opsporing af mistrivsel (WHO-5)"


def test_a_withdrawn_consent_is_in_the_past_tense_with_its_date_and_what_they_keep() -> None:
    row = consent_row(status="withdrawn", withdrawn_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    plain = describe(CATALOGUE, row, "da", now=NOW)
    expected = (
        "Du trak samtykket tilbage den 20. november 2026. Indtil da måtte Jobcenter "
        "(beskæftigelse) se oplysninger om dig fra Socialforvaltningen og Sundhedsforvaltningen "
        f"for at {TEAM_AIM_DA}. Det, de fik, mens samtykket gjaldt, og som står i din sag, "
        "bliver i sagen. Nye oplysninger kan de ikke se."
    )
    assert plain["sentence_past"] == expected
    # The consent's own page and the receipt use the same tense.
    assert plain["sentence"] == expected
    english = describe(CATALOGUE, row, "en", now=NOW)
    assert english["sentence_past"] == (
        "You took the consent back on 20 November 2026. Until then, Jobcentre (employment) "
        "could see information about you from Social services and Health department to "
        f"{TEAM_AIM_EN}. What they received while the consent was in force and put in your "
        "case file stays there. They cannot see anything new."
    )


def test_an_expired_consent_says_when_it_expired() -> None:
    row = consent_row(valid_until=datetime(2026, 11, 1, 11, 0, tzinfo=UTC))
    plain = describe(CATALOGUE, row, "da", now=NOW)
    assert plain["status"] == "expired"
    assert plain["sentence"].startswith(
        "Samtykket udløb den 1. november 2026. Indtil da måtte Jobcenter (beskæftigelse) se "
    )
    assert plain["sentence"].endswith("bliver i sagen. Nye oplysninger kan de ikke se.")


def test_a_request_says_what_a_yes_would_allow() -> None:
    row = ConsentRequestRow(
        request_id="r-1",
        citizen_pseudonym="hmac:k1:00",
        purpose="tidlig_opsporing_alkohol",
        categories=["health.alcohol_screening"],
        source_departments=["health"],
        recipient_departments=["jobcenter"],
        valid_until=NOW + timedelta(days=60),
        status="pending",
    )
    assert describe(CATALOGUE, row, "da", now=NOW)["sentence"] == (
        "Hvis du siger ja, må Jobcenter (beskæftigelse) se oplysninger om dig fra "
        "Sundhedsforvaltningen for at opdage tidligt, om alkohol er et problem for dig, og "
        "hjælpe dig i behandling."
    )


@pytest.mark.parametrize("pid", sorted(CATALOGUE.purposes))
def test_every_purpose_gives_a_sentence_with_a_verb_after_for_at(pid: str) -> None:
    plain = describe(CATALOGUE, consent_row(purpose=pid), "da", now=NOW)
    sentence = plain["sentence"]
    assert " for at " in sentence and "for at:" not in sentence
    after = sentence.split(" for at ", 1)[1]
    # The aim starts with an infinitive verb, not a noun ("afklaring").
    assert not after.split()[0].endswith(("ing", "else", "tion")), sentence
    assert sentence.endswith(".") and not sentence.endswith("..")


async def test_the_portal_shows_the_sentences_as_the_citizen_reads_them(gw: Harness) -> None:
    cpr = demo_cpr(0)
    kept = await gw.record_consent(cpr, categories=["health.wellbeing"])
    gone = await gw.record_consent(
        cpr,
        purpose="cti_overgang",
        categories=["jobcenter.activities"],
        recipients=["social"],
        username="sagsbehandler-social",
    )
    gone_id = gone["consent"]["consent_id"]
    withdrawn = await gw.client.post(
        f"/v1/consents/{gone_id}/withdraw", headers=await gw.citizen_auth(cpr)
    )
    assert withdrawn.status_code == 200, withdrawn.text
    today = format_date(datetime.now(UTC))

    async with httpx.AsyncClient(
        transport=gw.client._transport, base_url="http://testserver"
    ) as browser:
        await web_login(browser, "borger-1")
        overview = (await browser.get("/portal")).text
        assert (
            "Jobcenter (beskæftigelse) må se oplysninger om dig fra Sundhedsforvaltningen for "
            f"at {TEAM_AIM_DA}." in overview
        )
        assert (
            f"Du trak samtykket tilbage den {today}. Indtil da måtte Socialforvaltningen se "
            "oplysninger om dig fra Jobcenter (beskæftigelse) for at støtte dig i overgangen til "
            "job med en fast CTI-medarbejder. Det, de fik, mens samtykket gjaldt, og som står i "
            "din sag, bliver i sagen. Nye oplysninger kan de ikke se." in overview
        )
        assert "for at:" not in overview
        # Before withdrawing, the citizen is told what the recipient keeps.
        confirm = await browser.get(f"/portal/consents/{kept['consent']['consent_id']}/revoke")
        assert confirm.status_code == 200
        assert (
            "Fra det øjeblik kan Jobcenter (beskæftigelse) ikke se nye oplysninger om dig til "
            "dette formål. Det, de allerede har fået og lagt i din sag, bliver i sagen. Din log "
            "viser stadig, hvad de har set." in confirm.text
        )
