"""The log's witness client against a hostile or broken witness (httpx.MockTransport).

A witness is outside the municipality's control: whatever it answers, the client stores
nothing it cannot verify against the witness's configured key, and never raises anything but
its own errors (the cosigning task then only records the gap).
"""

from __future__ import annotations

import httpx
import pytest

from gateway.audit.log.witnessing import (
    DirectoryPublisher,
    PublishConflict,
    WitnessClient,
    WitnessConflict,
    WitnessEndpoint,
    WitnessRefused,
    WitnessUnavailable,
)
from gateway.audit.proofs.cosignature import Cosigner
from gateway.audit.proofs.merkle import EMPTY_ROOT
from gateway.audit.proofs.notes import Checkpoint, NoteSigner, parse_note, sign_checkpoint

NOTE = sign_checkpoint(Checkpoint("log.test", 0, EMPTY_ROOT), NoteSigner.generate("log.test"))
WITNESS = Cosigner.generate("w.test")


def client(handler: httpx.MockTransport) -> WitnessClient:
    endpoint = WitnessEndpoint("http://w.test", WITNESS.verifier())
    return WitnessClient(endpoint, httpx.AsyncClient(transport=handler), timeout_s=1.0)


def answering(status: int, text: str, content_type: str = "text/plain") -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(status, text=text, headers={"content-type": content_type})
    )


async def test_a_valid_cosignature_is_accepted_and_the_request_is_tlog_witness() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        return httpx.Response(200, text=WITNESS.cosign(parse_note(NOTE).text, 1234))

    cosignature = await client(httpx.MockTransport(handler)).add_checkpoint(
        old_size=0, proof=[], note=NOTE
    )
    assert cosignature.timestamp == 1234
    assert seen == [b"old 0\n\n" + NOTE.encode()]


@pytest.mark.parametrize(
    ("transport", "error"),
    [
        (
            answering(200, Cosigner.generate("w.test").cosign(parse_note(NOTE).text, 1)),
            WitnessRefused,
        ),
        (
            answering(
                200, WITNESS.cosign("other\n0\n" + parse_note(NOTE).text.split("\n", 2)[2], 1)
            ),
            WitnessRefused,
        ),
        (answering(200, "not a signature line\n"), WitnessRefused),
        (answering(200, ""), WitnessRefused),
        (answering(409, "12\n", "text/x.tlog.size"), WitnessConflict),
        (answering(409, "12\n"), WitnessRefused),  # wrong content type
        (answering(409, "twelve\n", "text/x.tlog.size"), WitnessRefused),
        (answering(403, "no"), WitnessRefused),
        (answering(422, "fork"), WitnessRefused),
        (answering(503, "busy"), WitnessUnavailable),
        (
            httpx.MockTransport(
                lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r))
            ),
            WitnessUnavailable,
        ),
        (
            httpx.MockTransport(
                lambda r: (_ for _ in ()).throw(httpx.ConnectError("down", request=r))
            ),
            WitnessUnavailable,
        ),
    ],
)
async def test_anything_else_is_refused_or_unavailable(
    transport: httpx.MockTransport, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await client(transport).add_checkpoint(old_size=0, proof=[], note=NOTE)


async def test_a_conflict_carries_the_size_the_witness_holds() -> None:
    with pytest.raises(WitnessConflict) as caught:
        await client(answering(409, "12\n", "text/x.tlog.size")).add_checkpoint(
            old_size=0, proof=[], note=NOTE
        )
    assert caught.value.held_size == 12


async def test_publisher_writes_once_and_refuses_a_different_checkpoint_of_the_same_size(
    tmp_path: object,
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    publisher = DirectoryPublisher(tmp_path / "published")
    cosigned = NOTE + WITNESS.cosign(parse_note(NOTE).text, 5)
    assert await publisher.publish(0, cosigned) is True
    assert await publisher.publish(0, cosigned) is False  # already there: untouched
    assert publisher.path(0).read_text() == cosigned
    other = sign_checkpoint(Checkpoint("log.test", 0, bytes(32)), NoteSigner.generate("log.test"))
    with pytest.raises(PublishConflict):
        await publisher.publish(0, other)
    assert publisher.path(0).read_text() == cosigned


async def test_two_writers_publishing_at_once_never_see_a_partial_file(tmp_path: object) -> None:
    import asyncio
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    publisher = DirectoryPublisher(tmp_path / "published")
    cosigned = NOTE + WITNESS.cosign(parse_note(NOTE).text, 5)
    for size in range(40):
        results = await asyncio.gather(*(publisher.publish(size, cosigned) for _ in range(4)))
        assert sorted(results) == [False, False, False, True]
        assert publisher.path(size).read_text() == cosigned
    assert sorted(p.name for p in (tmp_path / "published").iterdir())[0] == f"{0:020d}.note"
    assert not [p for p in (tmp_path / "published").iterdir() if p.name.startswith(".")]
