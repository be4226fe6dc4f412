"""MeMo (Digital Post's message format, version 1.1): the subset a notice needs.

A MeMo message has a ``MessageHeader`` (type, ``messageUUID``, label, sender by CVR, recipient
by CPR) and a ``MessageBody`` with a ``MainDocument`` holding files. The recipient's CPR is
the NgDP routing address and appears only there; the document text never holds one.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

if TYPE_CHECKING:
    from gateway.notices.channels import OutgoingNotice

MEMO_NS = "https://DigitalPost.dk/MeMo-1"
MEMO_VERSION = "1.1"


def _el(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{MEMO_NS}}}{name}")
    if text is not None:
        element.text = text
    return element


def memo_message(notice: OutgoingNotice, *, sender_cvr: str) -> bytes:
    """The notice as a MeMo XML message (UTF-8): Danish document first, English second."""
    ET.register_namespace("memo", MEMO_NS)
    root = ET.Element(
        f"{{{MEMO_NS}}}Message", {"memoVersion": MEMO_VERSION, "memoSchVersion": "1.1.0"}
    )
    header = _el(root, "MessageHeader")
    _el(header, "messageType", "DIGITALPOST")
    _el(header, "messageUUID", notice.message_id)
    _el(header, "label", notice.subject_da)
    _el(header, "notification", notice.subject_en)
    sender = _el(header, "Sender")
    _el(sender, "senderID", sender_cvr)
    _el(sender, "idType", "CVR")
    _el(sender, "label", "Kommunen (Tværs)")
    recipient = _el(header, "Recipient")
    _el(recipient, "recipientID", notice.recipient)
    _el(recipient, "idType", "CPR")
    body = _el(root, "MessageBody")
    _el(body, "createdDateTime", notice.created_at.isoformat())
    main = _el(body, "MainDocument")
    _el(main, "mainDocumentID", notice.message_id)
    _el(main, "label", notice.subject_da)
    for language, subject, text in (
        ("da", notice.subject_da, notice.body_da),
        ("en", notice.subject_en, notice.body_en),
    ):
        file = _el(main, "File")
        _el(file, "encodingFormat", "text/plain")
        _el(file, "filename", f"besked-{language}.txt")
        _el(file, "language", language)
        content = f"{subject}\n\n{text}\n".encode()
        _el(file, "content", base64.b64encode(content).decode("ascii"))
    encoded: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return encoded
