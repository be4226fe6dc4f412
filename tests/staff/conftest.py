from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import demo_cpr, view


def now() -> datetime:
    return datetime.now(UTC)


__all__ = ["demo_cpr", "now", "view"]
