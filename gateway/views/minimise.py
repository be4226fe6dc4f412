"""Field minimisation: the last gate before data leaves (invariant 4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.sdk import Record


def minimise(
    records: Iterable[Record], granted: Mapping[str, frozenset[str]]
) -> dict[str, list[dict[str, Any]]]:
    """Keep only records of granted categories, and only their granted fields.

    Whatever a connector returns beyond the grant — another category, an extra field — is
    dropped here, so a faulty or over-eager connector cannot widen what crosses.
    """
    out: dict[str, list[dict[str, Any]]] = {category: [] for category in granted}
    for record in records:
        fields = granted.get(record.category)
        if fields is None:
            continue
        out[record.category].append({k: v for k, v in record.data.items() if k in fields})
    return out
