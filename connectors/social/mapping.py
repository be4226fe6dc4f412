"""Social services system fields (Danish) → catalogue field names.

Journal notes (``journalnotat``) and other internal fields are never read.
"""

from __future__ import annotations

from typing import Any


def measure(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "measure": item["foranstaltning"],
        "provision": item.get("hjemmel"),
        "provider": item.get("leverandoer"),
        "start": item.get("bevilget_fra"),
        "end": item.get("bevilget_til"),
        "hours_per_week": item.get("timer_ugentligt"),
    }


def substance_treatment(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": item["behandlingsform"],
        "substance": item.get("rusmiddel"),
        "start": item.get("startdato"),
        "status": item.get("status"),
        "provider": item.get("behandlingssted"),
    }


def contact(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": body["navn"],
        "unit": body.get("afdeling"),
        "phone": body.get("telefon"),
        "email": body.get("mail"),
    }
