"""``tvaers audit export``: stream the log from the database into an export directory.

The exporter copies what the database holds, as it is: it does not check hashes (that is
the verifier's job, and an exporter that "repaired" a tampered row would hide it). It
stops at the newest checkpoint, so every exported line is covered by a signature, and
reads in short keyset-paginated transactions, so it never holds SQLite's WAL open for long.

Besides the files of ``export_format.py`` it writes ``leaf_hashes.bin``: the stored leaf
hash of every line (32 bytes each). The verifier does not trust it; it uses it only after
a root mismatch, and only once the hint itself reproduces the signed root, to name the
exact first entry that was changed (see ``verify.py``).

A filtered export (``embed_only``, the DPO console's signed export) embeds only the entries
that match a filter and writes every other one as its leaf hash — the same line a retention
purge leaves — so the verifier still recomputes the signed roots while only the selected
entries are readable.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.log.repository import TreeRepository
from gateway.audit.proofs.export_format import (
    CHECKPOINTS_DIR,
    ENTRIES_FILE,
    LEAF_HASH_HINT_FILE,
    LINE_PREFIX,
    MANIFEST_FILE,
    Manifest,
    checkpoint_filename,
    entry_line,
    purged_line,
)
from gateway.audit.proofs.notes import Checkpoint, parse_note

ExportProgress = Callable[[int, int], None]
ExportWarning = Callable[[str], None]
_BATCH = 5000
_NO_HASH = bytes(32)


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What was exported."""

    directory: Path
    entries: int
    purged: int
    checkpoints: int
    tree_size: int
    warnings: int
    withheld: int = 0  # of ``purged``: bodies present but outside ``embed_only``

    @property
    def embedded(self) -> int:
        """Entries written with their content."""
        return self.entries - self.purged


# Which leaf indexes below ``size`` to embed with their content (the rest by leaf hash only).
LeafSelection = Callable[[AsyncSession, int], Awaitable[set[int]]]


async def export_log(
    sessions: async_sessionmaker[AsyncSession],
    out: str | os.PathLike[str],
    *,
    origin: str,
    progress: ExportProgress | None = None,
    warn: ExportWarning | None = None,
    embed_only: LeafSelection | None = None,
) -> ExportSummary:
    """Write the log up to its newest checkpoint into ``out`` (created if missing).

    With ``embed_only`` (the leaf indexes a selection matches, e.g. the DPO console's filter),
    only those entries keep their content; the others are written as their leaf hash (counted
    in ``purged`` and ``withheld``).
    """
    directory = Path(out)
    (directory / CHECKPOINTS_DIR).mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).unlink(missing_ok=True)  # no manifest until complete
    async with sessions() as session:
        repo = TreeRepository(session)
        latest = await repo.latest_checkpoint()
        size = latest.size if latest is not None else 0
        checkpoints = await repo.checkpoints(up_to=size)
        # Chosen after the checkpoint is read, so every match it covers is already sequenced.
        chosen = await embed_only(session, size) if embed_only is not None else None
    verifier_key = latest.verifier_key if latest is not None else ""
    if latest is not None:
        origin = Checkpoint.parse(parse_note(latest.note).text).origin
    for row in checkpoints:
        path = directory / CHECKPOINTS_DIR / checkpoint_filename(row.size)
        path.write_text(row.note, encoding="utf-8", newline="\n")

    written = purged = withheld = warnings = 0
    expected = 0
    # Plain blocking writes: local files in large sequential chunks, between async reads.
    with (
        open(directory / ENTRIES_FILE, "wb") as entries,  # noqa: ASYNC230
        open(directory / LEAF_HASH_HINT_FILE, "wb") as hints,  # noqa: ASYNC230
    ):
        while expected < size:
            async with sessions() as session:
                rows = await TreeRepository(session).export_batch(
                    start=expected, end=size, limit=_BATCH
                )
            if not rows:
                break
            for index, body, stored_hash in rows:
                assert index is not None  # the query selects sequenced rows only
                if index != expected and warn is not None:
                    warn(f"rows for leaf indexes {expected}..{index - 1} are missing")
                    warnings += 1
                if body is not None and (chosen is None or index in chosen):
                    entries.write(entry_line(index, body.encode("utf-8")))
                elif stored_hash is not None and len(stored_hash) == 32:
                    entries.write(purged_line(index, stored_hash))
                    purged += 1
                    withheld += body is not None
                else:  # neither body nor hash: write what is there, the verifier will say so
                    entries.write(LINE_PREFIX + str(index).encode("ascii") + b"}\n")
                    if warn is not None:
                        warn(f"leaf index {index} has neither a body nor a leaf hash")
                        warnings += 1
                hints.write(
                    stored_hash if stored_hash is not None and len(stored_hash) == 32 else _NO_HASH
                )
                written += 1
                expected = index + 1
            if progress is not None:
                progress(written, size)
    if written < size and warn is not None:
        warn(f"the database holds {written} of the {size} signed entries")
        warnings += 1
    (directory / MANIFEST_FILE).write_text(
        Manifest(
            origin=origin,
            verifier_key=verifier_key,
            entries=written,
            purged=purged,
            checkpoints=len(checkpoints),
            exported_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        ).to_json(),
        encoding="utf-8",
        newline="\n",
    )
    return ExportSummary(
        directory=directory,
        entries=written,
        purged=purged,
        checkpoints=len(checkpoints),
        tree_size=size,
        warnings=warnings,
        withheld=withheld,
    )
