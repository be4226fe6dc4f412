"""Consent requests: a caseworker asks, the citizen approves or declines in the portal.

Validation is the consent's own: a request is checked with ``ConsentService.validate`` as the
citizen's future portal consent, and approval creates the consent through
``ConsentService.store`` — the same path as ``POST /v1/consents``. Services never commit; each
action writes its audit entries (``request_event``) in the request's transaction, so the API and
the portal cannot forget them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.entries.schemas import AuditEvent
from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.consent.events import citizen_event, consent_event
from gateway.consent.identity import CitizenIdentity
from gateway.consent.models import ConsentRequestRow, ConsentRow
from gateway.consent.requests_repository import ConsentRequestRepository
from gateway.consent.schemas import CategoryId, ConsentCreate, DepartmentId, PurposeId
from gateway.consent.service import ConsentService
from gateway.cpr import normalise_cpr
from gateway.errors import Conflict, InvalidRequest, NotFound, NotPermitted
from gateway.notices import texts
from gateway.text import Text

RequestStatus = Literal["pending", "approved", "declined"]


class ConsentRequestNotFound(NotFound):
    code = "consent_request_not_found"


class ConsentRequestCreate(BaseModel):
    """What a caseworker asks the citizen to consent to. The CPR travels in the body only."""

    model_config = ConfigDict(extra="forbid")

    cpr: str = Field(min_length=10, max_length=11, description="CPR number of the citizen")
    purpose: PurposeId
    categories: list[CategoryId] = Field(min_length=1, max_length=50)
    source_departments: list[DepartmentId] | None = Field(
        None, max_length=20, description="Defaults to the departments of the categories"
    )
    recipient_departments: list[DepartmentId] = Field(min_length=1, max_length=20)
    valid_until: AwareDatetime
    message: str = Field(
        min_length=1, max_length=2000, description="A short message to the citizen (plain words)"
    )


class ConsentRequestRead(BaseModel):
    """A request and its outcome. No CPR: the citizen is who the caseworker asked about."""

    request_id: str
    purpose: str
    categories: list[str]
    source_departments: list[str]
    recipient_departments: list[str]
    valid_until: datetime
    message: str
    status: RequestStatus
    requested_by: str
    requested_by_department: str
    created_at: datetime
    decided_at: datetime | None
    consent_id: str | None = Field(description="The consent created when approved")


def request_read(row: ConsentRequestRow) -> ConsentRequestRead:
    return ConsentRequestRead(
        request_id=row.request_id,
        purpose=row.purpose,
        categories=list(row.categories),
        source_departments=list(row.source_departments),
        recipient_departments=list(row.recipient_departments),
        valid_until=row.valid_until,
        message=row.message,
        status=row.status,
        requested_by=row.requested_by,
        requested_by_department=row.requested_by_department,
        created_at=row.created_at,
        decided_at=row.decided_at,
        consent_id=row.consent_id,
    )


def request_event(
    action: str,
    principal: Principal,
    identity: CitizenIdentity,
    row: ConsentRequestRow,
    *,
    request_id: str,
    consent_ids: list[str] | None = None,
) -> AuditEvent:
    """The audit entry for a request action (``consent_request.create|approve|decline``)."""
    return citizen_event(
        action,
        principal,
        identity,
        request_id=request_id,
        purpose=row.purpose,
        categories=row.categories,
        consent_ids=consent_ids or [],
        reason=f"consent_request:{row.request_id}",
    )


class ConsentRequestService:
    """Creates consent requests and carries out the citizen's decision."""

    def __init__(
        self, session: AsyncSession, *, consents: ConsentService, catalogue: Catalogue
    ) -> None:
        self._consents = consents
        self._repo = ConsentRequestRepository(session)
        self._audit = AuditRepository(session)
        self._catalogue = catalogue

    async def create(
        self,
        body: ConsentRequestCreate,
        principal: Principal,
        *,
        now: datetime,
        correlation_id: str,
    ) -> tuple[ConsentRequestRow, bool]:
        """Validate (as the consent it would become), store and audit a pending request.

        One pending request per citizen, purpose and caseworker: asking again returns the
        pending one unchanged and writes nothing (the second value says whether a new request
        was stored).
        """
        if principal.kind != "employee" or principal.department is None:
            raise NotPermitted(
                Text(da="Kun medarbejdere kan anmode om samtykke", en="employees only")
            )
        purpose = self._catalogue.purposes.get(body.purpose)
        # The same rule as the staff pages' purpose list: department and role (catalogue).
        if purpose is not None and (
            principal.department not in purpose.requesting_departments
            or not set(principal.roles) & set(purpose.roles)
        ):
            raise NotPermitted(
                Text(
                    da="Din forvaltning eller rolle kan ikke anmode om samtykke til dette formål",
                    en="your department or role cannot request consent for this purpose",
                )
            )
        cpr = normalise_cpr(body.cpr)
        as_consent = self._as_consent(body, valid_until=body.valid_until)
        # The citizen will grant it through the portal: validate it exactly as that consent.
        self._consents.validate(as_consent, _future_citizen(cpr), now=now)
        identity = await self._consents.ensure_citizen(cpr, now=now)
        pending = await self._repo.pending_from(
            identity.all_pseudonyms, purpose=body.purpose, requested_by=principal.subject
        )
        if pending is not None:
            return pending, False
        categories = sorted(set(body.categories))
        row = ConsentRequestRow(
            request_id=str(uuid.uuid4()),
            citizen_pseudonym=identity.pseudonym,
            purpose=body.purpose,
            categories=categories,
            source_departments=sorted(
                set(
                    body.source_departments
                    or {self._catalogue.department_of(c) for c in categories}
                )
            ),
            recipient_departments=sorted(set(body.recipient_departments)),
            valid_until=body.valid_until.astimezone(UTC),
            message=body.message,
            status="pending",
            requested_by=principal.subject,
            requested_by_department=principal.department,
            created_at=now,
        )
        self._repo.add(row)
        await self._consents.outbox.enqueue(
            pseudonym=identity.pseudonym,
            kind="consent_request",
            dedupe_key=f"consent_request:{row.request_id}",
            reference=row.request_id,
            text=texts.consent_request(
                self._catalogue,
                purpose=body.purpose,
                department=principal.department,
                categories=categories,
                **self._consents.terms_for_notices(),
            ),
            now=now,
        )
        self._audit.add(
            [
                request_event(
                    "consent_request.create", principal, identity, row, request_id=correlation_id
                )
            ]
        )
        return row, True

    async def get_for_employee(
        self, consent_request_id: str, principal: Principal
    ) -> ConsentRequestRow:
        """A request seen by its caseworker or their department; others get 404."""
        row = await self._repo.get(consent_request_id)
        if row is None or (
            row.requested_by != principal.subject
            and row.requested_by_department != principal.department
        ):
            raise ConsentRequestNotFound(Text(da="Anmodningen findes ikke", en="request not found"))
        return row

    async def for_department(
        self, principal: Principal, *, status: RequestStatus | None = None
    ) -> list[ConsentRequestRow]:
        assert principal.department is not None
        return await self._repo.for_department(principal.department, status=status)

    async def for_citizen(
        self, principal: Principal, *, status: RequestStatus | None = None
    ) -> list[ConsentRequestRow]:
        """The citizen's own requests (all pseudonym keys), newest first."""
        return await self._repo.for_citizen(self._mine(principal), status=status)

    async def get_for_citizen(
        self, consent_request_id: str, principal: Principal
    ) -> ConsentRequestRow:
        """One of the citizen's own requests; someone else's looks exactly like a missing one."""
        row = await self._repo.get(consent_request_id, for_update=True)
        if row is None or row.citizen_pseudonym not in self._mine(principal):
            raise ConsentRequestNotFound(Text(da="Anmodningen findes ikke", en="request not found"))
        return row

    async def approve(
        self,
        consent_request_id: str,
        principal: Principal,
        *,
        now: datetime,
        correlation_id: str,
        lang: str = "da",
    ) -> ConsentRow:
        """The citizen approves: the consent is created exactly as ``POST /v1/consents`` does;
        the approval and the new consent are audited together."""
        row = await self._pending(consent_request_id, principal)
        body = self._as_consent(row, valid_until=row.valid_until, lang=lang)
        consent, identity = await self._consents.store(body, principal, now=now)
        row.status = "approved"
        row.decided_at = now
        row.consent_id = consent.consent_id
        self._audit.add(
            [
                request_event(
                    "consent_request.approve",
                    principal,
                    identity,
                    row,
                    request_id=correlation_id,
                    consent_ids=[consent.consent_id],
                ),
                consent_event(
                    "consent.create", principal, identity, consent, request_id=correlation_id
                ),
            ]
        )
        return consent

    async def decline(
        self, consent_request_id: str, principal: Principal, *, now: datetime, correlation_id: str
    ) -> ConsentRequestRow:
        """The citizen declines: nothing is shared; the caseworker sees the answer (audited)."""
        row = await self._pending(consent_request_id, principal)
        row.status = "declined"
        row.decided_at = now
        identity = await self._consents.identity_of(row.citizen_pseudonym)
        self._audit.add(
            [
                request_event(
                    "consent_request.decline", principal, identity, row, request_id=correlation_id
                )
            ]
        )
        return row

    async def _pending(self, consent_request_id: str, principal: Principal) -> ConsentRequestRow:
        row = await self.get_for_citizen(consent_request_id, principal)
        if row.status != "pending":
            raise Conflict(Text(da="Anmodningen er allerede besvaret", en="already answered"))
        return row

    def _mine(self, principal: Principal) -> list[str]:
        if principal.kind != "citizen" or not principal.cpr:
            raise NotPermitted(Text(da="Kun for borgere", en="citizens only"))
        return self._consents.pseudonyms_of(principal)

    @staticmethod
    def _as_consent(
        source: ConsentRequestCreate | ConsentRequestRow, *, valid_until: datetime, lang: str = "da"
    ) -> ConsentCreate:
        if valid_until.tzinfo is None:  # SQLite hands timestamps back naive; they are UTC
            valid_until = valid_until.replace(tzinfo=UTC)
        try:
            return ConsentCreate(
                purpose=source.purpose,
                categories=list(source.categories),
                source_departments=list(source.source_departments)
                if source.source_departments
                else None,
                recipient_departments=list(source.recipient_departments),
                valid_until=valid_until,
                collection_method="citizen_portal",
                notice_language="en" if lang == "en" else "da",
            )
        except ValueError as exc:
            raise InvalidRequest(Text(da="Ugyldig anmodning", en="invalid request")) from exc


def _future_citizen(cpr: str) -> Principal:
    # Stand-in for the citizen who will grant the consent in the portal, so the request is
    # checked by the very rules that will apply to it.
    return Principal(kind="citizen", subject="consent-request", name="", cpr=cpr)
