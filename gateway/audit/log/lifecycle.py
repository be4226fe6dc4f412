"""Wiring of the transparency log into the app: the signing key and the sequencer task."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.audit.log.sequencer import Sequencer, create_log_engine
from gateway.audit.proofs.notes import NoteSigner
from gateway.runtime import Runtime


def audit_signer(origin: str, key: Ed25519PrivateKey) -> NoteSigner:
    """The checkpoint signer: the key is named after the log's origin (Go/C2SP custom)."""
    return NoteSigner(origin, key)


def build_sequencer(svc: Runtime, **options: object) -> Sequencer:
    """A sequencer on its own engine (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: own pool)."""
    settings = svc.settings
    retention = (
        timedelta(days=settings.audit_retention_days)
        if settings.audit_retention_days is not None
        else None
    )
    return Sequencer(
        create_log_engine(settings.effective_database_url),
        signer=audit_signer(settings.audit_origin, svc.keys.audit_key),
        origin=settings.audit_origin,
        retention=retention,
        **options,  # type: ignore[arg-type]
    )


async def start_audit_log(svc: Runtime) -> Sequencer:
    """Start the sequencer task; the lifespan stops it with :func:`stop_audit_log`."""
    sequencer = build_sequencer(svc)
    sequencer.start()
    return sequencer


async def stop_audit_log(sequencer: Sequencer) -> None:
    """Stop the task, release the lock and close the sequencer's engine."""
    await sequencer.stop()
    await sequencer.engine.dispose()
