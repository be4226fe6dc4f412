"""The hot loop of full verification: parse ``entries.jsonl`` lines into leaf hashes.

Kept apart from ``verify.py`` with standard-library imports only, so that worker
processes (``verify_export(jobs=N)``) start fast. A scan covers a byte range of the file
that starts and ends on line boundaries; it returns the leaf hashes of the lines it could
read and, if one could not be read, why. Folding the hashes into the tree and comparing
with checkpoints happens in the caller, in order.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

LINE_PREFIX = b'{"index":'
ENTRY_KEY = b',"entry":'
LEAF_HASH_KEY = b',"leaf_hash":"'
BLOCK_BYTES = 4 << 20  # one scan unit: ~4,000 entries; small enough to keep memory flat


def _reject_number(text: str) -> object:
    raise ValueError(f"{text} is not allowed in canonical JSON")


_loads = json.JSONDecoder(parse_float=_reject_number, parse_constant=_reject_number).decode
_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode


def is_canonical(entry: bytes) -> bool:
    """Return whether ``entry`` is exactly ``canonical_json`` of its own parse.

    Equivalent to ``canonical_json(json.loads(entry)) == entry`` (a test holds the two
    together) but faster: floats and NaN are refused while parsing, so the recursive type
    walk of ``canonical_json`` is not needed.
    """
    try:
        return _dumps(_loads(entry.decode("utf-8"))).encode("utf-8") == entry
    except ValueError:  # not UTF-8, not JSON, or a float/NaN
        return False


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Leaf hashes of consecutive good lines, then the first bad line if there was one.

    ``first_index`` is the index the first line claims (None if it could not be read);
    ``bad_kind`` is "malformed", "index", "canonical" or "truncated"; a bad line's index
    is ``first_index + count`` (or the caller's expected index if ``first_index`` is None).
    """

    first_index: int | None
    count: int
    purged: int
    hashes: bytes
    bad_kind: str | None = None
    #: The good leaves as maximal aligned perfect subtrees, in order: (level, root) with
    #: 2**level leaves each, none crossing a checkpoint size. Folding these is all the
    #: caller has left to do, so the hashing of inner nodes runs where the scan runs.
    subtrees: tuple[tuple[int, bytes], ...] = ()


def scan_block(data: bytes, *, check_canonical: bool, at_eof: bool) -> ScanResult:
    """Scan whole lines in ``data`` (which ends with a newline unless the file is cut)."""
    sha256 = hashlib.sha256
    b64decode = binascii.a2b_base64
    prefix_len = len(LINE_PREFIX)
    entry_key_len = len(ENTRY_KEY)
    hash_key_len = len(LEAF_HASH_KEY)
    lines = data.split(b"\n")
    last = lines.pop()  # b"" when data ends with a newline; else a cut-off line
    out: list[bytes] = []
    append = out.append
    purged = 0
    first_index: int | None = None
    index = 0
    bad: str | None = None
    for line in lines:
        comma = line.find(b",", prefix_len)
        if comma < 0 or not line.startswith(LINE_PREFIX) or not line.endswith(b"}"):
            bad = "malformed"
            break
        if first_index is None:
            try:
                first_index = index = int(line[prefix_len:comma])
            except ValueError:
                bad = "malformed"
                break
            if line[prefix_len:comma] != b"%d" % index or index < 0:
                first_index = None
                bad = "malformed"
                break
        elif line[prefix_len:comma] != b"%d" % index:
            bad = "index"
            break
        if line.startswith(ENTRY_KEY, comma):
            entry = line[comma + entry_key_len : -1]
            if check_canonical and not is_canonical(entry):
                bad = "canonical"
                break
            append(sha256(b"\x00" + entry).digest())
        elif line.startswith(LEAF_HASH_KEY, comma) and line.endswith(b'"}'):
            try:
                h = b64decode(line[comma + hash_key_len : -2], strict_mode=True)
            except binascii.Error:
                h = b""
            if len(h) != 32:
                bad = "malformed"
                break
            append(h)
            purged += 1
        else:
            bad = "malformed"
            break
        index += 1
    if bad is None and last:
        bad = "truncated" if at_eof else "malformed"
    return ScanResult(first_index, len(out), purged, b"".join(out), bad)


def subtree_roots(
    hashes: bytes, first: int, splits: Sequence[int] = ()
) -> tuple[tuple[int, bytes], ...]:
    """Leaves ``first, first + 1, …`` (their hashes concatenated) as maximal aligned perfect
    subtrees (RFC 6962 inner nodes), cut at every size in ``splits`` (sorted)."""
    sha256 = hashlib.sha256
    end = first + len(hashes) // 32
    cuts = [s for s in splits if first < s < end]
    cuts.append(end)
    out: list[tuple[int, bytes]] = []
    at = first
    for cut in cuts:
        while at < cut:
            level = (at & -at).bit_length() - 1 if at else 62
            while 1 << level > cut - at:
                level -= 1
            offset = (at - first) * 32
            nodes = [hashes[i : i + 32] for i in range(offset, offset + (32 << level), 32)]
            while len(nodes) > 1:
                nodes = [
                    sha256(b"\x01" + nodes[i] + nodes[i + 1]).digest()
                    for i in range(0, len(nodes), 2)
                ]
            out.append((level, nodes[0]))
            at += 1 << level
    return tuple(out)


def block_ranges(path: str | os.PathLike[str], block_bytes: int = BLOCK_BYTES) -> list[int]:
    """Byte offsets that split the file into blocks on line boundaries (ends included)."""
    size = os.path.getsize(path)
    offsets = [0]
    with open(path, "rb") as handle:
        while offsets[-1] + block_bytes < size:
            handle.seek(offsets[-1] + block_bytes)
            handle.readline()
            position = handle.tell()
            if position >= size:
                break
            offsets.append(position)
    offsets.append(size)
    return offsets


def scan_range(
    args: tuple[str, int, int, bool, bool] | tuple[str, int, int, bool, bool, Sequence[int]],
) -> ScanResult:
    """Worker entry point: scan bytes ``[start, end)`` of ``path`` and fold its leaves into
    subtree roots, cut at the checkpoint sizes (the optional sixth item, sorted)."""
    path, start, end, check_canonical, at_eof = args[:5]
    splits: Sequence[int] = args[5] if len(args) > 5 else ()
    with open(path, "rb") as handle:
        handle.seek(start)
        data = handle.read(end - start)
    found = scan_block(data, check_canonical=check_canonical, at_eof=at_eof)
    if found.first_index is None or not found.count:
        return found
    return replace(found, subtrees=subtree_roots(found.hashes, found.first_index, splits))
