"""``tvaers audit export | purge | public-key``: commands that read the configured database.

Configuration comes from ``TVAERS_*`` (Settings), exactly as the gateway reads it. The
offline checks (``tvaers audit verify …``) are in ``verify_cli.py`` and need no database.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from gateway.audit.proofs.notes import NoteSigner


def _load_audit_signer() -> tuple[str, str]:
    """(origin, verifier key) from the configured audit signing key; exits 2 if unreadable.

    The key is named after the origin, as ``gateway.audit.log.lifecycle.audit_signer`` does.
    """
    from gateway.config import Settings
    from gateway.keys import KeyConfigurationError, load_ed25519

    settings = Settings()
    # keys.py generates the development key under this name (load_keys, "audit-signing.pem").
    path = settings.audit_key_file or settings.keys_dir / "audit-signing.pem"
    try:
        key = load_ed25519(path)
    except KeyConfigurationError as exc:
        typer.echo(f"Kan ikke læse revisionsnøglen / cannot read the audit key: {exc}", err=True)
        raise typer.Exit(2) from exc
    return settings.audit_origin, str(NoteSigner(settings.audit_origin, key).verifier())


def public_key_command(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Hent nøglen fra en kørende gateway (https://…) / fetch it from a running "
            "gateway, from anywhere; without it, read the configured signing key",
        ),
    ] = None,
) -> None:
    """Vis revisionsloggens verifikationsnøgle / print the audit log's verifier key."""
    if url is not None:
        typer.echo(_fetch_public_key(url))
        return
    _, verifier_key = _load_audit_signer()
    typer.echo(verifier_key)


def _fetch_public_key(url: str) -> str:
    """``GET <url>/v1/audit/public-key`` as text; checks it parses as a note verifier key."""
    import httpx

    from gateway.audit.proofs.notes import MalformedNote, NoteVerifier

    if not url.startswith(("http://", "https://")):
        typer.echo("URL skal starte med https:// / URL must start with https://", err=True)
        raise typer.Exit(2)
    try:
        response = httpx.get(
            url.rstrip("/") + "/v1/audit/public-key",
            headers={"Accept": "text/plain"},
            timeout=10.0,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        typer.echo(f"Kan ikke hente nøglen / cannot fetch the key: {exc}", err=True)
        raise typer.Exit(1) from exc
    text = response.text.strip()
    try:
        NoteVerifier.parse(text)
    except MalformedNote as exc:
        typer.echo(f"Svaret er ikke en nøgle / the answer is not a key: {exc}", err=True)
        raise typer.Exit(1) from exc
    return text


def export_command(
    out: Annotated[Path, typer.Option("--out", help="Eksportmappe / export directory")],
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Vis fremdrift / show progress")
    ] = True,
) -> None:
    """Eksportér loggen til en mappe / export the log to a directory (streaming)."""
    from gateway.audit.log.export import export_log
    from gateway.config import Settings
    from gateway.db import create_engine, make_sessionmaker

    settings = Settings()

    def report(done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        sys.stderr.write(f"\r{done:,}/{total:,} poster/entries ({pct}%)")
        sys.stderr.flush()

    def warn(message: str) -> None:
        sys.stderr.write(f"\nAdvarsel / warning: {message}\n")

    async def run() -> None:
        engine = create_engine(settings.effective_database_url)
        try:
            summary = await export_log(
                make_sessionmaker(engine),
                out,
                origin=settings.audit_origin,
                progress=report if progress else None,
                warn=warn,
            )
        finally:
            await engine.dispose()
        if progress:
            sys.stderr.write("\n")
        typer.echo(
            f"Eksporteret / exported {summary.entries} poster/entries "
            f"({summary.purged} slettet indhold/purged), {summary.checkpoints} checkpoints "
            f"→ {summary.directory}"
        )

    asyncio.run(run())


def purge_command(
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=1,
            help="Slet indhold ældre end N dage (standard: TVAERS_AUDIT_RETENTION_DAYS) / "
            "purge bodies older than N days (default: TVAERS_AUDIT_RETENTION_DAYS).",
        ),
    ] = None,
    override_retention: Annotated[
        str | None,
        typer.Option(
            "--override-retention",
            help="Tilladelse til at gå under den konfigurerede opbevaringsperiode: en sags- "
            "eller beslutningsreference (a-z, 0-9, -, _), skrives i revisionsloggen / "
            "permit purging below the configured retention: a case or decision reference, "
            "recorded in the audit log.",
        ),
    ] = None,
) -> None:
    """Slet indhold af gamle poster, behold hashes / purge old entry bodies, keep hashes.

    Never below the configured retention (TVAERS_AUDIT_RETENTION_DAYS; none configured means
    keep for ever) unless ``--override-retention REF`` is given; every purge writes an
    ``audit.purge`` entry naming the operator, the period and the override.
    """
    from gateway.audit.log.purge_rules import PurgeRefused, purge_record
    from gateway.audit.log.sequencer import create_log_engine, purge
    from gateway.config import Settings
    from gateway.db import make_sessionmaker

    settings = Settings()
    period = days if days is not None else settings.audit_retention_days
    if period is None:
        typer.echo(
            "Ingen opbevaringsperiode: angiv --days eller TVAERS_AUDIT_RETENTION_DAYS / "
            "no retention period: give --days or set TVAERS_AUDIT_RETENTION_DAYS",
            err=True,
        )
        raise typer.Exit(2)
    cutoff = datetime.now(UTC) - timedelta(days=period)
    try:
        record = purge_record(
            days=period,
            configured=settings.audit_retention_days,
            override=override_retention,
            cutoff=cutoff,
        )
    except PurgeRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc

    async def run() -> int:
        engine = create_log_engine(settings.effective_database_url)
        try:
            return await purge(make_sessionmaker(engine), cutoff=cutoff, record=record)
        finally:
            await engine.dispose()

    purged = asyncio.run(run())
    typer.echo(
        f"Slettet indhold af {purged} poster før {cutoff:%Y-%m-%d} / purged {purged} entry "
        f"bodies recorded before {cutoff:%Y-%m-%d}; leaf hashes kept; recorded as audit.purge."
    )


def register(audit_app: typer.Typer) -> None:
    """Add these commands to ``tvaers audit``."""
    audit_app.command("export")(export_command)
    audit_app.command("purge")(purge_command)
    audit_app.command("public-key")(public_key_command)
