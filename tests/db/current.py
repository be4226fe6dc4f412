"""The database of the running test, shared by the backend fixtures and ``running_gateway``.

A separate module (not the pytest plugin ``tests.db.backends``) so that ``tests.harness`` can
import it before pytest loads the plugin.
"""

from __future__ import annotations

_url = ""


def current_database_url() -> str:
    """The running test's database URL ("" = SQLite in the gateway's data directory)."""
    return _url


def set_current_database_url(url: str) -> None:
    global _url
    _url = url
