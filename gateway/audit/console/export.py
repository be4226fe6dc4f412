"""Exports of a DPO's filtered result: CSV for Excel, and a signed export the verifier accepts.

CSV: semicolon-separated, UTF-8 with a byte-order mark, CRLF line ends — what Danish Excel
opens without an import wizard. Cells that start like a formula are prefixed with ``'``.
Readable Danish names in the main columns, the machine ids in ``*_id`` columns at the end.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.console.anomalies import COPENHAGEN
from gateway.audit.console.labels import (
    category_label,
    department_label,
    purpose_label,
    role_label,
    value_label,
)
from gateway.audit.console.repository import AnalyticsRepository, AuditFilter
from gateway.audit.entries.models import AuditEntryRow
from gateway.audit.entries.repository import entry_dict
from gateway.catalogue.models import Catalogue

# Readable Danish names first (what a DPO reads in Excel); the machine ids the names come from
# follow at the end, in columns of their own (``*_id``), for programs that read the export.
CSV_HEADER = [
    "tidspunkt_koebenhavn",
    "tidspunkt_utc",
    "fase",
    "handling",
    "udfald",
    "bruger",
    "afdeling",
    "roller",
    "formaal",
    "borger_pseudonym",
    "noegle_id",
    "kategorier_anmodet",
    "kategorier_udleveret",
    "kategorier_tilbageholdt",
    "kategorier_utilgaengelige",
    "afvisningskoder",
    "grundlag",
    "samtykke_id",
    "kildesystemer",
    "antal_poster",
    "beslutning_id",
    "politikversion",
    "request_id",
    "event_id",
    "leaf_index",
    "fase_id",
    "handling_id",
    "udfald_id",
    "bruger_id",
    "afdeling_id",
    "roller_id",
    "formaal_id",
    "kategorier_anmodet_id",
    "kategorier_udleveret_id",
    "kategorier_tilbageholdt_id",
    "kategorier_utilgaengelige_id",
]
_CATEGORY_KEYS = ("requested", "granted", "withheld", "unavailable")


def _joined(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def csv_row(row: AuditEntryRow, catalogue: Catalogue) -> list[str]:
    """One CSV row; lists are joined with commas (the separator is a semicolon)."""
    entry: dict[str, Any] = entry_dict(row)
    actor: dict[str, Any] = entry.get("actor") or {}
    citizen: dict[str, Any] = entry.get("citizen") or {}
    cats: dict[str, Any] = entry.get("categories") or {}
    roles: list[str] = list(actor.get("roles") or [])
    by_kind = {k: list(cats.get(k) or []) for k in _CATEGORY_KEYS}
    return [
        row.recorded_at.astimezone(COPENHAGEN).strftime("%d-%m-%Y %H:%M:%S"),
        str(entry.get("time", "")),
        value_label(row.phase),
        value_label(row.action),
        value_label(row.outcome),
        str(actor.get("name") or row.actor_id),
        department_label(catalogue, row.actor_department),
        _joined(role_label(catalogue, r) for r in roles),
        purpose_label(catalogue, row.purpose),
        citizen.get("pseudonym", ""),
        citizen.get("key_id", ""),
        *(_joined(category_label(catalogue, c) for c in by_kind[k]) for k in _CATEGORY_KEYS),
        _joined(f"{k}={v}" for k, v in sorted((entry.get("denial_codes") or {}).items())),
        _joined(f"{b['category']}:{b['kind']}:{b['ref']}" for b in entry.get("bases") or []),
        _joined(entry.get("consent_ids") or []),
        _joined(entry.get("source_systems") or []),
        json.dumps(entry.get("record_counts") or {}, sort_keys=True, ensure_ascii=False),
        str(entry.get("decision_id") or ""),
        str(entry.get("policy_version") or ""),
        row.request_id,
        row.event_id,
        "" if row.leaf_index is None else str(row.leaf_index),
        row.phase,
        row.action,
        row.outcome,
        row.actor_id,
        row.actor_department or "",
        _joined(roles),
        row.purpose or "",
        *(_joined(by_kind[k]) for k in _CATEGORY_KEYS),
    ]


def _safe_cell(value: str) -> str:
    # Spreadsheet formula injection: a cell starting with = + - @ would be evaluated by Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow(
        [_safe_cell(v) for v in values]
    )
    return buffer.getvalue().encode("utf-8")


async def csv_export(
    session: AsyncSession, flt: AuditFilter, catalogue: Catalogue
) -> AsyncIterator[bytes]:
    """Every matching entry, oldest first, as CSV bytes (BOM first)."""
    yield "\ufeff".encode()
    yield _csv_line(CSV_HEADER)
    async for row in AnalyticsRepository(session).stream(flt):
        yield _csv_line(csv_row(row, catalogue))
