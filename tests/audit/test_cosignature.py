"""C2SP tlog-cosignature/v1 (Ed25519), checked against published values and an independent
re-implementation.

Published values used byte for byte: the witness vkey ``remora.n621.de+da77ade7+…`` and the
cosignature ``ZGhGuQAAAABm/qTP…`` (timestamp 1727964367) from transparency-dev/formats
(note/note_cosigv1_test.go), and the cosigned checkpoint example of the C2SP
tlog-cosignature specification (its witness line carries ``time 1679315147``). No published
vector gives a witness *private* key with its signatures, so signing is checked against a
re-implementation written here with ``cryptography`` and ``hashlib`` directly, from the
specification's text (message, key id, timestamped_signature layout).
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from gateway.audit.proofs.cosignature import (
    CosignatureVerifier,
    Cosigner,
    cosignature_timestamp,
    verify_cosignatures,
    with_signatures,
)
from gateway.audit.proofs.notes import (
    Checkpoint,
    InvalidNoteSignature,
    MalformedNote,
    NoteSigner,
    UnverifiedNote,
    open_note,
    parse_note,
    sign_checkpoint,
)

REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
FORMATS_COSIG = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJ"
    "XORmnFBOBA=="
)
SPEC_NOTE = (
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    "\n"
    "— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcy"
    "v2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b"
    "2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"
)
BODY = "tvaers.example/audit\n42\n" + base64.b64encode(bytes(range(32))).decode() + "\n"


def _independent_key_id(name: str, public_key: bytes) -> int:
    return int.from_bytes(hashlib.sha256(name.encode() + b"\n\x04" + public_key).digest()[:4])


def _independent_line(name: str, key: Ed25519PrivateKey, body: str, timestamp: int) -> str:
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + body.encode()
    blob = (
        _independent_key_id(name, public).to_bytes(4, "big")
        + timestamp.to_bytes(8, "big")
        + key.sign(message)
    )
    return "\u2014 " + name + " " + base64.b64encode(blob).decode() + "\n"


def _log_note(body: str = BODY) -> str:
    signer = NoteSigner.generate("tvaers.example/audit")
    return sign_checkpoint(Checkpoint.parse(body), signer)


def test_published_witness_vkey_parses_with_its_key_id_and_round_trips() -> None:
    verifier = CosignatureVerifier.parse(REMORA_VKEY)
    assert verifier.name == "remora.n621.de"
    assert verifier.key_id == 0xDA77ADE7  # SHA-256(name ‖ \n ‖ 0x04 ‖ key)[:4]
    assert str(verifier) == REMORA_VKEY


def test_published_vkey_with_a_wrong_key_id_is_refused() -> None:
    with pytest.raises(MalformedNote):
        CosignatureVerifier.parse(REMORA_VKEY.replace("da77ade7", "da77ade8"))


def test_published_cosignature_timestamps() -> None:
    assert cosignature_timestamp(FORMATS_COSIG) == 1727964367
    spec_line = SPEC_NOTE.rsplit("— witness.example.com/w1 ", 1)[1].strip()
    assert cosignature_timestamp(spec_line) == 1679315147  # the spec's "time 1679315147"
    # a plain (0x01) note signature is not a cosignature
    with pytest.raises(MalformedNote):
        cosignature_timestamp(SPEC_NOTE.split("sofa ", 1)[1].split("\n")[0])


def test_spec_example_is_a_well_formed_note_with_two_signature_lines() -> None:
    note = parse_note(SPEC_NOTE)
    assert [s.name for s in note.signatures] == [
        "example.com/behind-the-sofa",
        "witness.example.com/w1",
    ]
    assert Checkpoint.parse(note.text).size == 20852163


def test_our_cosignature_is_byte_identical_to_the_independent_implementation() -> None:
    key = Ed25519PrivateKey.generate()
    cosigner = Cosigner("witness.example/w1", key)
    assert cosigner.cosign(BODY, 1700000000) == _independent_line(
        "witness.example/w1", key, BODY, 1700000000
    )  # Ed25519 is deterministic: same key, same message, same bytes
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert cosigner.key_id == _independent_key_id("witness.example/w1", public)
    vkey = (
        f"witness.example/w1+{cosigner.key_id:08x}+" + base64.b64encode(b"\x04" + public).decode()
    )
    assert str(cosigner.verifier()) == vkey


def test_independently_made_cosignature_verifies_and_reports_its_time() -> None:
    key = Ed25519PrivateKey.generate()
    note = _log_note()
    line = _independent_line("w.example/1", key, parse_note(note).text, 1733300000)
    witness = Cosigner("w.example/1", key).verifier()
    (found,) = verify_cosignatures(with_signatures(note, [line]), [witness])
    assert found.timestamp == 1733300000
    assert found.line == line


def test_cosignature_covers_the_time_and_the_whole_body() -> None:
    key = Ed25519PrivateKey.generate()
    witness = Cosigner("w", key).verifier()
    note = _log_note()
    text = parse_note(note).text
    # signed for another time than the one it claims
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    message = b"cosignature/v1\ntime 1000\n" + text.encode()
    blob = _independent_key_id("w", public).to_bytes(4, "big") + (1001).to_bytes(8, "big")
    forged = "\u2014 w " + base64.b64encode(blob + key.sign(message)).decode() + "\n"
    with pytest.raises(InvalidNoteSignature):
        verify_cosignatures(with_signatures(note, [forged]), [witness])
    # a valid cosignature moved onto another checkpoint
    line = Cosigner("w", key).cosign(text, 1000)
    other = _log_note(BODY.replace("\n42\n", "\n43\n"))
    with pytest.raises(InvalidNoteSignature):
        verify_cosignatures(with_signatures(other, [line]), [witness])


def test_unknown_witnesses_are_ignored_and_duplicates_count_once() -> None:
    note = _log_note()
    text = parse_note(note).text
    a, b = Cosigner.generate("a"), Cosigner.generate("b")
    cosigned = with_signatures(note, [a.cosign(text, 5), a.cosign(text, 6), b.cosign(text, 7)])
    found = verify_cosignatures(cosigned, [a.verifier()])
    assert [c.witness.name for c in found] == ["a"]
    assert verify_cosignatures(cosigned, [Cosigner.generate("c").verifier()]) == []


def test_log_key_does_not_verify_a_cosignature_and_vice_versa() -> None:
    """The 0x01 and 0x04 key ids differ, so neither kind of signature passes as the other."""
    key = Ed25519PrivateKey.generate()
    log_signer = NoteSigner("same", key)
    cosigner = Cosigner("same", key)
    assert log_signer.key_id != cosigner.key_id
    note = _log_note()
    cosigned = with_signatures(note, [cosigner.cosign(parse_note(note).text, 9)])
    with pytest.raises(UnverifiedNote):
        open_note(cosigned, [log_signer.verifier()])


def test_signer_key_round_trips_and_repr_hides_it() -> None:
    cosigner = Cosigner.generate("w.example/x")
    again = Cosigner.parse(cosigner.signer_key())
    assert str(again.verifier()) == str(cosigner.verifier())
    # PRIVATE+KEY+<name>+<key hash>+<base64 key>: the base64 may itself hold "+".
    secret = cosigner.signer_key().split("+", 4)[4]
    assert len(secret) >= 40
    assert secret not in repr(cosigner)
