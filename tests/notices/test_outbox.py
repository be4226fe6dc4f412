"""Citizen notices: the outbox, e-mail over a real SMTP server, retries after a restart,
dead letters, Digital Post (MeMo) into the simulator, and the consent-expiry job.

Runs on SQLite and PostgreSQL; "a restart" is a second gateway on the same database.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from connectors.simulators.digitalpost import create_app as digital_post_app
from gateway.notices.channels import DigitalPostChannel, message_id_header
from gateway.notices.jobs import dead_letters, notify_expiring_consents, retry_dead
from gateway.notices.lifecycle import build_worker
from gateway.notices.models import NoticeDeliveryRow, NoticeRow
from gateway.notices.worker import NoticeWorker
from tests.harness import Harness, demo_cpr, running_gateway
from tests.notices.smtp import Inbox, smtp_server

# Staff record consents only for ordinary categories (issue 13): those notify the citizen.
STAFF_RECORDABLE = ["social.services"]

EMAIL = "borger.en@example.org"


@asynccontextmanager
async def gateway(
    tmp_path: Path, database_url: str, port: int, **settings: Any
) -> AsyncIterator[Harness]:
    async with running_gateway(
        tmp_path,
        database_url=database_url,
        notice_worker=False,  # the test runs the worker itself
        notice_smtp_host="127.0.0.1",
        notice_smtp_port=port,
        **settings,
    ) as gw:
        yield gw


async def give_email(gw: Harness, citizen: str = "borger-1", email: str = EMAIL) -> None:
    response = await gw.client.put(
        "/v1/me/notice-preferences", json={"email": email}, headers=await gw.auth(citizen)
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"email_set": True}


async def deliveries(gw: Harness) -> list[NoticeDeliveryRow]:
    async with gw.services.sessions() as session:
        return list(await session.scalars(select(NoticeDeliveryRow)))


def worker(gw: Harness, *, at: datetime | None = None) -> NoticeWorker:
    built = build_worker(gw.services)
    if at is not None:
        built._clock = lambda: at
    return built


async def operator_cli(
    tmp_path: Path, database_url: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """``tvaers notices …`` as the operator runs it, on the test's database."""
    env = {
        **os.environ,
        "TVAERS_ENV": "test",
        "TVAERS_DATA_DIR": str(tmp_path),
        "TVAERS_DATABASE_URL": database_url,
    }
    tvaers = str(Path(sys.executable).parent / "tvaers")
    return await asyncio.to_thread(
        subprocess.run,
        [tvaers, "notices", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_no_cpr(inbox: Inbox) -> None:
    for cpr in (demo_cpr(0), demo_cpr(1)):
        for raw in inbox.raw:
            text = raw.decode("utf-8", errors="replace")
            assert cpr not in text and cpr.replace("-", "") not in text


async def test_email_is_delivered_to_a_real_smtp_server(tmp_path: Path, database_url: str) -> None:
    with smtp_server() as (inbox, port):
        async with gateway(tmp_path, database_url, port) as gw:
            await give_email(gw)
            await gw.record_consent(
                demo_cpr(0), categories=STAFF_RECORDABLE
            )  # staff-recorded: the citizen is told
            (delivery,) = await deliveries(gw)
            assert delivery.channel == "email" and delivery.status == "pending"

            run = await worker(gw).run_once()
            assert (run.sent, run.retried, run.dead) == (1, 0, 0)
            (message,) = inbox.messages
            assert message["To"] == EMAIL
            assert message["Message-ID"] == message_id_header(delivery.delivery_id)
            subject = str(message["Subject"])
            assert "samtykke" in subject and "consent" in subject  # Danish first, English too
            body = message.get_content()
            assert body.index("registreret") < body.index("recorded")
            assert "Sociale indsatser" in body and "tværfagligt" in body  # æøå survive
            assert_no_cpr(inbox)

            # Sent once: further passes send nothing.
            assert (await worker(gw).run_once()).sent == 0
            assert len(inbox.messages) == 1
            (delivery,) = await deliveries(gw)
            assert delivery.status == "sent" and delivery.attempts == 1


async def test_no_email_without_an_address(tmp_path: Path, database_url: str) -> None:
    with smtp_server() as (inbox, port):
        async with gateway(tmp_path, database_url, port) as gw:
            await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE)
            assert await deliveries(gw) == []  # the portal inbox only
            notices = await gw.client.get("/v1/me/notices", headers=await gw.auth("borger-1"))
            assert [n["kind"] for n in notices.json()["items"]] == ["consent_recorded"]
            await worker(gw).run_once()
            assert inbox.messages == []


async def test_a_failed_delivery_is_retried_after_a_restart_without_duplicates(
    tmp_path: Path, database_url: str
) -> None:
    with smtp_server() as (inbox, port):
        inbox.refuse = "451 4.3.0 try again later"
        async with gateway(tmp_path, database_url, port) as gw:
            await give_email(gw)
            await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE)
            run = await worker(gw).run_once()
            assert (run.sent, run.retried) == (0, 1)
            (delivery,) = await deliveries(gw)
            assert delivery.status == "pending" and delivery.attempts == 1
            assert delivery.last_error == "smtp 451"
            assert delivery.next_attempt_at > gw.services.clock()  # backed off
            # Not due yet: an immediate pass does not hammer the server.
            assert (await worker(gw).run_once()).retried == 0
        assert inbox.messages == []

        inbox.refuse = None
        async with gateway(tmp_path, database_url, port) as gw:  # the restart
            later = gw.services.clock() + timedelta(hours=2)
            assert (await worker(gw, at=later).run_once()).sent == 1
            for _ in range(3):  # and never again, however often the worker runs
                assert (await worker(gw, at=later + timedelta(hours=1)).run_once()).sent == 0
            (delivery,) = await deliveries(gw)
            assert delivery.status == "sent" and delivery.attempts == 2
        (message,) = inbox.messages
        assert message["Message-ID"] == message_id_header(delivery.delivery_id)


async def test_a_resend_after_a_crash_reuses_the_message_id(
    tmp_path: Path, database_url: str
) -> None:
    """At least once: a crash between sending and marking sent sends again, same Message-ID."""
    with smtp_server() as (inbox, port):
        async with gateway(tmp_path, database_url, port) as gw:
            await give_email(gw)
            await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE)
            crashing = worker(gw)

            async def crash(*args: object, **kwargs: object) -> None:
                raise SystemExit("killed after sending")

            crashing._record = crash  # type: ignore[method-assign]
            with suppress(SystemExit):
                await crashing.run_once()
            later = gw.services.clock() + timedelta(minutes=10)  # the claim lease ran out
            assert (await worker(gw, at=later).run_once()).sent == 1
        first, second = inbox.messages
        assert first["Message-ID"] == second["Message-ID"]  # the receiver can drop the repeat


async def test_a_refused_delivery_is_dead_lettered_and_can_be_retried(
    tmp_path: Path, database_url: str
) -> None:
    with smtp_server() as (inbox, port):
        inbox.refuse = "550 5.1.1 no such mailbox"
        async with gateway(tmp_path, database_url, port) as gw:
            await give_email(gw)
            await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE)
            assert (await worker(gw).run_once()).dead == 1
            async with gw.services.sessions() as session:
                ((delivery, notice),) = await dead_letters(session)
                assert notice.kind == "consent_recorded" and delivery.last_error == "smtp 550"
            # The operator sees it with the CLI (exit 1: there are dead letters) ...
            listed = await operator_cli(tmp_path, database_url, "dead")
            assert listed.returncode == 1 and delivery.delivery_id in listed.stdout
            assert EMAIL not in listed.stdout and demo_cpr(0) not in listed.stdout
            # ... and puts it back in the queue.
            retried = await operator_cli(tmp_path, database_url, "retry", delivery.delivery_id)
            assert retried.returncode == 0, retried.stdout + retried.stderr
            async with gw.services.sessions() as session:
                assert not await retry_dead(session, delivery.delivery_id, now=gw.services.clock())
            inbox.refuse = None
            assert (await worker(gw).run_once()).sent == 1
            async with gw.services.sessions() as session:
                assert await dead_letters(session) == []


async def test_too_many_failures_end_in_the_dead_letter_state(
    tmp_path: Path, database_url: str
) -> None:
    with smtp_server() as (inbox, port):
        inbox.refuse = "421 4.7.0 busy"
        async with gateway(tmp_path, database_url, port, notice_max_attempts=3) as gw:
            await give_email(gw)
            await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE)
            now = gw.services.clock()
            for step in range(3):
                await worker(gw, at=now + timedelta(hours=2 * step)).run_once()
            (delivery,) = await deliveries(gw)
            assert delivery.status == "dead" and delivery.attempts == 3


async def test_digital_post_delivers_memo_to_the_simulator_once(
    tmp_path: Path, database_url: str
) -> None:
    simulator = digital_post_app()
    url = "http://digitalpost.sim/memo/messages"
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=simulator)) as client,
        running_gateway(
            tmp_path, database_url=database_url, notice_worker=False, digital_post_url=url
        ) as gw,
    ):
        view = await gw.client.post(
            "/v1/views",
            json={
                "cpr": demo_cpr(0),
                "purpose": "noedadgang",
                "justification": "Borgeren er i akut livsfare; kontaktoplysninger nødvendige.",
            },
            headers=await gw.auth("koordinator-jobcenter"),
        )
        assert view.status_code == 200
        channel = DigitalPostChannel(url=url, sender_cvr="29189846", client=client)
        sender = NoticeWorker(
            gw.services.sessions,
            channels={"digital_post": channel},
            cipher=gw.services.keys.cipher,
            clock=gw.services.clock,
        )
        assert (await sender.run_once()).sent == 1
        (delivery,) = await deliveries(gw)
        # A repeat of the same delivery (as after a crash) is dropped by message id.
        async with gw.services.sessions() as session:
            row = await session.get(NoticeDeliveryRow, delivery.delivery_id)
            assert row is not None
            row.status = "pending"
            await session.commit()
        assert (await sender.run_once()).sent == 1
    listing = simulator.state.mailbox
    assert listing.duplicates == 1
    (message,) = listing.messages.values()
    assert message["message_uuid"] == delivery.delivery_id
    assert message["recipient"] == demo_cpr(0).replace("-", "")  # NgDP routes by CPR ...
    texts = [f["text"] for f in message["files"]]
    assert [f["language"] for f in message["files"]] == ["da", "en"]
    assert "nødadgang" in texts[0]
    for text in texts:  # ... but the letter itself never holds it
        assert demo_cpr(0) not in text and demo_cpr(0).replace("-", "") not in text


async def test_the_expiry_job_notifies_once_per_consent(gw: Harness) -> None:
    soon = await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE, days=10)
    await gw.record_consent(demo_cpr(0), categories=STAFF_RECORDABLE, days=80)  # not within 30 days
    withdrawn = await gw.record_consent(demo_cpr(1), categories=STAFF_RECORDABLE, days=5)
    response = await gw.client.post(
        f"/v1/consents/{withdrawn['consent']['consent_id']}/withdraw",
        json={"evidence_ref": "tilbagekaldt skriftligt"},
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert response.status_code == 200, response.text
    svc = gw.services
    now = svc.clock()
    counts = []
    for later in (now, now + timedelta(hours=1), now + timedelta(days=3)):
        counts.append(
            await notify_expiring_consents(
                svc.sessions, catalogue=svc.catalogue, channels=(), now=later, within_days=30
            )
        )
    assert counts == [1, 0, 0]
    async with svc.sessions() as session:
        expiring = list(
            await session.scalars(select(NoticeRow).where(NoticeRow.kind == "consent_expiring"))
        )
        assert [n.reference for n in expiring] == [soon["consent"]["consent_id"]]
        assert await session.scalar(select(func.count(NoticeRow.notice_id))) == 5
    kinds = [
        n["kind"]
        for n in (await gw.client.get("/v1/me/notices", headers=await gw.auth("borger-2"))).json()[
            "items"
        ]
    ]
    assert sorted(kinds) == ["consent_recorded", "consent_withdrawn"]


async def test_consent_request_and_withdrawal_tell_the_citizen(gw: Harness) -> None:
    asked = await gw.client.post(
        "/v1/consent-requests",
        json={
            "cpr": demo_cpr(0),
            "purpose": "tvaerfagligt_team",
            "categories": ["health.wellbeing"],
            "recipient_departments": ["jobcenter"],
            "valid_until": (gw.services.clock() + timedelta(days=30)).isoformat(),
            "message": "Vi vil gerne se din trivselsmåling før mødet.",
        },
        headers=await gw.auth("sagsbehandler-jobcenter"),
    )
    assert asked.status_code == 201, asked.text
    mine = (await gw.client.get("/v1/me/notices", headers=await gw.auth("borger-1"))).json()
    (notice,) = mine["items"]
    assert notice["kind"] == "consent_request"
    assert "Jobcenter" in notice["body"]["da"] and notice["body"]["en"] != notice["body"]["da"]
    assert demo_cpr(0) not in json.dumps(mine)
