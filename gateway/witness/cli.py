"""``tvaers witness``: generate a witness key, write a configuration, serve the witness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gateway.audit.proofs.cosignature import Cosigner
from gateway.audit.proofs.notes import NoteError, NoteVerifier

if TYPE_CHECKING:
    from gateway.witness.config import WitnessConfig

witness_app = typer.Typer(
    help="Vidne der medsignerer revisionslogge / a witness that cosigns audit logs (C2SP).",
    no_args_is_help=True,
)


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to a new file readable by its owner only; never overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


@witness_app.command("keygen")
def keygen(
    name: Annotated[str, typer.Option(help="Vidnets navn / witness name, e.g. witness.kl.dk/w1")],
    out: Annotated[Path, typer.Option(help="Fil til den private nøgle / private key file")],
) -> None:
    """Lav en ny vidnenøgle; udskriver den offentlige / make a witness key; print the public key."""
    try:
        cosigner = Cosigner.generate(name)
    except NoteError as exc:
        typer.echo(f"Ugyldigt navn / invalid name: {exc}", err=True)
        raise typer.Exit(2) from exc
    try:
        write_secret(out, cosigner.signer_key() + "\n")
    except FileExistsError as exc:
        typer.echo(f"{out} findes allerede / already exists", err=True)
        raise typer.Exit(2) from exc
    typer.echo(str(cosigner.verifier()))


@witness_app.command("init")
def init(
    directory: Annotated[Path, typer.Argument(help="Mappe til vidnet / the witness's folder")],
    name: Annotated[str, typer.Option(help="Vidnets navn / witness name")],
    log: Annotated[
        list[str],
        typer.Option(
            help="Loggen der følges: ORIGIN=VERIFIER_KEY (gentages) / a followed log (repeatable)"
        ),
    ],
) -> None:
    """Opret nøgle og witness.toml / create a key and witness.toml in DIRECTORY."""
    logs: dict[str, str] = {}
    for item in log:
        origin, sep, key = item.partition("=")
        try:
            NoteVerifier.parse(key)
        except NoteError as exc:
            typer.echo(f"Ugyldig lognøgle / invalid log key for {origin}: {exc}", err=True)
            raise typer.Exit(2) from exc
        if not sep or not origin:
            typer.echo("--log skal være ORIGIN=KEY / --log must be ORIGIN=KEY", err=True)
            raise typer.Exit(2)
        logs[origin] = key
    from gateway.witness.config import render_config

    config = directory / "witness.toml"
    if config.exists():
        typer.echo(f"{config} findes allerede / already exists", err=True)
        raise typer.Exit(2)
    cosigner = Cosigner.generate(name)
    write_secret(directory / "witness.key", cosigner.signer_key() + "\n")
    config.write_text(
        render_config(name=name, key_file="witness.key", database="witness.sqlite3", logs=logs),
        encoding="utf-8",
    )
    typer.echo(str(cosigner.verifier()))


def _load(
    config: Path | None, key_file: Path | None, database: Path | None, log: list[str] | None
) -> WitnessConfig:
    """From a witness.toml, or from options/environment (containers: no file to edit)."""
    from gateway.witness.config import FollowedLog, WitnessConfig, WitnessConfigError

    try:
        if config is not None:
            return WitnessConfig.load(config)
        if key_file is None or database is None or not log:
            raise WitnessConfigError(
                "give --config, or --key-file, --database and at least one --log ORIGIN=KEY"
            )
        cosigner = Cosigner.parse(key_file.read_text(encoding="utf-8"))
        logs: dict[str, FollowedLog] = {}
        for item in log:
            origin, sep, key = item.partition("=")
            if not sep or not origin:
                raise WitnessConfigError("--log must be ORIGIN=VERIFIER_KEY")
            logs[origin] = FollowedLog(origin, (NoteVerifier.parse(key),))
        return WitnessConfig(cosigner, database, logs)
    except (OSError, NoteError) as exc:
        raise WitnessConfigError(str(exc)) from exc


ConfigOption = Annotated[
    Path | None, typer.Option(envvar="TVAERS_WITNESS_CONFIG", help="witness.toml")
]
KeyFileOption = Annotated[
    Path | None,
    typer.Option(envvar="TVAERS_WITNESS_KEY_FILE", help="PRIVATE+KEY+… (uden / without --config)"),
]
DatabaseOption = Annotated[
    Path | None,
    typer.Option(envvar="TVAERS_WITNESS_DATABASE", help="SQLite-fil / SQLite file"),
]
LogOption = Annotated[
    list[str] | None,
    typer.Option(
        envvar="TVAERS_WITNESS_LOG",
        help="Fulgt log / followed log: ORIGIN=VERIFIER_KEY (gentages / repeatable)",
    ),
]


@witness_app.command("serve")
def serve(
    config: ConfigOption = None,
    key_file: KeyFileOption = None,
    database: DatabaseOption = None,
    log: LogOption = None,
    host: Annotated[str, typer.Option(envvar="TVAERS_WITNESS_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="TVAERS_WITNESS_PORT")] = 8300,
) -> None:
    """Kør vidnet (C2SP tlog-witness) / run the witness."""
    import uvicorn

    from gateway.witness.app import create_witness_app
    from gateway.witness.config import WitnessConfigError

    try:
        loaded = _load(config, key_file, database, log)
    except WitnessConfigError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"witness {loaded.cosigner.verifier()}", err=True)
    uvicorn.run(create_witness_app(loaded), host=host, port=port, log_config=None)


@witness_app.command("public-key")
def public_key(
    config: ConfigOption = None,
    key_file: KeyFileOption = None,
) -> None:
    """Vis vidnets offentlige nøgle / print the witness's public key."""
    from gateway.witness.config import WitnessConfigError

    try:
        if key_file is not None and config is None:
            typer.echo(str(Cosigner.parse(key_file.read_text(encoding="utf-8")).verifier()))
            return
        loaded = _load(config or Path("witness.toml"), None, None, None)
    except (WitnessConfigError, OSError, NoteError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(str(loaded.cosigner.verifier()))
