"""Builds the outside channels and runs the outbox worker and expiry job in the gateway."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

from gateway.background import stop_after_step
from gateway.config import Settings
from gateway.notices.channels import DigitalPostChannel, NoticeChannel, SmtpChannel
from gateway.notices.jobs import notify_expiring_consents
from gateway.notices.outbox import outside_channels
from gateway.notices.worker import NoticeWorker
from gateway.runtime import Runtime

logger = logging.getLogger("tvaers.notices")


def build_channels(settings: Settings, svc: Runtime) -> dict[str, NoticeChannel]:
    """The configured outside channels by name (the portal inbox needs none)."""
    channels: dict[str, NoticeChannel] = {}
    if settings.notice_smtp_host:
        channels["email"] = SmtpChannel(
            host=settings.notice_smtp_host,
            port=settings.notice_smtp_port,
            sender=settings.notice_email_from,
            starttls=settings.notice_smtp_starttls,
        )
    if settings.digital_post_url:
        channels["digital_post"] = DigitalPostChannel(
            url=settings.digital_post_url,
            sender_cvr=settings.digital_post_sender_cvr,
            client=svc.http,
        )
    assert set(channels) == set(outside_channels(settings))
    return channels


def build_worker(svc: Runtime) -> NoticeWorker:
    settings = svc.settings
    return NoticeWorker(
        svc.sessions,
        channels=build_channels(settings, svc),
        cipher=svc.keys.cipher,
        clock=svc.clock,
        max_attempts=settings.notice_max_attempts,
        backoff_s=settings.notice_backoff_s,
    )


#: How long a stopping gateway lets a notice pass in progress finish before cancelling it.
STOP_GRACE_S = 5.0


@dataclass
class NoticeLoop:
    task: asyncio.Task[None]
    stop: asyncio.Event


async def _loop(svc: Runtime, worker: NoticeWorker, stop: asyncio.Event) -> None:
    settings = svc.settings
    last_scan = float("-inf")
    while not stop.is_set():
        try:
            if time.monotonic() - last_scan >= settings.notice_expiry_scan_s:
                last_scan = time.monotonic()
                await notify_expiring_consents(
                    svc.sessions,
                    catalogue=svc.catalogue,
                    channels=outside_channels(settings),
                    now=svc.clock(),
                    within_days=settings.notice_expiry_days,
                )
            await worker.run_once()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the store may be down for a while; keep trying
            logger.warning("notice worker pass failed: %s", type(exc).__name__)
        # Sleep until the next pass or until asked to stop: a stop never lands inside a
        # database pass, so no connection is left half-used for the garbage collector.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.notice_poll_s)


def start_notices(svc: Runtime) -> NoticeLoop | None:
    """Start the background worker when ``TVAERS_NOTICE_WORKER`` is on."""
    if not svc.settings.notice_worker:
        return None
    worker = build_worker(svc)
    stop = asyncio.Event()
    return NoticeLoop(asyncio.create_task(_loop(svc, worker, stop), name="notice-worker"), stop)


async def stop_notices(loop: NoticeLoop | None) -> None:
    """Ask the loop to stop after its current pass; cancel it only if that pass hangs."""
    if loop is None:
        return
    loop.stop.set()
    await stop_after_step(loop.task, grace_s=STOP_GRACE_S)
