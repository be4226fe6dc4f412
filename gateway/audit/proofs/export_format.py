"""File formats shared by the exporter, the receipt endpoint and the offline verifier.

Export directory (``tvaers audit export --out DIR``)::

    DIR/manifest.json         {"format", "origin", "verifier_key", "entries", "purged",
                               "checkpoints", "exported_at"}
    DIR/entries.jsonl         one line per leaf, index 0..entries-1 in order
    DIR/checkpoints/<size>.note   every signed checkpoint, named by its decimal tree size
    DIR/leaf_hashes.bin       optional: the stored leaf hash of each line (32 bytes each),
                              untrusted, used only to name the exact entry after a mismatch

An ``entries.jsonl`` line is exactly one of::

    {"index":<n>,"entry":<entry bytes>}\\n          the entry, embedded verbatim
    {"index":<n>,"leaf_hash":"<base64 hash>"}\\n    its body was purged by retention

The entry bytes are canonical JSON (see ``canonical.py``), which never holds a
newline byte, so they are embedded unchanged: the leaf hash is SHA-256(0x00 ‖
the bytes between ``"entry":`` and the final ``}``). A reader that parses the line
as JSON and re-serialises the entry canonically gets the same bytes. Embedding
(not base64) keeps the export readable and lets the verifier slice instead of
decode. The export ends at the newest checkpoint, so every entry is covered by a
signature.

Receipts follow C2SP tlog-proof (https://c2sp.org/tlog-proof)::

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <n>
    <base64 proof hash>...
    <blank line>
    <signed checkpoint note, verbatim>
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

EXPORT_FORMAT = "tvaers-audit-export/v1"
MANIFEST_FILE = "manifest.json"
ENTRIES_FILE = "entries.jsonl"
CHECKPOINTS_DIR = "checkpoints"
LEAF_HASH_HINT_FILE = "leaf_hashes.bin"  # optional, untrusted: see verify_full.py
CHECKPOINT_SUFFIX = ".note"
RECEIPT_HEADER = "c2sp.org/tlog-proof@v1"
RECEIPT_SUFFIX = ".tlog-proof"

LINE_PREFIX = b'{"index":'
ENTRY_KEY = b',"entry":'
LEAF_HASH_KEY = b',"leaf_hash":"'

_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_CHECKPOINT_NAME = re.compile(r"(0|[1-9][0-9]*)\.note")


class ExportFormatError(ValueError):
    """A manifest, receipt or proof file does not follow its format."""


def entry_line(index: int, entry: bytes) -> bytes:
    """Return the ``entries.jsonl`` line for an entry (``entry`` = canonical JSON bytes)."""
    if b"\n" in entry:
        raise ExportFormatError("entry bytes must not contain a newline")
    return LINE_PREFIX + str(index).encode("ascii") + ENTRY_KEY + entry + b"}\n"


def purged_line(index: int, leaf_hash: bytes) -> bytes:
    """Return the ``entries.jsonl`` line for an entry whose body was purged."""
    if len(leaf_hash) != 32:
        raise ExportFormatError("leaf hash must be 32 bytes")
    return (
        LINE_PREFIX + str(index).encode("ascii") + LEAF_HASH_KEY + base64.b64encode(leaf_hash)
    ) + b'"}\n'


def checkpoint_filename(size: int) -> str:
    """Return the file name of the checkpoint of ``size`` inside ``checkpoints/``."""
    return f"{size}{CHECKPOINT_SUFFIX}"


def checkpoint_size_from_filename(name: str) -> int | None:
    """Return the tree size a checkpoint file name claims, or None if it is not one."""
    match = _CHECKPOINT_NAME.fullmatch(name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True, slots=True)
class Manifest:
    """What an export claims about itself; checked against the entries and checkpoints."""

    origin: str
    verifier_key: str
    entries: int
    purged: int
    checkpoints: int
    exported_at: str
    format: str = EXPORT_FORMAT

    def to_json(self) -> str:
        """Return the manifest as pretty JSON."""
        return (
            json.dumps(
                {
                    "format": self.format,
                    "origin": self.origin,
                    "verifier_key": self.verifier_key,
                    "entries": self.entries,
                    "purged": self.purged,
                    "checkpoints": self.checkpoints,
                    "exported_at": self.exported_at,
                },
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Manifest:
        """Parse a manifest strictly."""
        try:
            data: Any = json.loads(text)
        except ValueError as exc:
            raise ExportFormatError("manifest is not JSON") from exc
        fields = {"format", "origin", "verifier_key", "entries", "purged", "checkpoints"}
        if not isinstance(data, dict) or not fields <= set(data):
            raise ExportFormatError("manifest lacks required fields")
        if data["format"] != EXPORT_FORMAT:
            raise ExportFormatError(f"unknown export format {data['format']!r}")
        for key in ("origin", "verifier_key"):
            if not isinstance(data[key], str) or not data[key]:
                raise ExportFormatError(f"manifest {key} must be a non-empty string")
        for key in ("entries", "purged", "checkpoints"):
            value = data[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ExportFormatError(f"manifest {key} must be a non-negative integer")
        return cls(
            origin=data["origin"],
            verifier_key=data["verifier_key"],
            entries=data["entries"],
            purged=data["purged"],
            checkpoints=data["checkpoints"],
            exported_at=str(data.get("exported_at", "")),
        )


class ExportWriter:
    """Streams an export to a directory; entries must be written in index order.

    Use as a context manager and call :meth:`finish` with the manifest fields;
    the manifest is written last so a half-written export has none.
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        (self.directory / CHECKPOINTS_DIR).mkdir(parents=True, exist_ok=True)
        self._entries: IO[bytes] = open(self.directory / ENTRIES_FILE, "wb")  # noqa: SIM115
        self._next_index = 0
        self._purged = 0
        self._checkpoints = 0

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._entries.close()

    def _check_index(self, index: int) -> None:
        if index != self._next_index:
            raise ExportFormatError(f"expected index {self._next_index}, got {index}")
        self._next_index += 1

    def write_entry(self, index: int, entry: bytes) -> None:
        """Write an entry's exact logged bytes."""
        self._check_index(index)
        self._entries.write(entry_line(index, entry))

    def write_purged(self, index: int, leaf_hash: bytes) -> None:
        """Write the leaf hash of an entry whose body retention has purged."""
        self._check_index(index)
        self._entries.write(purged_line(index, leaf_hash))
        self._purged += 1

    def write_checkpoint(self, size: int, note: str) -> None:
        """Write one signed checkpoint note."""
        path = self.directory / CHECKPOINTS_DIR / checkpoint_filename(size)
        path.write_text(note, encoding="utf-8", newline="\n")
        self._checkpoints += 1

    def finish(self, *, origin: str, verifier_key: str, exported_at: str) -> Manifest:
        """Close the entries file and write the manifest."""
        self._entries.close()
        manifest = Manifest(
            origin=origin,
            verifier_key=verifier_key,
            entries=self._next_index,
            purged=self._purged,
            checkpoints=self._checkpoints,
            exported_at=exported_at,
        )
        (self.directory / MANIFEST_FILE).write_text(
            manifest.to_json(), encoding="utf-8", newline="\n"
        )
        return manifest


# --------------------------------------------------------------------------- receipts


@dataclass(frozen=True, slots=True)
class Receipt:
    """A C2SP tlog-proof: leaf index, inclusion proof and the signed checkpoint."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint_note: str
    extra: bytes | None = None


def format_receipt(
    index: int, proof: Sequence[bytes], checkpoint_note: str, *, extra: bytes | None = None
) -> str:
    """Return a receipt in the C2SP tlog-proof text format."""
    lines = [RECEIPT_HEADER]
    if extra is not None:
        lines.append("extra " + base64.b64encode(extra).decode("ascii"))
    lines.append(f"index {index}")
    lines.extend(base64.b64encode(h).decode("ascii") for h in proof)
    return "\n".join(lines) + "\n\n" + checkpoint_note


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ExportFormatError(f"{what} is not valid base64") from exc


def parse_receipt(text: str) -> Receipt:
    """Parse a C2SP tlog-proof receipt strictly (the checkpoint is not verified here)."""
    header, sep, rest = text.partition("\n")
    if header != RECEIPT_HEADER or not sep:
        raise ExportFormatError(f"receipt must start with {RECEIPT_HEADER}")
    head, sep, checkpoint_note = rest.partition("\n\n")
    if not sep or not checkpoint_note:
        raise ExportFormatError("receipt needs a blank line before the checkpoint")
    lines = head.split("\n")
    extra: bytes | None = None
    if lines[0].startswith("extra "):
        extra = _b64(lines.pop(0)[len("extra ") :], "extra data")
    if not lines or not lines[0].startswith("index "):
        raise ExportFormatError("receipt needs an 'index <n>' line")
    index_text = lines.pop(0)[len("index ") :]
    if not _DECIMAL.fullmatch(index_text):
        raise ExportFormatError("receipt index must be decimal without leading zeros")
    proof = []
    for line in lines:
        value = _b64(line, "proof hash")
        if len(value) != 32:
            raise ExportFormatError("proof hashes must be 32 bytes")
        proof.append(value)
    return Receipt(int(index_text), tuple(proof), checkpoint_note, extra)
