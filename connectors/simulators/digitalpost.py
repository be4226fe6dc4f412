"""Digital Post (NgDP) simulator: accepts MeMo messages and shows them as a mailbox.

A stand-in for the national Digital Post, for the demo and tests; it says so on every page
and response (``X-Simulator: true``). ``POST /memo/messages`` takes one MeMo 1.1 XML message
(the subset Tværs sends, see ``gateway/notices/memo.py``) and answers 201, or 409 when the
``messageUUID`` was delivered before (NgDP drops repeats the same way). ``GET /memo/messages``
lists what arrived (recipient CPR masked); ``GET /`` shows it as a page.
"""

from __future__ import annotations

import base64
import binascii
import html
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from connectors.simulators._common import SimulatorConfig, create_simulator_app

MEMO_NS = "https://DigitalPost.dk/MeMo-1"
MAX_MESSAGE_BYTES = 256 * 1024
_NS = {"memo": MEMO_NS}


@dataclass
class Mailbox:
    """Messages by ``messageUUID``, in arrival order."""

    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0


def _text(root: ET.Element, path: str) -> str | None:
    found = root.find(path, _NS)
    return found.text if found is not None and found.text else None


def mask(cpr: str | None) -> str:
    """Only the birth date part: a mailbox listing never shows a whole CPR number."""
    return f"{cpr[:6]}-****" if cpr and len(cpr) >= 6 else "—"


def parse_memo(body: bytes) -> dict[str, Any]:
    """The fields of a MeMo message; ``ValueError`` if it is not one."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise ValueError("message too large")
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ValueError("DTDs are not accepted")
    try:
        # DTDs are refused above, so no entity expansion can happen (simulator input only).
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as exc:
        raise ValueError("not XML") from exc
    if root.tag != f"{{{MEMO_NS}}}Message":
        raise ValueError("not a MeMo message")
    uuid = _text(root, "memo:MessageHeader/memo:messageUUID")
    recipient = _text(root, "memo:MessageHeader/memo:Recipient/memo:recipientID")
    if not uuid or not recipient:
        raise ValueError("messageUUID and recipientID are required")
    files = []
    for file in root.findall("memo:MessageBody/memo:MainDocument/memo:File", _NS):
        try:
            content = base64.b64decode(_text(file, "memo:content") or "", validate=True)
            text = content.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError("file content is not base64 UTF-8") from exc
        files.append({"language": _text(file, "memo:language"), "text": text})
    return {
        "message_uuid": uuid,
        "label": _text(root, "memo:MessageHeader/memo:label"),
        "sender": _text(root, "memo:MessageHeader/memo:Sender/memo:senderID"),
        "recipient": recipient,
        "files": files,
    }


def create_app(config: SimulatorConfig | None = None) -> FastAPI:
    """The Digital Post simulator as an ASGI app."""
    app = create_simulator_app(
        title="Digital Post (NgDP)",
        description="Modtager MeMo-beskeder fra kommunen og viser dem som en postkasse.",
        config=config,
    )
    mailbox = Mailbox()
    app.state.mailbox = mailbox

    @app.post("/memo/messages", status_code=201)
    async def receive(request: Request) -> JSONResponse:
        """Deliver one MeMo message (XML). 409 if its messageUUID arrived before."""
        body = await request.body()
        try:
            message = parse_memo(body)
        except ValueError as exc:
            return JSONResponse({"error": "invalid_memo", "detail": str(exc)}, status_code=400)
        if message["message_uuid"] in mailbox.messages:
            mailbox.duplicates += 1
            return JSONResponse({"status": "duplicate"}, status_code=409)
        message["received_at"] = datetime.now(UTC).isoformat()
        mailbox.messages[message["message_uuid"]] = message
        return JSONResponse({"status": "delivered"}, status_code=201)

    @app.get("/memo/messages")
    async def list_messages() -> dict[str, Any]:
        """What arrived, oldest first; the recipient's CPR is masked."""
        return {
            "simulator": True,
            "duplicates_dropped": mailbox.duplicates,
            "messages": [
                {**m, "recipient": mask(m["recipient"])} for m in mailbox.messages.values()
            ],
        }

    @app.get("/", response_class=HTMLResponse)
    async def page() -> HTMLResponse:
        """The mailbox as a page (Danish), clearly labelled a simulator."""
        rows = "".join(
            f"<article><h2>{html.escape(m['label'] or '')}</h2>"
            f"<p>Til: {html.escape(mask(m['recipient']))} · modtaget "
            f"{html.escape(m['received_at'])}</p>"
            + "".join(
                f'<pre lang="{html.escape(f["language"] or "")}">{html.escape(f["text"])}</pre>'
                for f in m["files"]
            )
            + "</article>"
            for m in reversed(list(mailbox.messages.values()))
        )
        return HTMLResponse(
            '<!doctype html><html lang="da"><meta charset="utf-8">'
            "<title>Digital Post — SIMULATOR</title>"
            "<h1>Digital Post — SIMULATOR (ikke den rigtige Digital Post)</h1>"
            f"<p>{len(mailbox.messages)} beskeder.</p>{rows or '<p>Ingen beskeder endnu.</p>'}"
        )

    return app
