"""Canonical JSON for audit entries: the exact bytes that are hashed into the log.

The serialisation is JSON with keys sorted by code point, no insignificant
white space, UTF-8 without escaping non-ASCII characters, and no floating-point
numbers (entries hold strings, integers, booleans, null, lists and objects only).
For that value space this equals RFC 8785 (JCS) output, and ``json.dumps`` has
produced it identically on every CPython 3 release, so the bytes are stable
across Python versions. Floats are refused because their text form is the one
part of JSON whose canonical form differs between implementations.
"""

from __future__ import annotations

import json
from typing import Any


class NonCanonicalValue(ValueError):
    """The value holds something canonical JSON does not allow (e.g. a float)."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        raise NonCanonicalValue(f"float at {path or '$'} is not allowed in canonical JSON")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NonCanonicalValue(f"non-string key at {path or '$'}")
            _check(item, f"{path}.{key}")
        return
    raise NonCanonicalValue(f"{type(value).__name__} at {path or '$'} is not JSON")


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` to canonical JSON bytes (see module docstring)."""
    _check(value, "")
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
