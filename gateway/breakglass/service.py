"""Break-glass episodes: opened by the shared view, reviewed by the DPO.

An episode is one user × one citizen × a window (``TVAERS_BREAK_GLASS_EPISODE_HOURS``,
default 4 h) from its first granted view. The view asks for a ``claim`` before the policy
decides (the policy names the episode in its grants), and ``record``s the episode after a
grant on basis ``break_glass``, in one transaction with the citizen's notice, before any data
moves. A justification is stored and audited with CPR-like digit runs removed.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.auth.principal import Principal
from gateway.breakglass.models import BreakGlassEpisodeRow
from gateway.catalogue.models import Catalogue
from gateway.consent.identity import CitizenIdentity
from gateway.consent.models import CitizenRow
from gateway.errors import StoreUnavailable
from gateway.keys import DataCipher
from gateway.notices import texts
from gateway.notices.outbox import NoticeOutbox

# Ten digits, optionally split by a dash or spaces: a CPR number, or something like one.
CPR_LIKE = re.compile(r"\d{6}[\s-]*\d{4}")
SCRUBBED = "[cpr fjernet]"
STORE_MESSAGE = "Nødadgang kan ikke registreres; intet udleveres / break-glass store unavailable"


async def ensure_citizen(
    session: AsyncSession, cipher: DataCipher, identity: CitizenIdentity, cpr: str, now: datetime
) -> None:
    """Keep the (encrypted) CPR, so that Digital Post can reach a citizen seen only here."""
    if await session.get(CitizenRow, identity.pseudonym) is None:
        key_id, blob = cipher.encrypt(cpr.encode("ascii"), aad=b"citizen.cpr")
        session.add(
            CitizenRow(
                pseudonym=identity.pseudonym,
                pseudonym_key_id=identity.key_id,
                cpr_ciphertext=blob,
                cpr_key_id=key_id,
                created_at=now,
            )
        )


def scrub(text: str) -> str:
    """The justification as stored and audited: CPR-like numbers removed, trimmed."""
    return CPR_LIKE.sub(SCRUBBED, text).strip()


@dataclass(frozen=True, slots=True)
class BreakGlassClaim:
    """What the view hands the policy: the justification and the episode it would join."""

    episode_id: str
    justification: str
    existing: bool

    def policy_input(self) -> dict[str, str]:
        return {"justification": self.justification, "episode": self.episode_id}


class _WindowedRecorder:
    """What episode and statute-notice recorders share: their own short transactions, the
    catalogue, the notice channels, the episode window and the CPR cipher."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        catalogue: Catalogue,
        channels: Sequence[str],
        window: timedelta,
        cipher: DataCipher,
    ) -> None:
        self._sessions = sessions
        self._catalogue = catalogue
        self._channels = tuple(channels)
        self._window = window
        self._cipher = cipher


class BreakGlassEpisodes(_WindowedRecorder):
    """Opens and extends episodes in short transactions of their own."""

    def applies_to(self, purpose: str) -> bool:
        found = self._catalogue.purposes.get(purpose)
        return found is not None and found.basis.kind == "break_glass"

    async def claim(
        self,
        principal: Principal,
        identity: CitizenIdentity,
        justification: str | None,
        *,
        now: datetime,
    ) -> BreakGlassClaim | None:
        """The claim for the policy: the caller's open episode for this citizen, or a new id.

        ``None`` without a justification (the policy then refuses). Nothing is stored here.
        """
        if justification is None:
            return None
        try:
            async with self._sessions() as session:
                open_episode = await session.scalar(
                    select(BreakGlassEpisodeRow.episode_id)
                    .where(
                        BreakGlassEpisodeRow.actor_id == principal.subject,
                        BreakGlassEpisodeRow.citizen_pseudonym.in_(identity.all_pseudonyms),
                        BreakGlassEpisodeRow.expires_at > now,
                    )
                    .order_by(BreakGlassEpisodeRow.opened_at.desc())
                    .limit(1)
                )
        except Exception as exc:
            raise StoreUnavailable(STORE_MESSAGE) from exc
        return BreakGlassClaim(
            episode_id=open_episode or str(uuid.uuid4()),
            justification=scrub(justification),
            existing=open_episode is not None,
        )

    async def record(
        self,
        claim: BreakGlassClaim,
        principal: Principal,
        identity: CitizenIdentity,
        *,
        cpr: str,
        purpose: str,
        categories: Sequence[str],
        now: datetime,
        request_id: str,
    ) -> None:
        """Store the episode (new, or one more view) and, for a new one, the citizen's notice.

        One transaction; raises ``StoreUnavailable`` so the view fails closed.
        """
        try:
            async with self._sessions() as session:
                row = await session.get(BreakGlassEpisodeRow, claim.episode_id)
                if row is not None:
                    row.categories = sorted(set(row.categories) | set(categories))
                    row.views += 1
                else:
                    row = BreakGlassEpisodeRow(
                        episode_id=claim.episode_id,
                        citizen_pseudonym=identity.pseudonym,
                        pseudonym_key_id=identity.key_id,
                        actor_id=principal.subject,
                        actor_department=principal.department,
                        actor_roles=sorted(principal.roles),
                        purpose=purpose,
                        justification=claim.justification,
                        opened_at=now,
                        expires_at=now + self._window,
                        categories=sorted(set(categories)),
                        views=1,
                        first_request_id=request_id,
                        review_status="pending",
                    )
                    session.add(row)
                    await ensure_citizen(session, self._cipher, identity, cpr, now)
                    await NoticeOutbox(session, channels=self._channels).enqueue(
                        pseudonym=identity.pseudonym,
                        kind="break_glass",
                        dedupe_key=f"break_glass:{claim.episode_id}",
                        reference=claim.episode_id,
                        text=texts.break_glass(
                            self._catalogue,
                            department=principal.department,
                            categories=sorted(set(categories)),
                            opened_at=now,
                            expires_at=now + self._window,
                        ),
                        now=now,
                    )
                await session.commit()
        except Exception as exc:
            raise StoreUnavailable(STORE_MESSAGE) from exc


class StatuteNotices(_WindowedRecorder):
    """One notice per disclosure under a statute basis per user × citizen × purpose × window.

    Views in the same window (``TVAERS_BREAK_GLASS_EPISODE_HOURS``) share one notice: the
    dedupe key names the window, so a busy afternoon is one letter, not twenty.
    """

    async def record(
        self,
        principal: Principal,
        identity: CitizenIdentity,
        *,
        cpr: str,
        purpose: str,
        categories: Sequence[str],
        now: datetime,
    ) -> None:
        bucket = int(now.timestamp() // self._window.total_seconds())
        scope = "\x1f".join((principal.subject, identity.pseudonym, purpose, str(bucket)))
        key = "statute:" + hashlib.sha256(scope.encode("utf-8")).hexdigest()
        try:
            async with self._sessions() as session:
                await ensure_citizen(session, self._cipher, identity, cpr, now)
                await NoticeOutbox(session, channels=self._channels).enqueue(
                    pseudonym=identity.pseudonym,
                    kind="statute_disclosure",
                    dedupe_key=key,
                    reference=purpose,
                    text=texts.statute_disclosure(
                        self._catalogue,
                        purpose=purpose,
                        department=principal.department,
                        categories=sorted(set(categories)),
                        at=now,
                    ),
                    now=now,
                )
                await session.commit()
        except IntegrityError:
            return  # a concurrent view of the same window queued the notice
        except Exception as exc:
            raise StoreUnavailable(STORE_MESSAGE) from exc
