"""The witness over HTTP, as a hostile or broken log would meet it (C2SP tlog-witness).

Every answer the specification names is provoked: 200 with a cosignature that verifies,
409 ``text/x.tlog.size`` with the size held, 403 unknown/forged log signature, 404 unknown
origin, 422 bad proof / fork / non-empty proof from 0 / wrong empty root, 400 malformed and
old size above the checkpoint. Rollback (a smaller tree) and forks (same size, other
root) are never cosigned, and what the witness holds survives a restart.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from gateway.audit.proofs.cosignature import (
    Cosigner,
    signature_lines,
    verify_cosignatures,
    with_signatures,
)
from gateway.audit.proofs.merkle import EMPTY_ROOT, MemoryHashStore, consistency_proof, leaf_hash
from gateway.audit.proofs.notes import Checkpoint, NoteSigner, sign_checkpoint
from gateway.witness.app import create_witness_app, origin_hash
from gateway.witness.config import FollowedLog, WitnessConfig

ORIGIN = "tvaers.test/audit"


class Log:
    """A little log: leaves, checkpoints signed by its key, consistency proofs."""

    def __init__(self, signer: NoteSigner, prefix: bytes = b"entry") -> None:
        self.signer = signer
        self.store = MemoryHashStore()
        self.prefix = prefix

    def grow(self, n: int) -> None:
        for _ in range(n):
            self.store.append(leaf_hash(self.prefix + str(self.store.size).encode()))

    def note(self, size: int | None = None, origin: str = ORIGIN) -> str:
        size = self.store.size if size is None else size
        return sign_checkpoint(Checkpoint(origin, size, self.store.root(size)), self.signer)

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        new = self.store.size if new is None else new
        return [] if old in (0, new) else consistency_proof(old, new, self.store)


def body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{note}".encode()


@asynccontextmanager
async def witness_client(config: WitnessConfig) -> AsyncIterator[httpx.AsyncClient]:
    app = create_witness_app(config)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w") as client,
    ):
        yield client


@pytest.fixture
def log_signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def cosigner() -> Cosigner:
    return Cosigner.generate("witness.test/w1")


@pytest.fixture
def config(tmp_path: Path, log_signer: NoteSigner, cosigner: Cosigner) -> WitnessConfig:
    logs = {ORIGIN: FollowedLog(ORIGIN, (log_signer.verifier(),))}
    return WitnessConfig(cosigner, tmp_path / "witness.sqlite3", logs)


async def add(
    client: httpx.AsyncClient, old: int, proof: Sequence[bytes], note: str
) -> httpx.Response:
    return await client.post("/add-checkpoint", content=body(old, proof, note))


async def test_cosigns_a_consistent_sequence_and_the_cosignature_verifies(
    config: WitnessConfig, log_signer: NoteSigner, cosigner: Cosigner
) -> None:
    log = Log(log_signer)
    log.grow(5)
    async with witness_client(config) as client:
        first = await add(client, 0, [], log.note())
        assert first.status_code == 200, first.text
        note5 = with_signatures(log.note(), signature_lines(first.text))
        (cos,) = verify_cosignatures(note5, [cosigner.verifier()])
        assert cos.timestamp > 1_700_000_000
        log.grow(12)
        second = await add(client, 5, log.proof(5), log.note())
        assert second.status_code == 200, second.text
        held = await client.get(f"/{origin_hash(ORIGIN)}/checkpoint")
        assert held.status_code == 200
        assert Checkpoint.parse(held.text.split("\n\n")[0] + "\n").size == 17
        assert verify_cosignatures(held.text, [cosigner.verifier()])  # monitoring API


async def test_wrong_old_size_is_409_with_the_size_held(
    config: WitnessConfig, log_signer: NoteSigner
) -> None:
    log = Log(log_signer)
    log.grow(8)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], log.note())).status_code == 200
        log.grow(2)
        response = await add(client, 3, log.proof(3), log.note())
        assert response.status_code == 409
        assert response.headers["content-type"].startswith("text/x.tlog.size")
        assert response.text == "8\n"


async def test_rollback_is_refused(config: WitnessConfig, log_signer: NoteSigner) -> None:
    """The operator deleted the tail and regrew less: the smaller tree is never cosigned."""
    log = Log(log_signer)
    log.grow(20)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], log.note())).status_code == 200
        truncated = Log(log_signer)
        truncated.grow(12)
        from_what_the_db_remembers = await add(client, 12, [], truncated.note())
        assert from_what_the_db_remembers.status_code == 409
        assert from_what_the_db_remembers.text == "20\n"
        claiming_the_held_size = await add(client, 20, [], truncated.note())
        assert claiming_the_held_size.status_code == 400  # old size above the checkpoint
        held = await client.get(f"/{origin_hash(ORIGIN)}/checkpoint")
        assert Checkpoint.parse(held.text.split("\n\n")[0] + "\n").size == 20


async def test_fork_of_the_same_size_is_422_and_kept_as_evidence(
    config: WitnessConfig, log_signer: NoteSigner
) -> None:
    log = Log(log_signer)
    log.grow(10)
    fork = Log(log_signer, prefix=b"other")
    fork.grow(10)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], log.note())).status_code == 200
        response = await add(client, 10, [], fork.note())
        assert response.status_code == 422
        assert "fork" in response.text
        # the same checkpoint again is fine (idempotent resubmission)
        assert (await add(client, 10, [], log.note())).status_code == 200
    from gateway.witness.storage import WitnessStore

    store = WitnessStore(config.database)
    try:
        ((status, _reason, note),) = store.refusals(ORIGIN)
    finally:
        store.close()
    assert status == 422 and note == fork.note()


async def test_fork_that_grew_further_fails_the_consistency_proof(
    config: WitnessConfig, log_signer: NoteSigner
) -> None:
    log = Log(log_signer)
    log.grow(10)
    fork = Log(log_signer, prefix=b"other")
    fork.grow(15)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], log.note())).status_code == 200
        response = await add(client, 10, fork.proof(10), fork.note())
        assert response.status_code == 422
        # a proof for the honest log does not fit the forked root either
        log.grow(5)
        assert (await add(client, 10, log.proof(10), fork.note())).status_code == 422


async def test_signature_and_origin_checks(config: WitnessConfig, log_signer: NoteSigner) -> None:
    log = Log(log_signer)
    log.grow(3)
    intruder = Log(NoteSigner.generate(ORIGIN))
    intruder.grow(3)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], intruder.note())).status_code == 403  # unknown key
        forged = log.note().replace("\n3\n", "\n4\n")  # known key, signature no longer fits
        assert (await add(client, 0, [], forged)).status_code == 403
        unknown = sign_checkpoint(
            Checkpoint("other.test/log", 3, log.store.root()), NoteSigner.generate("other.test/log")
        )
        assert (await add(client, 0, [], unknown)).status_code == 404
        # nothing of the above was cosigned
        assert (await client.get(f"/{origin_hash(ORIGIN)}/checkpoint")).status_code == 404


async def test_malformed_and_inconsistent_requests(
    config: WitnessConfig, log_signer: NoteSigner
) -> None:
    log = Log(log_signer)
    log.grow(4)
    async with witness_client(config) as client:
        for bad in (b"", b"old 1\n", b"old 01\n\n" + log.note().encode(), b"\xff\xfe\n\n"):
            assert (await client.post("/add-checkpoint", content=bad)).status_code == 400
        assert (await add(client, 5, [], log.note())).status_code == 400  # old > size
        nonempty = await add(client, 0, [hashlib.sha256(b"x").digest()], log.note())
        assert nonempty.status_code == 422
        wrong_empty = sign_checkpoint(Checkpoint(ORIGIN, 0, bytes(32)), log_signer)
        assert (await add(client, 0, [], wrong_empty)).status_code == 422
        empty = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), log_signer)
        assert (await add(client, 0, [], empty)).status_code == 200
        too_long = body(0, [bytes(32)] * 64, log.note())
        assert (await client.post("/add-checkpoint", content=too_long)).status_code == 400


async def test_what_the_witness_holds_survives_a_restart(
    config: WitnessConfig, log_signer: NoteSigner
) -> None:
    log = Log(log_signer)
    log.grow(7)
    async with witness_client(config) as client:
        assert (await add(client, 0, [], log.note())).status_code == 200
    async with witness_client(config) as client:  # a new process on the same file
        response = await add(client, 0, [], log.note())
        assert response.status_code == 409
        assert response.text == "7\n"
