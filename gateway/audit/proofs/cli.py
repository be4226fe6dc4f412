"""``tvaers audit verify``: offline checks of the audit log (no database, no network).

Mounted by ``gateway/cli.py``. Exit code 0 only when everything verifies, 1 when
something does not, 2 for unusable input (typer's own usage errors also exit 2).
Every verdict is printed in Danish, then English.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from gateway.audit.proofs.consent_receipt import ReceiptInvalid, verify_consent_receipt
from gateway.audit.proofs.cosignature import CosignatureVerifier
from gateway.audit.proofs.export_format import ExportFormatError
from gateway.audit.proofs.notes import Checkpoint, NoteError, parse_note
from gateway.audit.proofs.verify import (
    Failure,
    VerificationFailed,
    check_quorum,
    load_entry_bytes,
    load_verifier,
    load_witnesses,
    parse_proof_file,
    verify_checkpoint_consistency,
    verify_checkpoint_note,
    verify_export,
    verify_receipt,
)

audit_verify_app = typer.Typer(
    help="Verificér revisionsloggen offline / Verify the audit log offline.",
    no_args_is_help=True,
)

KeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        help="Verifikationsnøgle (streng eller fil) / verifier key (string or file): "
        "<name>+<hex id>+<base64>.",
    ),
]

WitnessOption = Annotated[
    list[str] | None,
    typer.Option(
        "--witness",
        help="Et vidnes offentlige nøgle (streng eller fil; gentages) / a witness's public "
        "key (string or file; repeatable): <name>+<hex id>+<base64>.",
    ),
]
QuorumOption = Annotated[
    int | None,
    typer.Option(
        "--quorum",
        min=1,
        help="Mindst så mange gyldige medsignaturer (standard: alle --witness) / at least "
        "this many valid witness cosignatures (default: every --witness).",
    ),
]


def _witnesses(keys: list[str] | None, quorum: int | None) -> tuple[list[CosignatureVerifier], int]:
    """The trusted witnesses and the quorum (0: no witness check asked for)."""
    texts = [t for t in (_key_text(k) for k in keys or []) if t]
    if quorum is not None and quorum > len(texts):
        _usage_error(
            f"--quorum {quorum} kræver mindst {quorum} --witness / "
            f"needs at least {quorum} --witness"
        )
    try:
        witnesses = load_witnesses(texts)
    except VerificationFailed as exc:
        _usage_error(f"{exc.failure.message_da} / {exc.failure.message_en}")
    return witnesses, (quorum if quorum is not None else len(witnesses))


def _witnessed(count: int, quorum: int) -> None:
    if quorum:
        _ok(
            f"{count} gyldige medsignaturer fra vidner (krævet: {quorum}).",
            f"{count} valid witness cosignatures (required: {quorum}).",
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _usage_error(f"Kan ikke læse {path} / cannot read {path}: {exc}")


def _usage_error(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(2)


def _key_text(key: str | None) -> str | None:
    """A key given as a path to a file holding it is read from the file."""
    if key is None:
        return None
    path = Path(key)
    if "+" not in key and path.is_file():
        return _read_text(path).strip()
    return key.strip()


def _ok(da: str, en: str) -> None:
    typer.secho(f"OK: {da}", fg=typer.colors.GREEN)
    typer.echo(f"OK: {en}")


def _failed(failure: Failure) -> NoReturn:
    where = "" if failure.index is None else f" [indeks/index {failure.index}]"
    typer.secho(f"FEJL{where}: {failure.message_da}", fg=typer.colors.RED, err=True)
    typer.echo(f"FAILED{where}: {failure.message_en}", err=True)
    raise typer.Exit(1)


def _unsigned_warning() -> None:
    typer.secho(
        "Advarsel: ingen --key, så signaturer er ikke kontrolleret.",
        fg=typer.colors.YELLOW,
        err=True,
    )
    typer.echo("Warning: no --key given, so signatures were not checked.", err=True)


@audit_verify_app.command("checkpoint")
def checkpoint_command(
    file: Annotated[Path, typer.Argument(help="Signeret checkpoint / signed checkpoint note")],
    key: KeyOption = None,
    origin: Annotated[str | None, typer.Option(help="Forventet origin / expected origin")] = None,
    witness: WitnessOption = None,
    quorum: QuorumOption = None,
) -> None:
    """Verificér et signeret checkpoint / verify a signed checkpoint."""
    key_text = _key_text(key)
    if key_text is None:
        _usage_error("--key er påkrævet / --key is required")
    witnesses, needed = _witnesses(witness, quorum)
    note = _read_text(file)
    try:
        checkpoint = verify_checkpoint_note(note, key_text, origin=origin)
        found = check_quorum(note, witnesses, needed, size=checkpoint.size) if needed else []
    except VerificationFailed as exc:
        _failed(exc.failure)
    _ok(
        f"checkpoint for {checkpoint.origin} i størrelse {checkpoint.size} er gyldigt signeret.",
        f"checkpoint of {checkpoint.origin} at size {checkpoint.size} is validly signed.",
    )
    _witnessed(len(found), needed)


@audit_verify_app.command("consistency")
def consistency_command(
    old: Annotated[Path, typer.Argument(help="Ældre checkpoint / older checkpoint note")],
    new: Annotated[Path, typer.Argument(help="Nyere checkpoint / newer checkpoint note")],
    proof: Annotated[Path, typer.Option("--proof", help="Konsistensbevis / consistency proof")],
    key: KeyOption = None,
) -> None:
    """Verificér at NEW er en udvidelse af OLD / verify that NEW extends OLD."""
    key_text = _key_text(key)
    try:
        if key_text is None:
            _unsigned_warning()
            old_cp = Checkpoint.parse(parse_note(_read_text(old)).text)
            new_cp = Checkpoint.parse(parse_note(_read_text(new)).text)
        else:
            old_cp = verify_checkpoint_note(_read_text(old), key_text)
            new_cp = verify_checkpoint_note(_read_text(new), key_text)
        hashes = parse_proof_file(_read_text(proof))
        verify_checkpoint_consistency(old_cp, new_cp, hashes)
    except VerificationFailed as exc:
        _failed(exc.failure)
    except (NoteError, ExportFormatError) as exc:
        _usage_error(f"Ugyldig fil / invalid file: {exc}")
    _ok(
        f"loggen i størrelse {new_cp.size} er en udvidelse af størrelse {old_cp.size}.",
        f"the log at size {new_cp.size} extends size {old_cp.size}.",
    )


@audit_verify_app.command("receipt")
def receipt_command(
    file: Annotated[Path, typer.Argument(help="Kvittering (.tlog-proof) / receipt")],
    entry: Annotated[Path, typer.Option("--entry", help="Posten / the entry (JSON)")],
    key: KeyOption = None,
    origin: Annotated[str | None, typer.Option(help="Forventet origin / expected origin")] = None,
    witness: WitnessOption = None,
    quorum: QuorumOption = None,
) -> None:
    """Verificér en kvittering for en post / verify a receipt for an entry."""
    key_text = _key_text(key)
    if key_text is None:
        _usage_error("--key er påkrævet / --key is required")
    witnesses, needed = _witnesses(witness, quorum)
    try:
        entry_bytes = load_entry_bytes(entry.read_bytes())
        result = verify_receipt(
            _read_text(file),
            entry_bytes,
            key_text,
            origin=origin,
            witnesses=witnesses,
            quorum=needed,
        )
    except VerificationFailed as exc:
        _failed(exc.failure)
    except (OSError, ExportFormatError) as exc:
        _usage_error(f"Ugyldig fil / invalid file: {exc}")
    _ok(
        f"posten står på indeks {result.index} i loggen {result.checkpoint.origin} "
        f"(signeret størrelse {result.checkpoint.size}).",
        f"the entry is at index {result.index} of {result.checkpoint.origin} "
        f"(signed size {result.checkpoint.size}).",
    )
    if needed:
        _ok(
            f"checkpointet er medsigneret af mindst {needed} vidne(r).",
            f"the checkpoint is cosigned by at least {needed} witness(es).",
        )


@audit_verify_app.command("full")
def full_command(
    export: Annotated[Path, typer.Option("--export", help="Eksportmappe / export directory")],
    key: KeyOption = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="Uafhængigt hentet checkpoint der skal være med / independently obtained "
            "checkpoint the export must contain (repeatable).",
        ),
    ] = None,
    canonical: Annotated[
        bool,
        typer.Option(
            "--canonical/--no-canonical",
            help="Kontrollér også at hver post er kanonisk JSON (ca. 5x langsommere; tjekker "
            "skriveren, ikke manipulation) / also check that every entry is canonical JSON "
            "(about 5x slower; checks the writer, not tampering).",
        ),
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            min=1,
            help="Processer til hashing (standard: alle kerner) / processes for hashing "
            "(default: every core).",
        ),
    ] = os.cpu_count() or 1,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Vis fremdrift / show progress")
    ] = True,
    witness: WitnessOption = None,
    quorum: QuorumOption = None,
) -> None:
    """Genberegn hele loggen fra en eksport / recompute the whole log from an export."""
    key_text = _key_text(key)
    witnesses, needed = _witnesses(witness, quorum)
    trusted = [_read_text(p) for p in checkpoint or []]
    show = progress and sys.stderr.isatty()

    def report(done: int, total: int) -> None:
        pct = 100 * done // total if total else 100
        sys.stderr.write(f"\r{done:,}/{total:,} poster/entries ({pct}%)")
        sys.stderr.flush()

    result = verify_export(
        export,
        key=key_text,
        trusted_checkpoints=trusted,
        check_canonical=canonical,
        jobs=jobs,
        progress=report if show else None,
        witnesses=witnesses,
        quorum=needed,
    )
    if show:
        sys.stderr.write("\n")
    if result.key_from_export:
        typer.secho(
            f"Advarsel: nøglen er taget fra eksporten; sammenlign den med den offentliggjorte "
            f"nøgle: {result.verifier_key}",
            fg=typer.colors.YELLOW,
            err=True,
        )
        typer.echo(
            "Warning: the key was taken from the export; compare it with the published key.",
            err=True,
        )
    if result.failure is not None:
        _failed(result.failure)
    hash_only_da, hash_only_en = _hash_only_wording(export, result.purged)
    _ok(
        f"{result.entries} poster ({hash_only_da}) og "
        f"{result.checkpoints} signerede checkpoints stemmer; rod verificeret til størrelse "
        f"{result.verified_size}.",
        f"{result.entries} entries ({hash_only_en}) and "
        f"{result.checkpoints} signed checkpoints agree; root verified up to size "
        f"{result.verified_size}.",
    )
    if needed:
        _ok(
            f"det nyeste checkpoint (størrelse {result.verified_size}) er medsigneret af mindst "
            f"{needed} vidne(r).",
            f"the newest checkpoint (size {result.verified_size}) is cosigned by at least "
            f"{needed} witness(es).",
        )


def _hash_only_wording(export: Path, hash_only: int) -> tuple[str, str]:
    """What the lines given by their hash only are, in Danish and English.

    In a full export they are entries whose content retention has purged. In a DPO's filtered
    export (``selection.json`` beside the entries) they are mostly the entries outside the
    selection: their content is not in the export, but they are still in the log — nothing
    was deleted. The selection file is not signed, so its count is only used for wording.
    """
    outside = 0
    try:
        selection = json.loads((export / "selection.json").read_text(encoding="utf-8"))
        outside = int(selection.get("entries_outside_selection", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        selection = None
    if selection is None:
        return (
            f"{hash_only} med indhold slettet efter opbevaringstiden, kun som hash",
            f"{hash_only} with bodies purged by retention, as hashes only",
        )
    outside = max(0, min(outside, hash_only))
    purged = hash_only - outside
    da = f"{outside} uden for udvalget, kun som hash"
    en = f"{outside} outside the selection, as hashes only"
    if purged:
        da += f"; {purged} med indhold slettet efter opbevaringstiden"
        en += f"; {purged} with bodies purged by retention"
    return da, en


@audit_verify_app.command("key")
def key_command(
    key: Annotated[str, typer.Argument(help="Verifikationsnøgle / verifier key")],
) -> None:
    """Kontrollér og vis en verifikationsnøgle / check and show a verifier key."""
    try:
        verifier = load_verifier(_key_text(key) or key)
    except VerificationFailed as exc:
        _failed(exc.failure)
    _ok(
        f"nøglen {verifier.name} har id {verifier.key_id:08x}.",
        f"key {verifier.name} has id {verifier.key_id:08x}.",
    )


@audit_verify_app.command("consent-receipt")
def consent_receipt_command(
    file: Annotated[Path, typer.Argument(help="Samtykkekvittering (JWS) / consent receipt")],
    keys: Annotated[
        Path,
        typer.Option("--keys", help="Nøglesæt (JWKS) fra /v1/consents/receipt-keys / key set"),
    ],
    notice: Annotated[
        Path | None,
        typer.Option("--notice", help="Samtykketeksten (UTF-8) / the notice text, to compare"),
    ] = None,
) -> None:
    """Verificér en samtykke- eller tilbagekaldelseskvittering / verify a consent or
    withdrawal receipt."""
    try:
        jwks = json.loads(_read_text(keys))
    except ValueError as exc:
        _usage_error(f"Ugyldigt nøglesæt / invalid key set: {exc}")
    try:
        notice_bytes = notice.read_bytes() if notice is not None else None
    except OSError as exc:
        _usage_error(f"Kan ikke læse {notice} / cannot read {notice}: {exc}")
    try:
        verified = verify_consent_receipt(_read_text(file), jwks, notice_text=notice_bytes)
    except ReceiptInvalid as exc:
        da, _, en = str(exc).partition(" / ")
        typer.secho(f"FEJL: {da}", fg=typer.colors.RED, err=True)
        typer.echo(f"FAILED: {en or da}", err=True)
        raise typer.Exit(1) from exc
    record = verified.record
    basis = ", ".join(record["lawful_basis"])
    controller = record["controller"]["name"]
    _ok(
        f"{verified.kind}-kvittering {record.get('consent_id')} er gyldigt signeret; "
        f"dataansvarlig {controller}; hjemmel {basis}; tekst-SHA-256 {verified.notice_sha256}.",
        f"{verified.kind} receipt {record.get('consent_id')} is validly signed; controller "
        f"{controller}; lawful basis {basis}; notice SHA-256 {verified.notice_sha256}.",
    )
