"""Consent rules: record, search, withdraw. Validates against the catalogue; never commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.audit.entries.repository import AuditRepository
from gateway.auth.principal import Principal
from gateway.catalogue.identifiers import purpose_code
from gateway.catalogue.models import Catalogue
from gateway.consent.backdating import DEFAULT_CLOCK_SKEW, check_not_backdated
from gateway.consent.events import citizen_event, consent_event
from gateway.consent.identity import CitizenIdentity, identify
from gateway.consent.models import CitizenRow, ConsentRow
from gateway.consent.receipts import ReceiptSigner
from gateway.consent.repository import ConsentRepository
from gateway.consent.representation import (
    NOT_FOUND,
    Authority,
    Representation,
    RepresentationNotFound,
)
from gateway.consent.schemas import (
    ActedBy,
    ConsentCreate,
    ConsentEvent,
    ConsentRead,
    ConsentScope,
    ConsentSearch,
    ConsentStatus,
)
from gateway.consent.search_scope import as_seen_by, visible_to
from gateway.consent.staff_rules import (
    PENDING,
    check_confirmable,
    check_staff_confirmer,
    check_staff_recorded,
    confirming_departments,
    usable_categories,
)
from gateway.consent.terms import ConsentTerms, lawful_basis
from gateway.cpr import normalise_cpr
from gateway.errors import (
    Conflict,
    ConsentNotFound,
    ConsentStoreUnavailable,
    InvalidRequest,
    NotPermitted,
)
from gateway.keys import DataCipher, Pseudonymiser
from gateway.notices import texts
from gateway.notices.outbox import NoticeOutbox
from gateway.policy.input import ConsentFacts, ScopeFacts
from gateway.text import Text

RECEIPT_FORMAT = "tvaers-consent-receipt/2"
WITHDRAWAL_RECEIPT_FORMAT = "tvaers-withdrawal-receipt/1"


def effective_status(row: ConsentRow, now: datetime) -> ConsentStatus:
    if row.status == "withdrawn":
        return "withdrawn"
    if row.valid_until <= now:
        return "expired"
    if row.status == PENDING:
        return "pending_confirmation"
    return "active"


def _event(
    event: str,
    principal: Principal,
    *,
    at: datetime,
    via: str | None = None,
    evidence_ref: str | None = None,
) -> dict[str, str | None]:
    return {
        "event": event,
        "at": at.astimezone(UTC).isoformat(),
        "by": principal.subject,
        "department": principal.department,
        "via": via,
        "evidence_ref": evidence_ref,
    }


def consent_read(row: ConsentRow, now: datetime) -> ConsentRead:
    return ConsentRead(
        consent_id=row.consent_id,
        purpose=row.purpose,
        categories=list(row.categories),
        source_departments=list(row.source_departments),
        recipient_departments=list(row.recipient_departments),
        scope=ConsentScope.model_validate(row.scope) if row.scope else None,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        status=effective_status(row, now),
        collection_method=row.collection_method,
        recorded_by=row.recorded_by,
        evidence_ref=row.evidence_ref,
        notice_version=row.notice_version,
        notice_language=row.notice_language,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_via=row.withdrawn_via,
        granted_fields=row.granted_fields,
        notice_sha256=row.notice_sha256,
        controller=row.controller,
        lawful_basis=row.lawful_basis,
        retention=row.retention,
        jurisdiction=row.jurisdiction,
        withdrawal_method=row.withdrawal_method,
        awaiting_confirmation=list(row.awaiting_confirmation or [])
        if row.status == PENDING
        else [],
        confirmed_at=row.confirmed_at,
        confirmed_via=row.confirmed_via,
        withdrawal_evidence_ref=row.withdrawal_evidence_ref,
        withdrawal_receipt=row.withdrawal_receipt,
        history=[ConsentEvent.model_validate(e) for e in row.history or []],
        granted_by_representative=(
            ActedBy.model_validate(row.representation) if row.representation else None
        ),
        withdrawn_by_representative=(
            ActedBy.model_validate(row.withdrawal_representation)
            if row.withdrawal_representation
            else None
        ),
    )


def _scope_facts(scope: dict[str, object] | None) -> ScopeFacts | None:
    """A stored scope as the policy reads it. A scope that does not decode names nobody
    (fail closed), never the whole department."""
    if scope is None:
        return None
    members = scope.get("members")
    teams = scope.get("teams")
    return ScopeFacts(
        members=tuple(str(m) for m in members) if isinstance(members, list) else (),
        teams=tuple(str(t) for t in teams) if isinstance(teams, list) else (),
    )


class ConsentService:
    """Records, finds and withdraws consents for one request's session."""

    def __init__(
        self,
        session: AsyncSession,
        *,
        catalogue: Catalogue,
        cipher: DataCipher,
        pseudonymiser: Pseudonymiser,
        signer: ReceiptSigner,
        notice_channels: Sequence[str] = (),
        clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
        terms: ConsentTerms | None = None,
        representation: Representation | None = None,
    ) -> None:
        # None only where nothing is recorded (validation, the policy's read-only path).
        self._terms = terms
        self._clock_skew = clock_skew
        self.representation = representation
        self._repo = ConsentRepository(session)
        # Action audit entries go into the same transaction as the change they record.
        self._audit = AuditRepository(session)
        # So do notices to the citizen (the outbox): both commit with the change, or neither.
        self.outbox = NoticeOutbox(session, channels=notice_channels)
        self._catalogue = catalogue
        self._cipher = cipher
        self._pseudonymiser = pseudonymiser
        self._signer = signer

    async def ensure_citizen(self, cpr: str, *, now: datetime) -> CitizenIdentity:
        identity = identify(self._pseudonymiser, cpr)
        if await self._repo.citizen(identity.pseudonym) is None:
            key_id, blob = self._cipher.encrypt(cpr.encode("ascii"), aad=b"citizen.cpr")
            await self._repo.add_citizen(
                CitizenRow(
                    pseudonym=identity.pseudonym,
                    pseudonym_key_id=identity.key_id,
                    cpr_ciphertext=blob,
                    cpr_key_id=key_id,
                    created_at=now,
                )
            )
        return identity

    def with_window(self, body: ConsentCreate, *, now: datetime) -> ConsentCreate:
        """``body`` with ``valid_until`` filled in: a scoped consent under a purpose with a
        default meeting length lasts that long from ``valid_from`` unless it says otherwise."""
        if body.valid_until is not None:
            return body
        purpose = self._catalogue.purposes.get(body.purpose)
        minutes = purpose.meeting_validity_minutes if purpose is not None else None
        if body.scope is None or minutes is None:
            raise InvalidRequest(
                Text(
                    da="Slutdato (valid_until) mangler; kun et samtykke til et møde under et "
                    "formål med en mødelængde kan undvære den",
                    en="valid_until required (only a scoped consent under a purpose with a "
                    "default meeting length may omit it)",
                ),
                code="valid_until_required",
                field="valid_until",
            )
        start = body.valid_from or now
        return body.model_copy(update={"valid_until": start + timedelta(minutes=minutes)})

    def validate(self, body: ConsentCreate, principal: Principal, *, now: datetime) -> None:
        """Check a consent against the catalogue and the caller; raise ``InvalidRequest``."""
        body = self.with_window(body, now=now)
        assert body.valid_until is not None
        purpose = self._catalogue.purposes.get(body.purpose)
        if purpose is None:
            raise InvalidRequest(
                Text(da="Ukendt formål", en="unknown purpose"), code="unknown_purpose"
            )
        if purpose.basis.kind != "consent":
            raise InvalidRequest(
                Text(
                    da="Formålet har hjemmel i lov og kræver ikke samtykke",
                    en="purpose needs no consent",
                ),
                code="purpose_not_consent_based",
            )
        outside = sorted(set(body.categories) - set(purpose.categories))
        if outside:
            raise InvalidRequest(
                f"Kategorier uden for formålet / categories outside the purpose: {outside}",
                code="category_not_in_purpose",
            )
        category_departments = {self._catalogue.department_of(c) for c in body.categories}
        sources = set(body.source_departments or category_departments)
        unknown = (sources | set(body.recipient_departments)) - set(self._catalogue.departments)
        if unknown:
            raise InvalidRequest(f"Ukendte forvaltninger / unknown departments: {sorted(unknown)}")
        if not category_departments <= sources:
            raise InvalidRequest(
                Text(
                    da="Hver kategoris forvaltning skal være afgiver",
                    en="each category's department must be a source department",
                ),
                code="source_mismatch",
            )
        bad_recipients = set(body.recipient_departments) - set(purpose.requesting_departments)
        if bad_recipients:
            raise InvalidRequest(
                f"Modtagere uden for formålet / recipients outside the purpose: "
                f"{sorted(bad_recipients)}",
                code="recipient_not_in_purpose",
            )
        valid_from = body.valid_from or now
        check_not_backdated(body, now=now, skew=self._clock_skew)
        if body.valid_until <= valid_from:
            raise InvalidRequest(
                Text(da="Slutdato før startdato", en="valid_until before valid_from")
            )
        if body.valid_until > valid_from + timedelta(days=purpose.max_consent_days):
            raise InvalidRequest(
                f"Samtykket må højst gælde {purpose.max_consent_days} dage / "
                f"at most {purpose.max_consent_days} days",
                code="validity_too_long",
            )
        if principal.kind == "citizen":
            if body.collection_method != "citizen_portal":
                raise InvalidRequest("Borgere giver samtykke via citizen_portal")
        else:
            if body.collection_method == "citizen_portal":
                raise InvalidRequest(
                    Text(
                        da="Medarbejdere registrerer skriftligt eller mundtligt samtykke",
                        en="employees record written_form or oral_recorded consents",
                    )
                )
            if not body.evidence_ref:
                raise InvalidRequest(
                    Text(da="Dokumentation (evidence_ref) er påkrævet", en="evidence_ref required"),
                    code="evidence_required",
                )
            check_staff_recorded(principal, purpose)

    async def create(
        self, body: ConsentCreate, principal: Principal, *, now: datetime, correlation_id: str
    ) -> tuple[ConsentRow, CitizenIdentity]:
        """Record a consent (``POST /v1/consents``): validated, stored, receipted and audited.

        A citizen naming another citizen's CPR acts as their representative: allowed only
        under an authority in force for the purpose (else 404, whatever the reason)."""
        row, identity = await self.store(body, principal, now=now)
        self._audit.add(
            [
                consent_event(
                    "consent.create",
                    principal,
                    identity,
                    row,
                    request_id=correlation_id,
                    representation=row.representation,
                )
            ]
        )
        return row, identity

    async def acting_for(
        self,
        cpr: str | None,
        principal: Principal,
        *,
        purpose: str | None,
        action: Literal["view", "grant", "withdraw"],
        now: datetime,
    ) -> tuple[str, Authority | None]:
        """Whose CPR the action is for, and the authority when the caller represents them."""
        if principal.kind == "citizen" and cpr is not None:
            assert principal.cpr is not None
            wanted = normalise_cpr(cpr)
            if wanted != normalise_cpr(principal.cpr):
                if self.representation is None:
                    raise RepresentationNotFound(NOT_FOUND)
                authority = await self.representation.authority_for(
                    principal, represented_cpr=wanted, purpose=purpose, action=action, now=now
                )
                return wanted, authority
        return self.cpr_for(cpr, principal), None

    async def store(
        self, body: ConsentCreate, principal: Principal, *, now: datetime
    ) -> tuple[ConsentRow, CitizenIdentity]:
        """Validate and store a new consent with its signed receipt; the caller audits it."""
        cpr, authority = await self.acting_for(
            body.cpr, principal, purpose=body.purpose, action="grant", now=now
        )
        body = self.with_window(body, now=now)
        self.validate(body, principal, now=now)
        assert body.valid_until is not None
        if authority is not None and body.valid_until > authority.valid_until:
            raise InvalidRequest(
                Text(
                    da="Samtykket må ikke gælde længere end din fuldmagt eller dit værgemål",
                    en="the consent may not outlast your authority",
                ),
                code="beyond_authority",
                field="valid_until",
            )
        representation = authority.record(principal) if authority is not None else None
        identity = await self.ensure_citizen(cpr, now=now)
        categories = sorted(set(body.categories))
        sources = sorted(
            set(body.source_departments or {self._catalogue.department_of(c) for c in categories})
        )
        consent_id = str(uuid.uuid4())
        valid_from = (body.valid_from or now).astimezone(UTC)
        purpose = self._catalogue.purposes[body.purpose]
        terms = self._require_terms()
        notice = terms.notice(body.notice_version, body.notice_language)
        if notice is None:
            raise InvalidRequest(
                Text(da="Ukendt version af samtykketeksten", en="unknown notice version"),
                code="unknown_notice_version",
                field="notice_version",
            )
        # The snapshot: the fields the purpose grants today, never widened by a later change.
        granted_fields = {c: sorted(purpose.categories[c]) for c in categories}
        basis = lawful_basis(self._catalogue, body.purpose, categories)
        awaiting = confirming_departments(
            self._catalogue,
            categories,
            collection_method=body.collection_method,
            recorder_department=principal.department,
        )
        status = PENDING if awaiting else "active"
        controller = {**terms.controller(), "dpo_contact": terms.dpo_contact}
        recipients = sorted(set(body.recipient_departments))
        scope = body.scope.model_dump(mode="json") if body.scope is not None else None
        receipt = self._signer.sign(
            {
                "receipt_type": "consent",
                "receipt_format": RECEIPT_FORMAT,
                "record_schema": "ISO/IEC TS 27560:2023 (consent record, subset)",
                "consent_id": consent_id,
                "controller": controller,
                "jurisdiction": terms.jurisdiction,
                "purpose": {"id": body.purpose, "title": purpose.title.da},
                "lawful_basis": basis,
                "pii_categories": categories,
                "granted_fields": granted_fields,
                "source_departments": sources,
                "recipient_departments": recipients,
                "scope": scope,
                "valid_from": valid_from.isoformat(),
                "valid_until": body.valid_until.astimezone(UTC).isoformat(),
                "collection_method": body.collection_method,
                "notice": {
                    "version": notice.version,
                    "language": notice.language,
                    "sha256": notice.sha256,
                },
                "retention": terms.retention,
                "withdrawal_method": terms.withdrawal_method,
                "status": status,
                "awaiting_confirmation": awaiting,
                "recorded_by": principal.subject,
                "recorded_by_department": principal.department,
                "representation": representation,
                "created_at": now.isoformat(),
                **(
                    {"evidence_date": body.evidence_date.isoformat()}
                    if body.evidence_date is not None
                    else {}
                ),
            }
        )
        row = ConsentRow(
            consent_id=consent_id,
            citizen_pseudonym=identity.pseudonym,
            purpose=body.purpose,
            categories=categories,
            source_departments=sources,
            recipient_departments=recipients,
            scope=scope,
            representation=representation,
            valid_from=valid_from,
            valid_until=body.valid_until.astimezone(UTC),
            status=status,
            collection_method=body.collection_method,
            recorded_by=principal.subject,
            recorded_by_department=principal.department,
            evidence_ref=body.evidence_ref,
            notice_version=notice.version,
            notice_language=notice.language,
            notice_sha256=notice.sha256,
            granted_fields=granted_fields,
            controller=controller,
            lawful_basis=basis,
            retention=terms.retention,
            jurisdiction=terms.jurisdiction,
            withdrawal_method=terms.withdrawal_method,
            awaiting_confirmation=awaiting or None,
            history=[
                _event(
                    "created",
                    principal,
                    at=now,
                    via=body.collection_method,
                    evidence_ref=body.evidence_ref,
                )
            ],
            created_at=now,
            receipt=receipt,
        )
        self._repo.add(row)
        if authority is not None:  # a representative acted: tell the citizen
            await self.outbox.enqueue(
                pseudonym=identity.pseudonym,
                kind="consent_recorded",
                dedupe_key=f"consent_recorded:{consent_id}",
                reference=consent_id,
                text=texts.consent_by_representative(
                    self._catalogue,
                    purpose=body.purpose,
                    representative=principal.name,
                    kind=authority.kind,
                    withdrawn=False,
                ),
                now=now,
            )
        elif principal.kind != "citizen":  # staff-recorded: tell the citizen
            await self.outbox.enqueue(
                pseudonym=identity.pseudonym,
                kind="consent_recorded",
                dedupe_key=f"consent_recorded:{consent_id}",
                reference=consent_id,
                text=texts.consent_recorded(
                    self._catalogue,
                    purpose=body.purpose,
                    department=principal.department,
                    categories=categories,
                    valid_until=row.valid_until,
                    pending=bool(awaiting),
                ),
                now=now,
            )
        return row, identity

    def terms_for_notices(self) -> dict[str, str]:
        """Controller, DPO contact and retention for a notice to the citizen ({} without)."""
        if self._terms is None:
            return {}
        return {
            "controller": f"{self._terms.controller_name} ({self._terms.controller_contact})",
            "dpo_contact": self._terms.dpo_contact,
            "retention": self._terms.retention,
        }

    def _require_terms(self) -> ConsentTerms:
        if self._terms is None:
            raise RuntimeError("ConsentService records consents only with ConsentTerms")
        return self._terms

    def cpr_for(self, cpr: str | None, principal: Principal) -> str:
        if principal.kind == "citizen":
            assert principal.cpr is not None
            own = normalise_cpr(principal.cpr)
            if cpr is not None and normalise_cpr(cpr) != own:
                raise NotPermitted(
                    Text(da="Du kan kun give samtykke for dig selv", en="only for yourself")
                )
            return own
        if cpr is None:
            raise InvalidRequest(
                Text(da="CPR-nummer mangler", en="cpr required"), code="cpr_required"
            )
        return normalise_cpr(cpr)

    async def search(
        self, body: ConsentSearch, principal: Principal, *, now: datetime, correlation_id: str
    ) -> list[ConsentRead]:
        """A citizen's consents found by CPR (``POST /v1/consents/search``); the search is
        itself audited."""
        identity = identify(self._pseudonymiser, normalise_cpr(body.cpr))
        rows = await self.for_citizen(identity, purpose=body.purpose)
        # Need to know: only consents the caller's department is party to; the DPO sees
        # all, redacted (``gateway.consent.search_scope``).
        items = [
            as_seen_by(principal, consent_read(r, now), self._catalogue)
            for r in rows
            if visible_to(principal, r)
        ]
        if not body.include_inactive:
            items = [i for i in items if i.status == "active"]
        self._audit.add(
            [
                citizen_event(
                    "consent.search",
                    principal,
                    identity,
                    request_id=correlation_id,
                    purpose=body.purpose and purpose_code(body.purpose, self._catalogue.purposes),
                    consent_ids=[i.consent_id for i in items],
                )
            ]
        )
        return items

    async def mine(self, principal: Principal) -> list[ConsentRow]:
        """The calling citizen's own consents (under every pseudonym key), newest first."""
        assert principal.cpr is not None
        return await self.for_citizen(identify(self._pseudonymiser, normalise_cpr(principal.cpr)))

    def pseudonyms_of(self, principal: Principal) -> list[str]:
        """Every pseudonym of the calling citizen (for ownership checks)."""
        assert principal.cpr is not None
        return identify(self._pseudonymiser, normalise_cpr(principal.cpr)).all_pseudonyms

    async def for_citizen(
        self, identity: CitizenIdentity, *, purpose: str | None = None
    ) -> list[ConsentRow]:
        try:
            return await self._repo.for_citizen(identity.all_pseudonyms, purpose=purpose)
        except SQLAlchemyError as exc:
            raise ConsentStoreUnavailable(
                Text(
                    da="Samtykkeregistret svarer ikke; intet udleveres",
                    en="consent store unavailable",
                )
            ) from exc

    async def facts_for_policy(
        self, identity: CitizenIdentity, *, purpose: str
    ) -> list[ConsentFacts]:
        """The citizen's consents for ``purpose`` as the policy input needs them."""
        rows = await self.for_citizen(identity, purpose=purpose)
        return [
            ConsentFacts(
                consent_id=r.consent_id,
                purpose=r.purpose,
                status="withdrawn" if r.status == "withdrawn" else "active",
                categories=usable_categories(self._catalogue, r),
                source_departments=tuple(r.source_departments),
                recipient_departments=tuple(r.recipient_departments),
                valid_from=r.valid_from,
                valid_until=r.valid_until,
                fields=r.granted_fields,
                scope=_scope_facts(r.scope),
            )
            for r in rows
            # Only active (and, for the denial reason, withdrawn) consents reach the policy:
            # one pending confirmation is no basis and is not shown to it at all.
            if r.status in ("active", "withdrawn")
        ]

    async def confirm(
        self,
        consent_id: str,
        principal: Principal,
        *,
        now: datetime,
        evidence_ref: str | None,
        correlation_id: str,
    ) -> ConsentRow:
        """Confirm a ``pending_confirmation`` consent, audited: by the citizen themselves
        (portal or API), or by an employee of a source department that must confirm it (for
        health data a health professional, who records it in the journal: ``evidence_ref``).
        The API and the pages both call this."""
        row = await self._repo.get(consent_id, for_update=True)
        if row is None:
            raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))
        if principal.kind == "citizen":
            if row.citizen_pseudonym not in self.pseudonyms_of(principal):
                raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))
            check_confirmable(row, now=now)
            via, remaining = "citizen_portal", []
        else:
            department = check_staff_confirmer(
                principal, row, self._catalogue, evidence_ref=evidence_ref
            )
            check_confirmable(row, now=now, department=department)
            via = "source_department"
            remaining = [d for d in row.awaiting_confirmation or [] if d != department]
        row.history = [
            *(row.history or []),
            _event("confirmed", principal, at=now, via=via, evidence_ref=evidence_ref),
        ]
        row.awaiting_confirmation = remaining or None
        if not remaining:
            row.status = "active"
            row.confirmed_at = now
            row.confirmed_by = principal.subject
            row.confirmed_via = via
        identity = await self.identity_of(row.citizen_pseudonym)
        self._audit.add(
            [consent_event("consent.confirm", principal, identity, row, request_id=correlation_id)]
        )
        if principal.kind != "citizen":
            await self.outbox.enqueue(
                pseudonym=row.citizen_pseudonym,
                kind="consent_confirmed",
                dedupe_key=f"consent_confirmed:{row.consent_id}:{principal.department}",
                reference=row.consent_id,
                text=texts.consent_confirmed(
                    self._catalogue, purpose=row.purpose, department=principal.department
                ),
                now=now,
            )
        return row

    async def pending_for_department(
        self, department: str, *, now: datetime
    ) -> list[tuple[ConsentRow, str]]:
        """Consents awaiting ``department``'s confirmation, with each citizen's CPR (for the
        health professional's page: they look the citizen up in their own journal)."""
        rows = await self._repo.pending(limit=200)
        found = []
        for row in rows:
            if department not in (row.awaiting_confirmation or []) or row.valid_until <= now:
                continue
            citizen = await self._repo.citizen(row.citizen_pseudonym)
            if citizen is None:
                continue
            cpr = self._cipher.decrypt(
                citizen.cpr_key_id, citizen.cpr_ciphertext, aad=b"citizen.cpr"
            ).decode("ascii")
            found.append((row, cpr))
        return found

    async def withdraw(
        self,
        consent_id: str,
        principal: Principal,
        *,
        now: datetime,
        via: str | None,
        evidence_ref: str | None,
        correlation_id: str,
    ) -> ConsentRow:
        """Withdraw a consent, audited. Citizens only their own; employees of a named
        department. The API and the portal both call this."""
        row = await self._repo.get(consent_id, for_update=True)
        if row is None:
            raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))
        authority: Authority | None = None
        if principal.kind == "citizen":
            assert principal.cpr is not None
            if row.citizen_pseudonym not in self.pseudonyms_of(principal):
                authority = await self._authority_over(row, principal, now=now)
                if authority is None:
                    # Same answer as a missing consent: do not reveal that it exists.
                    raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))
            method = via or "citizen_portal"
        else:
            involved = set(row.recipient_departments) | set(row.source_departments)
            if principal.department not in involved:
                raise ConsentNotFound(Text(da="Samtykket findes ikke", en="consent not found"))
            method = via or "written_form"
            if method == "citizen_portal":
                raise InvalidRequest(
                    "Medarbejdere registrerer skriftlig eller mundtlig tilbagekaldelse"
                )
            if not evidence_ref:
                raise InvalidRequest(
                    Text(da="Dokumentation (evidence_ref) er påkrævet", en="evidence_ref required"),
                    code="evidence_required",
                )
        if row.status == "withdrawn":
            raise Conflict(Text(da="Samtykket er allerede tilbagekaldt", en="already withdrawn"))
        # A citizen's own withdrawal is evidenced by the audited request itself.
        evidence = evidence_ref or f"tvaers:request:{correlation_id}"
        row.status = "withdrawn"
        row.withdrawn_at = now
        row.withdrawn_via = method
        row.withdrawn_by = principal.subject
        row.withdrawal_evidence_ref = evidence
        row.awaiting_confirmation = None
        row.history = [
            *(row.history or []),
            _event("withdrawn", principal, at=now, via=method, evidence_ref=evidence),
        ]
        representation = authority.record(principal) if authority is not None else None
        row.withdrawal_representation = representation
        row.withdrawal_receipt = self._signer.sign(
            {
                "receipt_type": "withdrawal",
                "receipt_format": WITHDRAWAL_RECEIPT_FORMAT,
                "consent_id": row.consent_id,
                "consent_receipt_sha256": hashlib.sha256(row.receipt.encode("ascii")).hexdigest(),
                "controller": row.controller
                or (
                    {**self._terms.controller(), "dpo_contact": self._terms.dpo_contact}
                    if self._terms
                    else None
                ),
                "purpose": {"id": row.purpose},
                "pii_categories": list(row.categories),
                "notice": {"version": row.notice_version, "sha256": row.notice_sha256},
                "lawful_basis": row.lawful_basis
                or lawful_basis(self._catalogue, row.purpose, row.categories),
                "withdrawn_at": now.astimezone(UTC).isoformat(),
                "withdrawn_via": method,
                "withdrawn_by": principal.subject,
                "evidence_ref": evidence,
                "representation": representation,
            }
        )
        identity = await self.identity_of(row.citizen_pseudonym)
        self._audit.add(
            [
                consent_event(
                    "consent.withdraw",
                    principal,
                    identity,
                    row,
                    request_id=correlation_id,
                    representation=representation,
                )
            ]
        )
        text = (
            texts.consent_withdrawn(self._catalogue, purpose=row.purpose, at=now)
            if authority is None
            else texts.consent_by_representative(
                self._catalogue,
                purpose=row.purpose,
                representative=principal.name,
                kind=authority.kind,
                withdrawn=True,
            )
        )
        await self.outbox.enqueue(
            pseudonym=row.citizen_pseudonym,
            kind="consent_withdrawn",
            dedupe_key=f"consent_withdrawn:{row.consent_id}",
            reference=row.consent_id,
            text=text,
            now=now,
        )
        return row

    async def _authority_over(
        self, row: ConsentRow, principal: Principal, *, now: datetime
    ) -> Authority | None:
        """The caller's authority to withdraw ``row`` for the citizen it belongs to, if any."""
        if self.representation is None:
            return None
        for authority in await self.representation.held_by(principal, now=now):
            if not authority.covers(purpose=row.purpose, action="withdraw", now=now):
                continue
            represented = identify(self._pseudonymiser, authority.represented_cpr)
            if row.citizen_pseudonym in represented.all_pseudonyms:
                return authority
        return None

    async def row(self, consent_id: str) -> ConsentRow | None:
        """One consent by id (callers check who may see it)."""
        return await self._repo.get(consent_id)

    async def represented(self, principal: Principal, *, now: datetime) -> list[Authority]:
        """Whom the caller may act for now (``GET /v1/me/represented``)."""
        if self.representation is None:
            return []
        return await self.representation.held_by(principal, now=now)

    async def represented_consents(
        self, cpr: str, principal: Principal, *, now: datetime, correlation_id: str
    ) -> list[ConsentRead]:
        """A represented citizen's consents, for the purposes the caller's authority covers
        (``POST /v1/me/represented/consents``); audited in the citizen's log. 404 otherwise."""
        wanted, authority = await self.acting_for(
            cpr, principal, purpose=None, action="view", now=now
        )
        if authority is None:  # one's own CPR: the ordinary list
            rows = await self.mine(principal)
            return [consent_read(r, now) for r in rows]
        identity = identify(self._pseudonymiser, wanted)
        rows = [
            r
            for r in await self.for_citizen(identity)
            if authority.purposes is None or r.purpose in authority.purposes
        ]
        self._audit.add(
            [
                citizen_event(
                    "consent.search",
                    principal,
                    identity,
                    request_id=correlation_id,
                    consent_ids=[r.consent_id for r in rows],
                    representation=authority.record(principal),
                )
            ]
        )
        return [consent_read(r, now) for r in rows]

    async def expiring_for_department(
        self, department: str, *, now: datetime, days: int = 30
    ) -> list[tuple[ConsentRow, str]]:
        """Active consents to ``department`` that end within ``days``, with each citizen's CPR
        (decrypted for the caseworker's page, which refers to it by an opaque token)."""
        rows = await self._repo.expiring(after=now, before=now + timedelta(days=days))
        found = []
        for row in rows:
            if department not in row.recipient_departments:
                continue
            citizen = await self._repo.citizen(row.citizen_pseudonym)
            if citizen is None:
                continue
            cpr = self._cipher.decrypt(
                citizen.cpr_key_id, citizen.cpr_ciphertext, aad=b"citizen.cpr"
            ).decode("ascii")
            found.append((row, cpr))
        return found

    async def identity_of(self, pseudonym: str) -> CitizenIdentity:
        row = await self._repo.citizen(pseudonym)
        key_id = row.pseudonym_key_id if row else self._pseudonymiser.current_key_id
        return CitizenIdentity(pseudonym=pseudonym, key_id=key_id, all_pseudonyms=[pseudonym])


class ConsentFactsReader:
    """Reads a citizen's consents for the policy in a short transaction of its own.

    The shared view holds no database connection while departments answer: the read ends
    (and its connection returns to the pool) before the fan-out starts.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        catalogue: Catalogue,
        cipher: DataCipher,
        pseudonymiser: Pseudonymiser,
        signer: ReceiptSigner,
    ) -> None:
        self._sessions = sessions
        self._deps = {
            "catalogue": catalogue,
            "cipher": cipher,
            "pseudonymiser": pseudonymiser,
            "signer": signer,
        }
        self.pseudonymiser = pseudonymiser

    async def facts_for_policy(
        self, identity: CitizenIdentity, *, purpose: str
    ) -> list[ConsentFacts]:
        try:
            async with self._sessions() as session:
                service = ConsentService(session, **self._deps)  # type: ignore[arg-type]
                return await service.facts_for_policy(identity, purpose=purpose)
        except ConsentStoreUnavailable:
            raise
        # Not only driver errors: an OSError below the driver or a row that does not decode
        # (garbage in a JSON column) must also end in a 503, never a 500 or a guess.
        except Exception as exc:
            raise ConsentStoreUnavailable(
                Text(
                    da="Samtykkeregistret svarer ikke; intet udleveres",
                    en="consent store unavailable",
                )
            ) from exc
