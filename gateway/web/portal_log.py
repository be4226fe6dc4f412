""" "Min log" (``/portal/log``): every entry about the citizen, with verifiable receipts.

Reads through the audit log service (``gateway/audit/log/service.py``) by the citizen's own
pseudonyms (every pseudonym key), so entries carry their inclusion proof status and link to a
receipt that ``tvaers audit verify receipt`` checks offline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from gateway.audit.log.endpoints import LogServiceDep, entry_download, receipt_download
from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.cpr import normalise_cpr
from gateway.db import MAX_SQL_INTEGER
from gateway.dependencies import RuntimeDep
from gateway.web import portal_text  # noqa: F401  (registers the log's messages)
from gateway.web.i18n import is_known, request_lang
from gateway.web.plain import acted_by, category_titles, department_title, role_titles
from gateway.web.security import CsrfProtected, WebCitizen
from gateway.web.templating import render

router = APIRouter(prefix="/portal/log", include_in_schema=False, dependencies=[CsrfProtected])

PERIODS = ("30", "90", "365", "all")
EventIdPath = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


def _my_pseudonyms(svc: RuntimeDep, principal: WebCitizen) -> list[str]:
    assert principal.cpr is not None
    return list(svc.keys.pseudonymiser.all_pseudonyms(normalise_cpr(principal.cpr)).values())


MyPseudonyms = Annotated[list[str], Depends(_my_pseudonyms)]


def _row(entry: dict[str, Any], catalogue: Catalogue, lang: str, me: Principal) -> dict[str, Any]:
    actor = entry.get("actor") or {}
    purpose_id = entry.get("purpose")
    purpose = catalogue.purposes.get(purpose_id) if purpose_id else None
    cats = entry.get("categories") or {}
    action = str(entry.get("action", ""))
    by_me = actor.get("kind") == "citizen" and actor.get("user_id") == me.subject
    action_key = f"log.action.{action}"
    return {
        "action": action,
        "action_key": action_key if is_known(action_key) else "log.action.other",
        "outcome": entry.get("outcome"),
        "by_me": by_me,
        "name": actor.get("name") or "",
        "department": department_title(catalogue, actor.get("department"), lang),
        "role": role_titles(catalogue, list(actor.get("roles") or []), lang),
        "purpose": purpose.title.get(lang) if purpose else (purpose_id or ""),
        "shown": category_titles(catalogue, list(cats.get("granted") or []), lang),
        "withheld": category_titles(
            catalogue, list(cats.get("withheld") or []) + list(cats.get("unavailable") or []), lang
        ),
        "requested": category_titles(catalogue, list(cats.get("requested") or []), lang),
        # A representative (værge / fuldmagt) acted for the citizen: who, under which authority.
        "representation": acted_by(entry.get("representation")),
    }


@router.get("")
async def my_log(
    request: Request,
    principal: WebCitizen,
    pseudonyms: MyPseudonyms,
    logs: LogServiceDep,
    svc: RuntimeDep,
    before: Annotated[int | None, Query(ge=1, le=MAX_SQL_INTEGER)] = None,
    period: Annotated[str, Query(pattern="^(30|90|365|all)$")] = "all",
) -> Response:
    """Min log: who looked at what, when and why — and what was withheld."""
    lang = request_lang(request)
    since = None if period == "all" else svc.clock() - timedelta(days=int(period))
    page = await logs.access_log(
        pseudonyms, before=before, limit=50, receipt_base="/portal/log", since=since
    )
    items = []
    for item in page.items:
        entry = item.entry or {}
        # A view is written twice (intent, then outcome); the outcome says what was shown.
        if entry.get("action") == "view.read" and entry.get("phase") == "intent":
            continue
        moment = datetime.fromisoformat(item.time.replace("Z", "+00:00"))
        items.append({"item": item, "time": moment, **_row(entry, svc.catalogue, lang, principal)})
    return render(
        request,
        "portal/log.html",
        {
            "nav_current": "log",
            "items": items,
            "next_cursor": page.next_cursor,
            "period": period,
            "periods": PERIODS,
            # What "Bekræft kvitteringen" checks signatures against (and the CLI line shows).
            "log_key": logs.public_key().verifier_key,
            "public_url": svc.settings.effective_public_url,
        },
    )


@router.get("/{event_id}/receipt")
async def log_receipt(
    event_id: EventIdPath, principal: WebCitizen, pseudonyms: MyPseudonyms, logs: LogServiceDep
) -> Response:
    """The verifiable receipt (C2SP tlog-proof) for one of the citizen's entries."""
    return await receipt_download(logs, event_id, pseudonyms)


@router.get("/{event_id}/entry")
async def log_entry(
    event_id: EventIdPath, principal: WebCitizen, pseudonyms: MyPseudonyms, logs: LogServiceDep
) -> Response:
    """The exact bytes of the entry (what the receipt proves is in the log)."""
    return await entry_download(logs, event_id, pseudonyms)
