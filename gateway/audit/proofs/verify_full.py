"""Full verification of an export directory: recompute the tree, check every checkpoint.

The entries are scanned in blocks (``verify_scan.py``); with ``jobs > 1`` the blocks are
hashed by worker processes while this process folds the leaf hashes into the tree, in
order, and compares the root at every checkpoint size. Entry hashing is most of the work
and parallelises; the fold is about one node hash per leaf.

After a root mismatch the failure can only be placed between the last checkpoint that
matched and the first that did not — unless the export carries ``leaf_hashes.bin`` (the
stored leaf hashes). That file is not trusted: it is used only if its own hashes rebuild
the *signed* root of the failing checkpoint, and then the first line whose recomputed hash
differs from it is, provably, the first changed entry.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gateway.audit.proofs.cosignature import CosignatureVerifier, verify_cosignatures
from gateway.audit.proofs.export_format import (
    CHECKPOINTS_DIR,
    ENTRIES_FILE,
    LEAF_HASH_HINT_FILE,
    MANIFEST_FILE,
    ExportFormatError,
    Manifest,
    checkpoint_size_from_filename,
)
from gateway.audit.proofs.merkle import EMPTY_ROOT
from gateway.audit.proofs.notes import NoteError, NoteVerifier, open_checkpoint
from gateway.audit.proofs.verify_result import (
    Failure,
    ProgressCallback,
    VerificationFailed,
    load_verifier,
)
from gateway.audit.proofs.verify_scan import ScanResult, block_ranges, scan_range

PARALLEL_MIN_BYTES = 32 << 20  # below this, starting workers costs more than it saves


@dataclass(frozen=True, slots=True)
class ExportVerification:
    """The verdict on a full export."""

    ok: bool
    entries: int = 0
    purged: int = 0
    checkpoints: int = 0
    verified_size: int = 0
    verifier_key: str = ""
    key_from_export: bool = False
    failure: Failure | None = None
    warnings: tuple[str, ...] = field(default=())


def _load_checkpoints(
    directory: Path,
    verifier: NoteVerifier,
    origin: str,
    extra: Sequence[str],
    notes_by_size: dict[int, list[bytes]] | None = None,
) -> tuple[dict[int, bytes], Failure | None]:
    roots: dict[int, bytes] = {}
    checkpoint_dir = directory / CHECKPOINTS_DIR
    notes: list[tuple[str, int | None, bytes]] = []
    if checkpoint_dir.is_dir():
        for path in sorted(checkpoint_dir.iterdir()):
            notes.append((path.name, checkpoint_size_from_filename(path.name), path.read_bytes()))
    notes.extend((f"--checkpoint #{n + 1}", None, t.encode()) for n, t in enumerate(extra))
    previous_good = 0
    for name, claimed_size, text in sorted(notes, key=lambda n: n[1] or 0):
        try:
            checkpoint = open_checkpoint(text, [verifier], origin=origin)
        except NoteError as exc:
            # Entries since the last good checkpoint are what a forged checkpoint could hide.
            return roots, Failure(
                "checkpoint_signature",
                f"Checkpoint {name} er ikke gyldigt signeret med nøglen ({exc}).",
                f"Checkpoint {name} is not validly signed by the key ({exc}).",
                previous_good,
            )
        if name.endswith(".note") and claimed_size != checkpoint.size:
            return roots, Failure(
                "checkpoint_name",
                f"Checkpoint-filen {name} indeholder størrelse {checkpoint.size}.",
                f"Checkpoint file {name} holds size {checkpoint.size}.",
                previous_good,
            )
        if roots.get(checkpoint.size, checkpoint.root_hash) != checkpoint.root_hash:
            return roots, Failure(
                "checkpoint_fork",
                f"To signerede checkpoints for størrelse {checkpoint.size} er forskellige.",
                f"Two signed checkpoints for size {checkpoint.size} differ (a fork).",
                previous_good,
            )
        roots[checkpoint.size] = checkpoint.root_hash
        if notes_by_size is not None:
            notes_by_size.setdefault(checkpoint.size, []).append(text)
        previous_good = checkpoint.size
    return roots, None


def _scans(
    path: Path, *, check_canonical: bool, jobs: int, splits: Sequence[int] = ()
) -> Iterator[ScanResult]:
    """Scan results per block, in file order; in worker processes when it pays off. Each
    block comes with its leaves folded into subtree roots, cut at the ``splits`` sizes."""
    offsets = block_ranges(path)
    size = offsets[-1]
    cuts = tuple(splits)
    tasks = [
        (str(path), start, end, check_canonical, end == size, cuts)
        for start, end in itertools.pairwise(offsets)
    ]
    if jobs <= 1 or size < PARALLEL_MIN_BYTES:
        yield from map(scan_range, tasks)
        return
    # "fork" costs nothing but is unsafe once the caller runs threads (a lock held by another
    # thread stays held in the child); then "spawn", which re-imports the caller's main
    # module in every worker (so scripts need the ``if __name__ == "__main__"`` guard).
    method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
    with multiprocessing.get_context(method).Pool(jobs) as pool:
        yield from pool.imap(scan_range, tasks, chunksize=1)


def _mismatch(verified_size: int, size: int) -> Failure:
    return Failure(
        "root_mismatch",
        f"Posterne stemmer ikke med det signerede checkpoint for størrelse {size}; første "
        f"fejl ligger ved indeks {verified_size} eller senere (før {size}).",
        f"Entries do not match the signed checkpoint at size {size}; the first bad entry "
        f"is at index {verified_size} or later (before {size}).",
        verified_size,
    )


def _fold_root(frontier: Sequence[bytes]) -> bytes:
    sha256 = hashlib.sha256
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = sha256(b"\x01" + left + root).digest()
    return root


def _pinpoint(
    directory: Path, *, good: int, size: int, signed_root: bytes, recomputed: bytes
) -> Failure | None:
    """Name the exact first changed entry in ``[good, size)`` using the leaf-hash hint.

    ``recomputed`` holds the leaf hashes computed from the entries for ``[good, size)``.
    Returns None when there is no hint or it does not itself rebuild the signed root.
    """
    try:
        with open(directory / LEAF_HASH_HINT_FILE, "rb") as handle:
            hint = handle.read(size * 32)
    except OSError:
        return None
    if len(hint) != size * 32:
        return None
    sha256 = hashlib.sha256
    frontier: list[bytes] = []
    for i in range(size):
        h = hint[i * 32 : i * 32 + 32]
        n = i
        while n & 1:
            h = sha256(b"\x01" + frontier.pop() + h).digest()
            n >>= 1
        frontier.append(h)
    if _fold_root(frontier) != signed_root:
        return None  # the hint was altered too: it proves nothing
    for offset in range(size - good):
        index = good + offset
        if recomputed[offset * 32 : offset * 32 + 32] != hint[index * 32 : index * 32 + 32]:
            return Failure(
                "entry_changed",
                f"Posten på indeks {index} er ændret: dens hash passer ikke til det signerede "
                f"træ i størrelse {size}.",
                f"The entry at index {index} was changed: its hash does not fit the signed "
                f"tree of size {size}.",
                index,
            )
    return None


def verify_export(
    directory: str | os.PathLike[str],
    *,
    key: str | NoteVerifier | None = None,
    trusted_checkpoints: Sequence[str] = (),
    check_canonical: bool = False,
    jobs: int = 1,
    progress: ProgressCallback | None = None,
    witnesses: Sequence[CosignatureVerifier] = (),
    quorum: int = 0,
) -> ExportVerification:
    """Verify an export directory end to end and return the verdict.

    Recomputes the Merkle root while streaming ``entries.jsonl``; every signed
    checkpoint must verify with the key and match the recomputed root at its size;
    indexes must run 0, 1, 2, … without gaps; every entry must be covered by a
    checkpoint. ``check_canonical`` also requires every entry body to be canonical JSON
    — a check on the *writer* (the hashes already commit to the exact bytes, so it adds
    nothing against tampering) that costs about five times the rest. ``key`` is the
    verifier key the auditor trusts; without it the key in the manifest is used and the
    result says so. ``trusted_checkpoints`` are checkpoint notes obtained independently
    (e.g. published), which the export must contain. ``jobs`` > 1 hashes in that many
    worker processes (for exports above ~32 MB). With ``quorum`` > 0, the newest
    checkpoint must carry valid cosignatures from at least ``quorum`` of ``witnesses``:
    a log whose tail was deleted and regrown, or that forked, gets none from an honest
    witness.
    """
    directory = Path(directory)
    try:
        manifest = Manifest.from_json((directory / MANIFEST_FILE).read_bytes())
    except (OSError, ExportFormatError) as exc:
        return ExportVerification(
            ok=False,
            failure=Failure(
                "manifest", "Eksportens manifest mangler eller er ugyldigt.", f"Manifest: {exc}"
            ),
        )
    try:
        verifier = load_verifier(key if key is not None else manifest.verifier_key)
    except VerificationFailed as exc:
        return ExportVerification(ok=False, failure=exc.failure)
    key_text = str(verifier)
    if key is not None and manifest.verifier_key != key_text:
        return ExportVerification(
            ok=False,
            verifier_key=key_text,
            failure=Failure(
                "key_mismatch",
                "Eksporten angiver en anden nøgle end den, du stoler på.",
                "The export names a different key than the one you trust.",
            ),
        )
    notes_by_size: dict[int, list[bytes]] = {}
    roots, failure = _load_checkpoints(
        directory, verifier, manifest.origin, trusted_checkpoints, notes_by_size
    )
    total = manifest.entries
    sizes = sorted(roots)
    if failure is None and sizes and sizes[0] == 0 and roots[0] != EMPTY_ROOT:
        failure = Failure("root_mismatch", "Tomt træ med forkert rod.", "Empty tree root.", 0)
    entries_path = directory / ENTRIES_FILE
    if failure is None and not entries_path.is_file():
        failure = Failure(
            "missing_entries", "entries.jsonl mangler.", "entries.jsonl is missing.", 0
        )

    # The fold: the blocks arrive as subtree roots (hashed where the block was scanned, in
    # parallel with jobs > 1), cut at every checkpoint size; here only O(log n) node hashes
    # per block remain, in order, with the root compared at every checkpoint.
    sha256 = hashlib.sha256
    frontier: list[bytes] = []
    since_good: list[tuple[int, bytes]] = []  # (first index, leaf hashes) since the last match
    index = purged = verified_size = 0
    pending = iter([s for s in sizes if s > 0])
    next_cp = next(pending, -1)
    if failure is None:
        for scan in _scans(entries_path, check_canonical=check_canonical, jobs=jobs, splits=sizes):
            if scan.count and scan.first_index != index:
                failure = _line_failure("index", index, b"\n")
                break
            if scan.count:
                since_good.append((index, scan.hashes))
            for level, h in scan.subtrees:
                n = index >> level
                while n & 1:
                    h = sha256(b"\x01" + frontier.pop() + h).digest()
                    n >>= 1
                frontier.append(h)
                index += 1 << level
                if index == next_cp:
                    if _fold_root(frontier) != roots[index]:
                        base = since_good[0][0]
                        leaves = b"".join(b for _, b in since_good)
                        failure = _pinpoint(
                            directory,
                            good=verified_size,
                            size=index,
                            signed_root=roots[index],
                            recomputed=leaves[(verified_size - base) * 32 : (index - base) * 32],
                        ) or _mismatch(verified_size, index)
                        break
                    verified_size = index
                    # Keep only the block the checkpoint fell in (its later leaves).
                    since_good = [(f, b) for f, b in since_good if f + len(b) // 32 > index]
                    next_cp = next(pending, -1)
            if failure is not None:
                break
            purged += scan.purged
            if progress is not None:
                progress(index, total)
            if scan.bad_kind is not None:
                kind = "index" if scan.bad_kind == "index" else scan.bad_kind
                line_end = b"" if kind == "truncated" else b"\n"
                failure = _line_failure(kind, index, line_end)
                break
    if progress is not None:
        progress(index, total)
    if failure is None:
        failure = _tail_failure(index, total, sizes, verified_size)
    if failure is None and quorum > 0:
        failure = quorum_failure(sizes[-1] if sizes else 0, notes_by_size, witnesses, quorum)
    warnings: tuple[str, ...] = ("key_from_export",) if key is None else ()
    return ExportVerification(
        ok=failure is None,
        entries=index,
        purged=purged,
        checkpoints=len(sizes),
        verified_size=verified_size,
        failure=failure,
        warnings=warnings,
        verifier_key=key_text,
        key_from_export=key is None,
    )


def _line_failure(kind: str, index: int, line: bytes) -> Failure:
    if kind == "index":
        return Failure(
            "index",
            f"Linjen for indeks {index} mangler eller står i forkert rækkefølge.",
            f"The line for index {index} is missing or out of order.",
            index,
        )
    if kind == "canonical":
        return Failure(
            "canonical",
            f"Posten på indeks {index} er ikke kanonisk JSON.",
            f"The entry at index {index} is not canonical JSON.",
            index,
        )
    if not line.endswith(b"\n"):
        return Failure(
            "truncated",
            f"Eksporten er afkortet ved indeks {index}.",
            f"The export is truncated at index {index}.",
            index,
        )
    return Failure(
        "malformed",
        f"Linjen for indeks {index} er ikke i eksportformatet.",
        f"The line for index {index} is not in the export format.",
        index,
    )


def _tail_failure(
    count: int, total: int, sizes: Sequence[int], verified_size: int
) -> Failure | None:
    largest = sizes[-1] if sizes else 0
    if count < max(total, largest):
        return Failure(
            "truncated",
            f"Eksporten er afkortet: posterne slutter ved indeks {count}, men der skulle "
            f"være {max(total, largest)}.",
            f"The export is truncated: entries stop at index {count}, expected "
            f"{max(total, largest)}.",
            count,
        )
    if count > total:
        return Failure(
            "extra_entries",
            f"Der er flere poster ({count}) end manifestet angiver ({total}).",
            f"There are more entries ({count}) than the manifest states ({total}).",
            total,
        )
    if count > verified_size:
        return Failure(
            "unsigned_tail",
            f"Poster fra indeks {verified_size} er ikke dækket af et signeret checkpoint.",
            f"Entries from index {verified_size} are not covered by a signed checkpoint.",
            verified_size,
        )
    return None


def quorum_failure(
    size: int,
    notes_by_size: dict[int, list[bytes]],
    witnesses: Sequence[CosignatureVerifier],
    quorum: int,
) -> Failure | None:
    """Whether the checkpoint of ``size`` lacks ``quorum`` valid witness cosignatures.

    The cosignatures of every copy of that checkpoint count (export and ``--checkpoint``).
    """
    valid: set[str] = set()
    for note in notes_by_size.get(size, []):
        try:
            valid.update(str(c.witness) for c in verify_cosignatures(note, witnesses))
        except NoteError as exc:
            return Failure(
                "cosignature",
                f"Checkpointet i størrelse {size} har en ugyldig medsignatur ({exc}).",
                f"The checkpoint of size {size} carries an invalid cosignature ({exc}).",
                size,
            )
    if len(valid) >= quorum:
        return None
    return Failure(
        "witness_quorum",
        f"Det nyeste checkpoint (størrelse {size}) har {len(valid)} af {quorum} krævede "
        "gyldige medsignaturer fra vidner: intet vidne bekræfter loggen i denne størrelse "
        "(rullet tilbage eller forgrenet?).",
        f"The newest checkpoint (size {size}) has {len(valid)} of the {quorum} required "
        "valid witness cosignatures: no witness vouches for the log at this size (rolled "
        "back or forked?).",
        size,
    )
