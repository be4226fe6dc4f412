"""Delivery channels behind one small interface: ``async send(notice)``.

The portal inbox needs no channel: the notice row is the inbox entry, committed with its
cause. Outside channels (e-mail, Digital Post) are called by the worker; each raises
``DeliveryFailed`` (try again later) or ``DeliveryRejected`` (never retried: dead letter).
"""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

import httpx

from gateway.notices.memo import memo_message


class DeliveryFailed(Exception):
    """The channel could not deliver now; the worker retries with backoff."""


class DeliveryRejected(Exception):
    """The channel refused the message for good; the delivery is dead-lettered."""


@dataclass(frozen=True, slots=True)
class OutgoingNotice:
    """One notice for one channel. ``message_id`` is the same on every attempt."""

    message_id: str
    kind: str
    recipient: str  # e-mail address, or the CPR for Digital Post routing (never in the text)
    subject_da: str
    subject_en: str
    body_da: str
    body_en: str
    created_at: datetime


class NoticeChannel(Protocol):
    """Delivers a notice to one outside channel."""

    name: str

    async def send(self, notice: OutgoingNotice) -> None:
        """Deliver ``notice`` or raise ``DeliveryFailed`` / ``DeliveryRejected``."""
        ...


def message_id_header(message_id: str) -> str:
    """The RFC 5322 Message-ID of a delivery: stable, so a receiver can drop repeats."""
    return f"<{message_id}@notices.tvaers.invalid>"


class SmtpChannel:
    """E-mail over SMTP (stdlib ``smtplib`` in a worker thread)."""

    name = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        starttls: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._starttls = starttls
        self._timeout_s = timeout_s

    def message(self, notice: OutgoingNotice) -> EmailMessage:
        """The e-mail: Danish first, English below; no CPR in any header or the body."""
        msg = EmailMessage()
        msg["From"] = self._sender
        msg["To"] = notice.recipient
        msg["Subject"] = f"{notice.subject_da} / {notice.subject_en}"
        msg["Date"] = format_datetime(notice.created_at)
        msg["Message-ID"] = message_id_header(notice.message_id)
        msg["Content-Language"] = "da, en"
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(
            f"{notice.body_da}\n\n-- English --\n\n{notice.subject_en}\n\n{notice.body_en}\n",
            charset="utf-8",
        )
        return msg

    async def send(self, notice: OutgoingNotice) -> None:
        await asyncio.to_thread(self._send_sync, self.message(notice))

    def _send_sync(self, msg: EmailMessage) -> None:
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout_s) as smtp:
                if self._starttls:
                    smtp.starttls()
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise DeliveryRejected("recipient refused") from exc
            raise DeliveryFailed("recipient deferred") from exc
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                raise DeliveryRejected(f"smtp {exc.smtp_code}") from exc
            raise DeliveryFailed(f"smtp {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(type(exc).__name__) from exc


class DigitalPostChannel:
    """Digital Post (NgDP): a MeMo message POSTed to the configured endpoint.

    The MeMo ``messageUUID`` is the delivery id, so NgDP (and the simulator) drop repeats.
    """

    name = "digital_post"

    def __init__(self, *, url: str, sender_cvr: str, client: httpx.AsyncClient) -> None:
        self._url = url
        self._sender_cvr = sender_cvr
        self._client = client

    async def send(self, notice: OutgoingNotice) -> None:
        body = memo_message(notice, sender_cvr=self._sender_cvr)
        try:
            response = await self._client.post(
                self._url,
                content=body,
                headers={"Content-Type": "application/xml; charset=utf-8"},
                timeout=10.0,
            )
        except httpx.HTTPError as exc:
            raise DeliveryFailed(type(exc).__name__) from exc
        if response.status_code in (200, 201, 202, 409):  # 409: already delivered
            return
        if 400 <= response.status_code < 500 and response.status_code != 429:
            raise DeliveryRejected(f"digital post {response.status_code}")
        raise DeliveryFailed(f"digital post {response.status_code}")
