"""Jobcenter system fields (Danish) → catalogue field names.

Only the fields named here leave the connector; internal fields the system
sends (``sagsnummer``, ``intern_note``, ``tilbudsnummer``…) are never read.
"""

from __future__ import annotations

from typing import Any


def benefit(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "benefit_type": body["ydelse"],
        "target_group": body.get("maalgruppe"),
        "since": body.get("startdato"),
        "amount_band": body.get("satsniveau"),
    }


def plan(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "goal": body["maal"],
        "steps": [
            {"text": str(step["tekst"]), "status": step.get("status")}
            for step in body.get("delmaal") or []
        ],
        "updated": body.get("senest_opdateret"),
        "plan_type": body.get("plantype"),
    }


def activity(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": item["aktivitet"],
        "workplace": item.get("arbejdssted"),
        "start": item.get("startdato"),
        "end": item.get("slutdato"),
        "hours_per_week": item.get("timer_pr_uge"),
        "mentor": item.get("mentor"),
    }


def contact(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": body["navn"],
        "unit": body.get("enhed"),
        "phone": body.get("telefon"),
        "email": body.get("email"),
    }
