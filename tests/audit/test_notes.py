"""C2SP signed notes and checkpoints, cross-checked with Go's sumdb/note vectors."""

from __future__ import annotations

import base64

import pytest

from gateway.audit.proofs.notes import (
    Checkpoint,
    InvalidNoteSignature,
    MalformedNote,
    NoteSigner,
    NoteVerifier,
    UnverifiedNote,
    open_checkpoint,
    open_note,
    parse_note,
    sign_checkpoint,
    sign_note,
)

# Test vectors from golang.org/x/mod/sumdb/note (note_test.go).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpR"
    "Zb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33W"
    "Wd1RvMc+QQ=\n"
)
ORIGIN = "tvaers.example/audit"
ROOT = bytes(range(32))


def test_go_keys_parse_and_round_trip() -> None:
    signer = NoteSigner.parse(GO_SKEY)
    verifier = NoteVerifier.parse(GO_VKEY)
    assert verifier.key_id == 0xC74F20A3
    assert signer.verifier() == verifier
    assert str(verifier) == GO_VKEY
    assert signer.signer_key() == GO_SKEY
    assert "AYEK" not in repr(signer)  # the private key never shows in a repr


def test_signing_matches_go_output_byte_for_byte() -> None:
    assert sign_note(GO_TEXT, NoteSigner.parse(GO_SKEY)) == GO_TEXT + "\n" + PETER_SIG


def test_open_ignores_unknown_keys_and_verifies_known_ones() -> None:
    peter, enoch = NoteVerifier.parse(GO_VKEY), NoteVerifier.parse(ENOCH_VKEY)
    note = open_note(GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert note.text == GO_TEXT
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    both = open_note(GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter, enoch])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]


def test_note_without_a_trusted_signature_is_rejected() -> None:
    with pytest.raises(UnverifiedNote):
        open_note(GO_TEXT + "\n" + ENOCH_SIG, [NoteVerifier.parse(GO_VKEY)])


def test_wrong_name_is_an_unknown_key() -> None:
    renamed = PETER_SIG.replace("PeterNeumann", "CarmenSandiego")
    with pytest.raises(UnverifiedNote):
        open_note(GO_TEXT + "\n" + renamed, [NoteVerifier.parse(GO_VKEY)])


def test_tampered_text_is_rejected() -> None:
    with pytest.raises(InvalidNoteSignature):
        open_note(
            GO_TEXT.replace("answer", "answers") + "\n" + PETER_SIG, [NoteVerifier.parse(GO_VKEY)]
        )


def test_tampered_signature_is_rejected() -> None:
    bad = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(InvalidNoteSignature):
        open_note(GO_TEXT + "\n" + bad, [NoteVerifier.parse(GO_VKEY)])


@pytest.mark.parametrize(
    "message",
    [
        GO_TEXT,
        GO_TEXT + "\n",
        GO_TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + GO_TEXT + "\n" + PETER_SIG,
        GO_TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name"),
        GO_TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        GO_TEXT + "\n" + PETER_SIG.replace("\u2014", "-"),
        GO_TEXT + "\n" + PETER_SIG * 101,
    ],
)
def test_malformed_notes_are_refused(message: str) -> None:
    with pytest.raises(MalformedNote):
        open_note(message, [NoteVerifier.parse(GO_VKEY)])


def test_invalid_utf8_is_malformed() -> None:
    with pytest.raises(MalformedNote):
        parse_note(b"\xff" + (GO_TEXT + "\n" + PETER_SIG).encode())


@pytest.mark.parametrize(
    "key",
    [
        GO_VKEY[:-1],
        GO_VKEY.replace("c74f20a3", "c74f20a4"),
        GO_VKEY.replace("+ARpc", "+ZRpc"),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ],
)
def test_mangled_verifier_keys_are_refused(key: str) -> None:
    with pytest.raises(MalformedNote):
        NoteVerifier.parse(key)


def test_mangled_signer_key_is_refused() -> None:
    with pytest.raises(MalformedNote):
        NoteSigner.parse(GO_SKEY.replace("c74f20a3", "c74f20a4"))
    with pytest.raises(MalformedNote):
        NoteSigner.parse(GO_SKEY.removeprefix("PRIVATE+"))


def test_generated_key_signs_and_round_trips() -> None:
    signer = NoteSigner.generate(ORIGIN)
    again = NoteSigner.parse(signer.signer_key())
    assert again.verifier() == signer.verifier()
    note = sign_note("hello\n", signer)
    assert open_note(note, [NoteVerifier.parse(str(signer.verifier()))]).text == "hello\n"


# ------------------------------------------------------------------ checkpoints


def test_checkpoint_text_follows_c2sp() -> None:
    cp = Checkpoint(ORIGIN, 20852163, ROOT)
    assert cp.to_text() == f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n"
    assert Checkpoint.parse(cp.to_text()) == cp
    with_ext = Checkpoint(ORIGIN, 1, ROOT, ("extension line",))
    assert Checkpoint.parse(with_ext.to_text()) == with_ext


def test_signed_checkpoint_opens_with_right_key_and_origin() -> None:
    signer = NoteSigner.generate(ORIGIN)
    note = sign_checkpoint(Checkpoint(ORIGIN, 7, ROOT), signer)
    assert note.endswith("\n")
    assert "\n\n\u2014 " + ORIGIN + " " in note
    assert open_checkpoint(note, [signer.verifier()], origin=ORIGIN).size == 7
    with pytest.raises(MalformedNote):
        open_checkpoint(note, [signer.verifier()], origin="other.example/log")
    with pytest.raises(UnverifiedNote):
        open_checkpoint(note, [NoteSigner.generate(ORIGIN).verifier()])
    forged = note.replace("\n7\n", "\n8\n")
    with pytest.raises(InvalidNoteSignature):
        open_checkpoint(forged, [signer.verifier()])


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n07\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n-1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}",
        f"{ORIGIN}\n1\n",
        f"\n1\n{base64.b64encode(ROOT).decode()}\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode()}\n\n",
        f"{ORIGIN}\n1\n{base64.b64encode(ROOT).decode().rstrip('=')}\n",
    ],
)
def test_malformed_checkpoints_are_refused(text: str) -> None:
    with pytest.raises(MalformedNote):
        Checkpoint.parse(text)
