"""Caller-supplied catalogue identifiers: their shape, and the codes audit entries record.

A purpose or category id arrives from a caller as free text. Only the catalogue's own ids
may reach an audit entry (and so a citizen's "min log" and the DPO console): an unknown id
is recorded as a code (``unknown_purpose`` / ``unknown_category``), never as the caller's
string, which could be a CPR number, a message or markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: A purpose id: lower-case ASCII letters, digits and underscores, starting with a letter.
PURPOSE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
#: A category id: ``<department>.<name>``, each part shaped like a purpose id.
CATEGORY_PATTERN = r"^[a-z][a-z0-9_]{0,31}\.[a-z][a-z0-9_]{0,63}$"

UNKNOWN_PURPOSE = "unknown_purpose"
UNKNOWN_CATEGORY = "unknown_category"

_PURPOSE = re.compile(PURPOSE_PATTERN)
_CATEGORY = re.compile(CATEGORY_PATTERN)


def is_purpose_id(value: str) -> bool:
    return bool(_PURPOSE.fullmatch(value))


def is_category_id(value: str) -> bool:
    return bool(_CATEGORY.fullmatch(value)) or value == UNKNOWN_CATEGORY


def purpose_code(purpose: str, known: Mapping[str, object]) -> str:
    """The purpose id if the catalogue knows it, else ``unknown_purpose``."""
    return purpose if purpose in known else UNKNOWN_PURPOSE


def category_codes(categories: Iterable[str], known: Mapping[str, object]) -> list[str]:
    """Known category ids, sorted and unique; every unknown one becomes ``unknown_category``."""
    return sorted({c if c in known else UNKNOWN_CATEGORY for c in categories})
