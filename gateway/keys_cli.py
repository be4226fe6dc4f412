"""``tvaers keys``: generate production keys, rotate a key ring, show a ring without secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gateway.keys import (
    AUDIT_KEY_FILE,
    DATA_KEYS_FILE,
    PSEUDONYM_KEYS_FILE,
    RECEIPT_KEY_FILE,
    KeyConfigurationError,
    SymmetricKeyRing,
    ed25519_pem,
    replace_private,
    write_private,
)

keys_app = typer.Typer(
    help="Keys: generate production keys and rotate key rings (see docs/keys.md).",
    no_args_is_help=True,
)

_ENV_FOR = {
    DATA_KEYS_FILE: "TVAERS_DATA_KEY_FILE",
    PSEUDONYM_KEYS_FILE: "TVAERS_PSEUDONYM_KEY_FILE",
    AUDIT_KEY_FILE: "TVAERS_AUDIT_KEY_FILE",
    RECEIPT_KEY_FILE: "TVAERS_RECEIPT_KEY_FILE",
}


@keys_app.command("generate")
def generate(
    out: Annotated[Path, typer.Option(help="Directory for the key files.")] = Path("tvaers-keys"),
) -> None:
    """Write a new set of production keys (0600, in a 0700 directory); never overwrites."""
    existing = [name for name in _ENV_FOR if (out / name).exists()]
    if existing:
        typer.echo(f"refusing to overwrite existing keys in {out}: {', '.join(existing)}", err=True)
        raise typer.Exit(1)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    out.chmod(0o700)
    write_private(out / DATA_KEYS_FILE, SymmetricKeyRing.new(development=False).to_json().encode())
    write_private(
        out / PSEUDONYM_KEYS_FILE, SymmetricKeyRing.new(development=False).to_json().encode()
    )
    for name in (AUDIT_KEY_FILE, RECEIPT_KEY_FILE):
        write_private(out / name, ed25519_pem(Ed25519PrivateKey.generate(), development=False))
    typer.echo(f"wrote production keys to {out.resolve()}; configure the gateway with:")
    for name, variable in _ENV_FOR.items():
        typer.echo(f"{variable}={(out / name).resolve()}")


@keys_app.command("rotate")
def rotate(
    ring_file: Annotated[Path, typer.Argument(help="data-keys.json or pseudonym-keys.json")],
    key_id: Annotated[
        str | None, typer.Option(help="Id of the new key (default: next kN).")
    ] = None,
    stage: Annotated[
        bool, typer.Option(help="Add the key without making it current (several replicas).")
    ] = False,
) -> None:
    """Add a new key to a ring, current at once unless --stage. Old keys stay readable."""
    ring = _load(ring_file)
    try:
        rotated = ring.rotated(key_id=key_id, activate=not stage)
    except KeyConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    replace_private(ring_file, rotated.to_json().encode())
    added = next(k for k in rotated.keys if k not in ring.keys)
    if stage:
        typer.echo(f"{ring_file}: {added} added (staged); {rotated.current} is still current.")
        typer.echo(
            f"Roll the ring out to every replica, then: tvaers keys activate {ring_file} {added}"
        )
        return
    kept = ", ".join(k for k in rotated.keys if k != rotated.current)
    typer.echo(f"{ring_file}: {rotated.current} is now current; kept for reading: {kept}")
    typer.echo("Restart every gateway replica to use the new key.")


@keys_app.command("activate")
def activate(
    ring_file: Annotated[Path, typer.Argument(help="A key ring file")],
    key_id: Annotated[str, typer.Argument(help="A key id already in the ring")],
) -> None:
    """Make a staged key current (after every replica has the ring that holds it)."""
    try:
        activated = _load(ring_file).activated(key_id)
    except KeyConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    replace_private(ring_file, activated.to_json().encode())
    typer.echo(f"{ring_file}: {key_id} is now current. Restart every gateway replica.")


def _load(ring_file: Path) -> SymmetricKeyRing:
    try:
        return SymmetricKeyRing.load(ring_file)
    except KeyConfigurationError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc


@keys_app.command("show")
def show(ring_file: Annotated[Path, typer.Argument(help="A key ring file")]) -> None:
    """Print a ring's key ids, the current one and its development flag (never key bytes)."""
    ring = _load(ring_file)
    typer.echo(f"current: {ring.current}")
    typer.echo(f"keys: {', '.join(ring.keys)}")
    typer.echo(f"development: {str(ring.development).lower()}")
