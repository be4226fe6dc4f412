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


def sick_leave(body: dict[str, Any]) -> dict[str, Any]:
    note = body.get("laegeerklaering")
    return {
        "category": body["visitationskategori"],
        "first_day": body.get("foerste_fravaersdag"),
        "expected_return": body.get("forventet_raskmelding"),
        "employment": body.get("ansaettelsesforhold"),
        "partial": body.get("delvis_sygemelding"),
        "medical_note": note.get("oplysninger") if isinstance(note, dict) else None,
    }


def rehabilitation_plan(body: dict[str, Any]) -> dict[str, Any]:
    part = body["forberedende_del"]
    return {
        "goal": part.get("mine_maal"),
        "education": part.get("uddannelse"),
        "employment": part.get("beskaeftigelse"),
        "social": part.get("sociale_forhold"),
        "health": part.get("helbredsforhold"),
        "updated": body.get("senest_opdateret"),
    }


def recommendation(body: dict[str, Any]) -> dict[str, Any]:
    efforts = body.get("anbefalede_indsatser") or []
    return {
        "meeting_date": body.get("moededato"),
        "recommendation": body["indstilling"],
        "efforts": ", ".join(str(effort) for effort in efforts) or None,
        "duration": body.get("varighed"),
        "citizen_remarks": body.get("borgerens_bemaerkninger"),
    }
