"""Field minimisation: the last gate before data leaves (invariant 4)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from connectors.sdk import Record
from connectors.sdk.base import DROPPED, field_value
from connectors.sdk.types import Shape


def minimise(
    records: Iterable[Record],
    granted: Mapping[str, frozenset[str]],
    structured: Mapping[str, Shape] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Keep only records of granted categories, and only their granted fields.

    Whatever a connector returns beyond the grant — another category, an extra field — is
    dropped here, so a faulty or over-eager connector cannot widen what crosses. A field is a
    scalar unless the connector's manifest declares it ``structured``; then only its declared
    keys cross, recursively. A value that fits neither is dropped.
    """
    shapes = structured or {}
    out: dict[str, list[dict[str, Any]]] = {category: [] for category in granted}
    for record in records:
        fields = granted.get(record.category)
        if fields is None:
            continue
        kept: dict[str, Any] = {}
        for name, value in record.data.items():
            if name in fields:
                shaped = field_value(shapes, record.category, name, value)
                if shaped is not DROPPED:
                    kept[name] = shaped
        out[record.category].append(kept)
    return out
