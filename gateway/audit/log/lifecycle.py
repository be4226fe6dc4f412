"""Wiring of the transparency log into the app: the signing key, the sequencer and witnessing."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.audit.log.sequencer import Sequencer, create_log_engine
from gateway.audit.log.witnessing import (
    DirectoryPublisher,
    WitnessClient,
    WitnessCosigning,
    WitnessEndpoint,
)
from gateway.audit.proofs.cosignature import CosignatureVerifier
from gateway.audit.proofs.notes import NoteError, NoteSigner
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


def witness_endpoints(witnesses: list[dict[str, str]]) -> list[WitnessEndpoint]:
    """The configured witnesses; a malformed one stops start-up (fail closed)."""
    endpoints = []
    for item in witnesses:
        url, key = item.get("url", ""), item.get("key", "")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"witness url must be an http(s) URL, got {url!r}")
        try:
            verifier = CosignatureVerifier.parse(key)
        except NoteError as exc:
            raise ValueError(f"witness {url}: invalid key: {exc}") from exc
        endpoints.append(WitnessEndpoint(url, verifier))
    return endpoints


def build_witnessing(svc: Runtime, sequencer: Sequencer, **options: object) -> WitnessCosigning:
    """The cosigning task on the sequencer's engine; it works only while this process leads."""
    settings = svc.settings
    clients = [
        WitnessClient(endpoint, svc.http, timeout_s=settings.witness_timeout_s)
        for endpoint in witness_endpoints(settings.witnesses)
    ]
    return WitnessCosigning(
        sequencer.sessions,
        clients,
        quorum=settings.witness_quorum,
        publisher=DirectoryPublisher(settings.effective_publish_dir),
        is_leader=lambda: sequencer.is_leader,
        **options,  # type: ignore[arg-type]
    )


async def start_witnessing(svc: Runtime, sequencer: Sequencer) -> WitnessCosigning:
    """Start cosigning (no task when no witness is configured)."""
    witnessing = build_witnessing(svc, sequencer)
    sequencer.checkpoint_listeners.append(witnessing.wake)
    witnessing.start()
    return witnessing
