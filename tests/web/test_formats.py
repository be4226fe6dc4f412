"""Copenhagen time in Danish formats; every message in both languages."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.web import i18n, portal_text  # noqa: F401  (registers portal messages)
from gateway.web.timefmt import format_date, format_datetime, format_short


def test_danish_datetime_in_copenhagen_winter_and_summer() -> None:
    assert (
        format_datetime(datetime(2026, 11, 22, 13, 5, tzinfo=UTC)) == "22. november 2026 kl. 14.05"
    )
    assert format_datetime(datetime(2026, 7, 1, 12, 5, tzinfo=UTC)) == "1. juli 2026 kl. 14.05"
    assert (
        format_datetime(datetime(2026, 11, 22, 13, 5, tzinfo=UTC), "en")
        == "22 November 2026 at 14:05"
    )


def test_date_crosses_midnight_in_copenhagen() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert format_date(late) == "1. januar 2027"
    assert format_short(late) == "01.01.2027 00.30"


def test_naive_timestamps_are_taken_as_utc() -> None:
    assert format_datetime(datetime(2026, 11, 22, 13, 5)) == "22. november 2026 kl. 14.05"


def test_messages_have_both_languages_and_placeholders_match() -> None:
    import string

    for key in i18n.known_keys():
        da = {f for _, f, _, _ in string.Formatter().parse(i18n.translate(key, "da")) if f}
        en = {f for _, f, _, _ in string.Formatter().parse(i18n.translate(key, "en")) if f}
        assert da == en, key


def test_unknown_language_cookie_falls_back_to_danish() -> None:
    assert i18n.translate("portal.title", "xx") == "Mine samtykker"
