"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their verification.

The tree is the Certificate Transparency one: a leaf hash is
``SHA-256(0x00 ‖ entry bytes)``, an interior node ``SHA-256(0x01 ‖ left ‖ right)``,
and a tree of ``n`` leaves splits at the largest power of two below ``n``.

Proof *generation* is split into a plan and a fetch so it works the same over an
in-memory store and an async database: :func:`inclusion_plan` and
:func:`consistency_plan` name the perfect subtrees (``NodeId``) whose hashes a
proof needs — O(log n) of them — the caller fetches those hashes in one batch,
and :meth:`ProofPlan.assemble` folds them into the proof. Only the right edge
of a tree whose size is not a power of two is not a stored perfect subtree; the
plan rebuilds it from the perfect subtrees it is made of.

Verification follows the bit-twiddling algorithms of RFC 9162 §2.1.3.2
(inclusion) and §2.1.4.2 (consistency) so that it can be compared line by line
with the RFC and with transparency-dev/merkle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256


class ProofError(ValueError):
    """A proof request or a proof is invalid (bad sizes, wrong length, mismatch)."""


def leaf_hash(entry: bytes) -> bytes:
    """Return the RFC 6962 leaf hash of ``entry`` (the exact logged bytes)."""
    return _sha256(_LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 interior node hash of two child hashes."""
    return _sha256(_NODE_PREFIX + left + right).digest()


def root_from_leaf_hashes(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return MTH(D[0:n]) (RFC 6962 §2.1) of a list of leaf hashes."""
    state = TreeState()
    for h in leaf_hashes:
        state.append(h)
    return state.root()


@dataclass(frozen=True, slots=True)
class NodeId:
    """A perfect subtree: ``2**level`` leaves starting at leaf ``index * 2**level``."""

    level: int
    index: int


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {len(value)}")


# --------------------------------------------------------------------------- tree state


class TreeState:
    """The compact range ("frontier") of an append-only tree.

    It holds one hash per set bit of ``size``: the roots of the perfect subtrees
    along the right edge, largest first. That is all that is needed to append
    and to compute the root, so a sequencer stores it (``to_json``) and resumes
    after a restart without rehashing the log.
    """

    __slots__ = ("_frontier", "_size")

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        if len(frontier) != size.bit_count():
            raise ValueError(
                f"a tree of size {size} needs {size.bit_count()} frontier hashes, "
                f"got {len(frontier)}"
            )
        for h in frontier:
            if len(h) != HASH_SIZE:
                raise ValueError("frontier hashes must be 32 bytes")
        self._size = size
        self._frontier = list(frontier)

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    @property
    def frontier(self) -> tuple[bytes, ...]:
        """Right-edge perfect subtree hashes, largest (leftmost) first."""
        return tuple(self._frontier)

    def append(
        self, leaf: bytes, *, on_node: Callable[[NodeId, bytes], None] | None = None
    ) -> None:
        """Append a leaf hash.

        ``on_node`` is called for every perfect subtree completed by this append
        (the leaf itself at level 0, then each merged parent), which is exactly
        what a :class:`HashStore` must store to serve proofs later.
        """
        if len(leaf) != HASH_SIZE:
            raise ValueError("leaf hash must be 32 bytes")
        frontier = self._frontier
        index = self._size
        h = leaf
        if on_node is not None:
            on_node(NodeId(0, index), h)
        level = 0
        while index & 1:
            h = _sha256(_NODE_PREFIX + frontier.pop() + h).digest()
            index >>= 1
            level += 1
            if on_node is not None:
                on_node(NodeId(level, index), h)
        frontier.append(h)
        self._size += 1

    def root(self) -> bytes:
        """Return the Merkle tree hash of the current size."""
        if not self._frontier:
            return EMPTY_ROOT
        it = reversed(self._frontier)
        r = next(it)
        for h in it:
            r = _sha256(_NODE_PREFIX + h + r).digest()
        return r

    def copy(self) -> TreeState:
        """Return an independent copy."""
        return TreeState(self._size, self._frontier)

    def to_json(self) -> str:
        """Serialise as ``{"size": n, "frontier": [base64, ...]}``."""
        return json.dumps(
            {
                "size": self._size,
                "frontier": [base64.b64encode(h).decode("ascii") for h in self._frontier],
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> TreeState:
        """Parse what :meth:`to_json` wrote; raises ``ValueError`` on anything else."""
        data = json.loads(text)
        if not isinstance(data, dict) or set(data) != {"size", "frontier"}:
            raise ValueError("tree state must be an object with size and frontier")
        size = data["size"]
        frontier = data["frontier"]
        if not isinstance(size, int) or isinstance(size, bool) or not isinstance(frontier, list):
            raise ValueError("tree state has the wrong types")
        hashes: list[bytes] = []
        for item in frontier:
            if not isinstance(item, str):
                raise ValueError("frontier hashes must be base64 strings")
            try:
                hashes.append(base64.b64decode(item, validate=True))
            except binascii.Error as exc:
                raise ValueError("frontier hash is not valid base64") from exc
        return cls(size, hashes)

    def __repr__(self) -> str:
        return f"TreeState(size={self._size})"


# --------------------------------------------------------------------------- hash stores


class HashStore(Protocol):
    """Where proof generation reads perfect-subtree hashes from.

    A store holds the hash of every completed perfect subtree (``NodeId``), as
    reported by ``TreeState.append(on_node=...)``. One batched call per proof so
    a database implementation needs one query.
    """

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """Return the hashes of ``ids``, in order; raise ``KeyError`` if one is missing."""
        ...


class AsyncHashStore(Protocol):
    """The async twin of :class:`HashStore`, for a database-backed store."""

    async def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """Return the hashes of ``ids``, in order; raise ``KeyError`` if one is missing."""
        ...


class MemoryHashStore:
    """Every perfect subtree hash of a tree, kept in lists per level."""

    __slots__ = ("_levels", "_state")

    def __init__(self) -> None:
        self._levels: list[list[bytes]] = []
        self._state = TreeState()

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MemoryHashStore:
        """Build a store holding the tree of ``leaf_hashes``."""
        store = cls()
        for h in leaf_hashes:
            store.append(h)
        return store

    @property
    def size(self) -> int:
        """Number of leaves stored."""
        return self._state.size

    def root(self, size: int | None = None) -> bytes:
        """Return the root at ``size`` (default: the current size)."""
        if size is None or size == self._state.size:
            return self._state.root()
        return root_at(size, self)

    def append(self, leaf: bytes) -> None:
        """Append a leaf hash, storing each perfect subtree it completes."""
        self._state.append(leaf, on_node=self._put)

    def _put(self, node: NodeId, value: bytes) -> None:
        if node.level == len(self._levels):
            self._levels.append([])
        level = self._levels[node.level]
        if node.index != len(level):  # the tree only ever grows at its right edge
            raise AssertionError("nodes must be stored in order")
        level.append(value)

    def get_nodes(self, ids: Sequence[NodeId]) -> list[bytes]:
        """Return the hashes of ``ids``, in order."""
        try:
            return [self._levels[n.level][n.index] for n in ids]
        except IndexError as exc:
            raise KeyError("node not in store") from exc


# --------------------------------------------------------------------------- proof plans


def _range_nodes(begin: int, end: int) -> list[NodeId]:
    """Decompose [begin, end) into perfect subtrees, left to right.

    Every range a proof needs starts at a multiple of a power of two that is at
    least its length, so the decomposition follows the bits of ``end - begin``.
    """
    nodes: list[NodeId] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        if begin:
            level = min(level, (begin & -begin).bit_length() - 1)
        nodes.append(NodeId(level, begin >> level))
        begin += 1 << level
    return nodes


@dataclass(frozen=True, slots=True)
class ProofPlan:
    """The perfect subtrees a proof needs and how to fold them into proof hashes.

    ``groups[i]`` is the number of consecutive ``nodes`` that make proof hash
    ``i``; a group of more than one is a right-edge subtree rebuilt from its
    perfect parts.
    """

    nodes: tuple[NodeId, ...]
    groups: tuple[int, ...]

    def assemble(self, hashes: Sequence[bytes]) -> list[bytes]:
        """Fold fetched node hashes (in ``nodes`` order) into the proof."""
        if len(hashes) != len(self.nodes):
            raise ProofError("wrong number of node hashes for this plan")
        proof: list[bytes] = []
        pos = 0
        for count in self.groups:
            part = hashes[pos : pos + count]
            pos += count
            r = part[-1]
            for h in reversed(part[:-1]):
                r = node_hash(h, r)
            proof.append(r)
        return proof


def _plan(ranges: list[tuple[int, int]]) -> ProofPlan:
    nodes: list[NodeId] = []
    groups: list[int] = []
    for begin, end in ranges:
        part = _range_nodes(begin, end)
        nodes.extend(part)
        groups.append(len(part))
    return ProofPlan(tuple(nodes), tuple(groups))


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_plan(index: int, size: int) -> ProofPlan:
    """Plan the audit path (RFC 6962 §2.1.1 PATH) of leaf ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    ranges: list[tuple[int, int]] = []
    begin, end, m = 0, size, index
    while end - begin > 1:
        k = _split(end - begin)
        if m < k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
            m -= k
    ranges.reverse()  # the proof lists siblings from the leaf upwards
    return _plan(ranges)


def consistency_plan(old_size: int, new_size: int) -> ProofPlan:
    """Plan the consistency proof (RFC 6962 §2.1.2 SUBPROOF) from ``old_size`` to ``new_size``."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size in (0, new_size):
        return ProofPlan((), ())
    ranges: list[tuple[int, int]] = []
    begin, end, m, complete = 0, new_size, old_size, True
    while m != end - begin:
        k = _split(end - begin)
        if m <= k:
            ranges.append((begin + k, end))
            end = begin + k
        else:
            ranges.append((begin, begin + k))
            begin += k
            m -= k
            complete = False
    if not complete:
        ranges.append((begin, end))
    ranges.reverse()
    return _plan(ranges)


def inclusion_proof(index: int, size: int, store: HashStore) -> list[bytes]:
    """Return the inclusion proof of leaf ``index`` in the tree of ``size``."""
    plan = inclusion_plan(index, size)
    return plan.assemble(store.get_nodes(plan.nodes))


def consistency_proof(old_size: int, new_size: int, store: HashStore) -> list[bytes]:
    """Return the consistency proof between tree sizes ``old_size`` and ``new_size``."""
    plan = consistency_plan(old_size, new_size)
    return plan.assemble(store.get_nodes(plan.nodes))


async def inclusion_proof_async(index: int, size: int, store: AsyncHashStore) -> list[bytes]:
    """Like :func:`inclusion_proof`, over an async store (one batched fetch)."""
    plan = inclusion_plan(index, size)
    return plan.assemble(await store.get_nodes(plan.nodes))


async def consistency_proof_async(
    old_size: int, new_size: int, store: AsyncHashStore
) -> list[bytes]:
    """Like :func:`consistency_proof`, over an async store (one batched fetch)."""
    plan = consistency_plan(old_size, new_size)
    return plan.assemble(await store.get_nodes(plan.nodes))


def root_at(size: int, store: HashStore) -> bytes:
    """Return the root of the tree's first ``size`` leaves from stored subtrees."""
    if size == 0:
        return EMPTY_ROOT
    nodes = _range_nodes(0, size)
    return ProofPlan(tuple(nodes), (len(nodes),)).assemble(store.get_nodes(nodes))[0]


# --------------------------------------------------------------------------- verification


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """Recompute the root from an inclusion proof (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p, "proof hash")
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` is at ``index`` in the tree of ``size`` with ``root``.

    Raises :class:`ProofError` when it is not.
    """
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> None:
    """Check that the tree ``old_root`` of ``old_size`` is a prefix of ``new_root``.

    RFC 9162 §2.1.4.2. Raises :class:`ProofError` when the proof does not hold.
    """
    _check_hash(old_root, "old root")
    _check_hash(new_root, "new root")
    for p in proof:
        _check_hash(p, "proof hash")
    if not 0 <= old_size <= new_size:
        raise ProofError(f"no consistency from size {old_size} to {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("equal sizes with different roots")
        return
    if old_size == 0:
        # The empty tree is a prefix of every tree; RFC 9162 defines no proof for it.
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two is its own subtree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != old_root:
        raise ProofError("consistency proof does not match the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not match the new root")
