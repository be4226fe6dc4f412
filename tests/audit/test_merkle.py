"""RFC 6962 Merkle tree: CT vectors, exhaustive proofs up to size 64, tree state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.audit.proofs.merkle import (
    EMPTY_ROOT,
    MemoryHashStore,
    NodeId,
    ProofError,
    TreeState,
    consistency_plan,
    consistency_proof,
    consistency_proof_async,
    inclusion_plan,
    inclusion_proof,
    inclusion_proof_async,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent.parent / "data" / "rfc6962-vectors.json").read_text()
)
CT_LEAVES = [leaf_hash(bytes.fromhex(x)) for x in VECTORS["leaves_hex"]]
MAX = 64
LEAVES = [leaf_hash(f"entry {i}".encode()) for i in range(MAX)]
STORE = MemoryHashStore.from_leaf_hashes(LEAVES)
ROOTS = [root_from_leaf_hashes(LEAVES[:n]) for n in range(MAX + 1)]


def _mth(hashes: list[bytes]) -> bytes:
    """The recursive definition of RFC 6962 §2.1, as an independent oracle."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_mth(hashes[:k]), _mth(hashes[k:]))


def _flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


# ------------------------------------------------------------------ CT vectors


def test_empty_root_is_sha256_of_nothing() -> None:
    assert root_from_leaf_hashes([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == VECTORS["empty_tree_root"]


@pytest.mark.parametrize(("size", "root"), sorted(VECTORS["roots_by_size"].items()))
def test_roots_match_ct_vectors(size: str, root: str) -> None:
    assert root_from_leaf_hashes(CT_LEAVES[: int(size)]).hex() == root


@pytest.mark.parametrize("case", VECTORS["inclusion_proofs"], ids=str)
def test_inclusion_proofs_match_ct_vectors(case: dict[str, Any]) -> None:
    store = MemoryHashStore.from_leaf_hashes(CT_LEAVES)
    proof = inclusion_proof(case["index"], case["size"], store)
    assert [h.hex() for h in proof] == case["proof"]
    root = bytes.fromhex(VECTORS["roots_by_size"][str(case["size"])])
    verify_inclusion(case["index"], case["size"], CT_LEAVES[case["index"]], proof, root)


@pytest.mark.parametrize("case", VECTORS["consistency_proofs"], ids=str)
def test_consistency_proofs_match_ct_vectors(case: dict[str, Any]) -> None:
    store = MemoryHashStore.from_leaf_hashes(CT_LEAVES)
    proof = consistency_proof(case["old_size"], case["new_size"], store)
    assert [h.hex() for h in proof] == case["proof"]
    roots = VECTORS["roots_by_size"]
    verify_consistency(
        case["old_size"],
        case["new_size"],
        bytes.fromhex(roots[str(case["old_size"])]),
        bytes.fromhex(roots[str(case["new_size"])]),
        proof,
    )


# ------------------------------------------------------------------ exhaustive up to 64


def test_roots_equal_recursive_definition() -> None:
    for n in range(MAX + 1):
        assert ROOTS[n] == _mth(LEAVES[:n])
        assert STORE.root(n) == ROOTS[n]


def test_every_inclusion_proof_verifies_and_tampering_is_rejected() -> None:
    checked = 0
    for size in range(1, MAX + 1):
        for index in range(size):
            proof = inclusion_proof(index, size, STORE)
            verify_inclusion(index, size, LEAVES[index], proof, ROOTS[size])
            for i in range(len(proof)):
                bad = [*proof[:i], _flip(proof[i]), *proof[i + 1 :]]
                with pytest.raises(ProofError):
                    verify_inclusion(index, size, LEAVES[index], bad, ROOTS[size])
            if proof:
                with pytest.raises(ProofError):  # a proof one hash short
                    verify_inclusion(index, size, LEAVES[index], proof[:-1], ROOTS[size])
            with pytest.raises(ProofError):  # one hash too many
                verify_inclusion(index, size, LEAVES[index], [*proof, EMPTY_ROOT], ROOTS[size])
            with pytest.raises(ProofError):  # another leaf
                verify_inclusion(index, size, _flip(LEAVES[index]), proof, ROOTS[size])
            if size > 1:  # the same proof for a neighbouring index
                other = index + 1 if index + 1 < size else index - 1
                with pytest.raises(ProofError):
                    verify_inclusion(other, size, LEAVES[index], proof, ROOTS[size])
            checked += 1
    assert checked == MAX * (MAX + 1) // 2


def test_every_consistency_proof_verifies_and_tampering_is_rejected() -> None:
    for new in range(MAX + 1):
        for old in range(new + 1):
            proof = consistency_proof(old, new, STORE)
            verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)
            for i in range(len(proof)):
                bad = [*proof[:i], _flip(proof[i]), *proof[i + 1 :]]
                with pytest.raises(ProofError):
                    verify_consistency(old, new, ROOTS[old], ROOTS[new], bad)
            if 0 < old < new:
                with pytest.raises(ProofError):
                    verify_consistency(old, new, _flip(ROOTS[old]), ROOTS[new], proof)
                with pytest.raises(ProofError):
                    verify_consistency(old, new, ROOTS[old], _flip(ROOTS[new]), proof)
                with pytest.raises(ProofError):
                    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof[:-1])
                with pytest.raises(ProofError):
                    verify_consistency(old, new, ROOTS[old], ROOTS[new], [*proof, EMPTY_ROOT])


def test_proof_plans_need_only_logarithmically_many_stored_nodes() -> None:
    size = 1_000_003
    plan = inclusion_plan(777_777, size)
    assert len(plan.nodes) <= 2 * size.bit_length()
    assert len(consistency_plan(500_001, size).nodes) <= 2 * size.bit_length()


def test_bad_proof_requests_are_refused() -> None:
    with pytest.raises(ProofError):
        inclusion_plan(5, 5)
    with pytest.raises(ProofError):
        consistency_plan(6, 5)
    with pytest.raises(KeyError):
        inclusion_proof(0, MAX + 1, STORE)  # the store does not hold that tree


async def test_async_store_gives_the_same_proofs() -> None:
    class AsyncStore:
        async def get_nodes(self, ids: list[NodeId]) -> list[bytes]:
            return STORE.get_nodes(ids)

    assert await inclusion_proof_async(5, 37, AsyncStore()) == inclusion_proof(5, 37, STORE)
    assert await consistency_proof_async(5, 37, AsyncStore()) == consistency_proof(5, 37, STORE)


# ------------------------------------------------------------------ incremental state


def test_tree_state_matches_batch_root_at_every_size_and_survives_json() -> None:
    state = TreeState()
    assert state.root() == EMPTY_ROOT
    for n, leaf in enumerate(LEAVES, start=1):
        state.append(leaf)
        assert state.size == n
        assert state.root() == ROOTS[n]
        resumed = TreeState.from_json(state.to_json())
        assert resumed.size == n
        assert resumed.root() == ROOTS[n]
        state = resumed  # keep appending to the restored copy, as after a restart


def test_tree_state_reports_every_completed_subtree() -> None:
    nodes: dict[NodeId, bytes] = {}
    state = TreeState()
    for leaf in LEAVES[:8]:
        state.append(leaf, on_node=lambda node, value: nodes.__setitem__(node, value))
    assert nodes[NodeId(0, 5)] == LEAVES[5]
    assert nodes[NodeId(3, 0)] == ROOTS[8]
    assert len(nodes) == 8 + 4 + 2 + 1


@pytest.mark.parametrize(
    "text",
    [
        '{"size": 3, "frontier": []}',
        '{"size": 1, "frontier": ["not base64!"]}',
        '{"size": 1, "frontier": ["AAAA"]}',
        '{"size": -1, "frontier": []}',
        '{"size": true, "frontier": []}',
        '{"size": 0}',
        "[]",
    ],
)
def test_tree_state_refuses_bad_json(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every variant is a ValueError by design
        TreeState.from_json(text)
