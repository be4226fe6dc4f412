"""Builds the shared view's break-glass and statute-notice hooks from the app's settings."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.breakglass.service import BreakGlassEpisodes, StatuteNotices
from gateway.catalogue.models import Catalogue
from gateway.config import Settings
from gateway.keys import DataCipher
from gateway.notices.outbox import outside_channels


class DisclosureHooks(TypedDict):
    break_glass: BreakGlassEpisodes
    statute_notices: StatuteNotices


def disclosure_hooks(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    cipher: DataCipher,
) -> DisclosureHooks:
    """Keyword arguments for ``ViewService``: ``break_glass`` and ``statute_notices``."""
    window = timedelta(hours=settings.break_glass_episode_hours)
    channels = outside_channels(settings)
    return {
        "break_glass": BreakGlassEpisodes(
            sessions, catalogue=catalogue, channels=channels, window=window, cipher=cipher
        ),
        "statute_notices": StatuteNotices(
            sessions, catalogue=catalogue, channels=channels, window=window, cipher=cipher
        ),
    }
