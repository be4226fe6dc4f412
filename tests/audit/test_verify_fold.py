"""Full verification folds each block into subtree roots where the block is scanned (in the
worker processes with ``jobs > 1``): the caller is left with a few node hashes per block,
and the roots it compares at every checkpoint are still the RFC 6962 roots."""

from __future__ import annotations

import hashlib
import random

import pytest

from gateway.audit.proofs.merkle import root_from_leaf_hashes
from gateway.audit.proofs.verify_scan import subtree_roots


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00leaf %d" % i).digest() for i in range(n)]


def fold(pieces: list[tuple[int, tuple[tuple[int, bytes], ...]]], cuts: set[int]) -> dict:
    """The caller's fold (as in ``verify_full``): roots at every cut it reaches."""
    frontier: list[bytes] = []
    roots: dict[int, bytes] = {}
    index = 0
    for first, subtrees in pieces:
        assert first == index
        for level, h in subtrees:
            assert index % (1 << level) == 0  # aligned: a real node of the tree
            n = index >> level
            while n & 1:
                h = hashlib.sha256(b"\x01" + frontier.pop() + h).digest()
                n >>= 1
            frontier.append(h)
            index += 1 << level
            if index in cuts:
                root = frontier[-1]
                for left in reversed(frontier[:-1]):
                    root = hashlib.sha256(b"\x01" + left + root).digest()
                roots[index] = root
    return roots


@pytest.mark.parametrize("seed", range(6))
def test_blocks_folded_apart_give_the_roots_at_every_checkpoint(seed: int) -> None:
    rng = random.Random(seed)
    total = rng.randrange(1, 3000)
    hashes = leaves(total)
    cuts = sorted({rng.randrange(1, total + 1) for _ in range(rng.randrange(1, 12))} | {total})
    pieces = []
    at = 0
    while at < total:  # blocks of arbitrary length, as byte ranges give them
        size = min(total - at, rng.randrange(1, 700))
        pieces.append((at, subtree_roots(b"".join(hashes[at : at + size]), at, cuts)))
        at += size
    roots = fold(pieces, set(cuts))
    assert sorted(roots) == cuts
    for size in cuts:
        assert roots[size] == root_from_leaf_hashes(hashes[:size])


def test_a_block_leaves_the_caller_a_logarithmic_number_of_hashes() -> None:
    hashes = b"".join(leaves(4000))
    for first in (0, 1, 12_345, 2**20 - 7):
        subtrees = subtree_roots(hashes, first)
        assert sum(1 << level for level, _ in subtrees) == 4000
        assert len(subtrees) <= 2 * 12  # at most two nodes per level of a 4,000-leaf span
    # Every checkpoint inside the block cuts it: at most a few more nodes each.
    cut = subtree_roots(hashes, 0, [1000, 2500])
    assert len(cut) <= 3 * 12
