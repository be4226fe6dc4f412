"""Dates and times as people in Denmark read them: Europe/Copenhagen, Danish formats."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime

TZ = ZoneInfo("Europe/Copenhagen")

# "22. november 2026 kl. 14.05" / "22 November 2026 at 14:05"
_DATETIME = {"da": "d. MMMM y 'kl.' HH.mm", "en": "d MMMM y 'at' HH:mm"}
_DATE = {"da": "d. MMMM y", "en": "d MMMM y"}
_SHORT = {"da": "dd.MM.y HH.mm", "en": "dd/MM/y HH:mm"}


def _aware(moment: datetime) -> datetime:
    # Stored timestamps are UTC; SQLite may hand them back naive.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local(moment: datetime) -> datetime:
    """The moment in Copenhagen time."""
    return _aware(moment).astimezone(TZ)


def format_datetime(moment: datetime | None, lang: str = "da") -> str:
    """``22. november 2026 kl. 14.05`` (da) or ``22 November 2026 at 14:05`` (en)."""
    if moment is None:
        return ""
    pattern = _DATETIME.get(lang, _DATETIME["da"])
    return _babel_datetime(_aware(moment), pattern, tzinfo=TZ, locale=_locale(lang))


def format_date(moment: datetime | None, lang: str = "da") -> str:
    """``22. november 2026`` (da) or ``22 November 2026`` (en), in Copenhagen time."""
    if moment is None:
        return ""
    return _babel_date(local(moment).date(), _DATE.get(lang, _DATE["da"]), locale=_locale(lang))


def format_short(moment: datetime | None, lang: str = "da") -> str:
    """Compact form for tables: ``22.11.2026 14.05``."""
    if moment is None:
        return ""
    pattern = _SHORT.get(lang, _SHORT["da"])
    return _babel_datetime(_aware(moment), pattern, tzinfo=TZ, locale=_locale(lang))


def iso(moment: datetime | None) -> str:
    """Machine-readable value for ``<time datetime=...>``."""
    return "" if moment is None else local(moment).isoformat(timespec="seconds")


def _locale(lang: str) -> str:
    return "en_GB" if lang == "en" else "da_DK"
