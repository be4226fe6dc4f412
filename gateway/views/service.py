"""The shared-view orchestrator.

Consent → policy → audit intent → fan-out → minimise → audit outcome.

This module is the only caller of connector ``fetch`` (a test scans the code for that). Every
failure of the consent store, policy engine or audit store ends the request with a 503 and no
data; a failing department only makes its own sections ``unavailable``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from connectors.sdk import (
    Connector,
    ConnectorError,
    ConnectorRejected,
    FetchRequest,
    FetchResult,
)
from gateway.audit.entries.schemas import Actor, AuditEvent, BasisRef, CategoryOutcome, CitizenRef
from gateway.audit.entries.service import AuditWriter
from gateway.auth.principal import Principal
from gateway.catalogue.models import Catalogue
from gateway.consent.service import CitizenIdentity, ConsentFactsReader
from gateway.cpr import normalise_cpr
from gateway.errors import AuditUnavailable, ConsentStoreUnavailable, PolicyUnavailable
from gateway.observability.calls import observe_connector, observe_policy, record_view
from gateway.policy.input import ConsentFacts, build_policy_input
from gateway.policy.types import Decision, LocalizedText, PolicyEngine, PolicyEngineError
from gateway.ratelimit import RateLimited, ViewLimits
from gateway.registry import ConnectorRegistry
from gateway.views.identifiers import as_catalogue_codes
from gateway.views.minimise import minimise
from gateway.views.schemas import (
    Section,
    SectionBasis,
    SectionReason,
    ViewRequest,
    ViewResponse,
)

logger = logging.getLogger("tvaers.views")

# Deadlines for the steps before any data moves. A store or engine that hangs must end the
# request with a 503 rather than hold it (and its caller) forever; PostgreSQL has no lock or
# statement timeout here, and SQLite waits up to its 30 s busy timeout. The policy deadline
# is above the OPA client's own timeout (0.5 s by default), so that one speaks first.
STORE_TIMEOUT_S = 10.0
POLICY_TIMEOUT_S = 5.0

UNAVAILABLE_TEXT = {
    "timeout": LocalizedText(
        da="{system} svarede ikke i tide. Prøv igen om lidt.",
        en="{system} did not answer in time. Try again shortly.",
    ),
    "unavailable": LocalizedText(
        da="{system} er ikke tilgængeligt lige nu. Prøv igen om lidt.",
        en="{system} is not available right now. Try again shortly.",
    ),
    "rejected": LocalizedText(
        da="{system} afviste forespørgslen. Kontakt support, hvis det fortsætter.",
        en="{system} rejected the request. Contact support if it persists.",
    ),
    "no_connector": LocalizedText(
        da="Der er ingen forbindelse til {system} konfigureret.",
        en="No connection to {system} is configured.",
    ),
}


@dataclass
class _Fetched:
    connector_name: str
    result: FetchResult | None = None
    failure: str | None = None


class ViewService:
    """Builds one shared citizen view for one caller."""

    def __init__(
        self,
        *,
        consents: ConsentFactsReader,
        policy: PolicyEngine,
        audit: AuditWriter,
        registry: ConnectorRegistry,
        catalogue: Catalogue,
        clock: Callable[[], datetime],
        limits: ViewLimits | None = None,
        timeout_margin_s: float = 0.25,
        store_timeout_s: float | None = None,
        policy_timeout_s: float | None = None,
    ) -> None:
        self._limits = limits
        self._store_timeout_s = STORE_TIMEOUT_S if store_timeout_s is None else store_timeout_s
        self._policy_timeout_s = POLICY_TIMEOUT_S if policy_timeout_s is None else policy_timeout_s
        self._consents = consents
        self._policy = policy
        self._audit = audit
        self._registry = registry
        self._catalogue = catalogue
        self._clock = clock
        self._timeout_margin_s = timeout_margin_s

    async def view(
        self, body: ViewRequest, principal: Principal, *, request_id: str
    ) -> ViewResponse:
        """Return the shared view, or raise a 503-class error having released nothing."""
        started = self._clock()
        body = as_catalogue_codes(body, self._catalogue)  # no caller free text in audit entries
        cpr = normalise_cpr(body.cpr)
        identity = self._consents.identify(cpr)
        purpose = self._catalogue.purposes.get(body.purpose)
        if body.categories:
            requested = sorted(set(body.categories))
        elif purpose is not None:
            requested = sorted(purpose.categories)
        else:  # unknown purpose: every category is denied, with the reason
            requested = sorted(self._catalogue.categories)
        actor = Actor.of(principal)
        base = {
            "action": "view.read",
            "request_id": request_id,
            "actor": actor,
            "purpose": body.purpose,
            "citizen": CitizenRef(pseudonym=identity.pseudonym, key_id=identity.key_id),
        }

        if self._limits is not None:
            try:
                self._limits.per_user.hit(principal.subject)
                self._limits.per_citizen.hit(identity.pseudonym)
            except RateLimited:
                await self._durably(
                    [
                        AuditEvent(
                            phase="outcome",
                            outcome="rate_limited",
                            reason="rate_limited",
                            categories=CategoryOutcome(requested=requested),
                            **base,
                        )
                    ]
                )
                raise

        try:
            facts = await asyncio.wait_for(
                self._consents.facts_for_policy(identity, purpose=body.purpose),
                timeout=self._store_timeout_s,
            )
        except (ConsentStoreUnavailable, TimeoutError) as exc:
            await self._attempt_audit(base, requested, reason="consent_store_unavailable")
            if isinstance(exc, ConsentStoreUnavailable):
                raise
            raise ConsentStoreUnavailable(
                "Samtykkeregistret svarer ikke; intet udleveres / consent store unavailable"
            ) from exc

        decision_id = str(uuid.uuid4())
        policy_input = build_policy_input(
            subject_user_id=principal.subject,
            subject_department=principal.department or "",
            subject_roles=list(principal.roles),
            purpose=body.purpose,
            citizen_pseudonym=identity.pseudonym,
            categories=requested,
            consents=facts,
            now=started,
        )
        try:
            with observe_policy(self._policy.name) as call:
                decision = await asyncio.wait_for(
                    self._policy.decide(policy_input), timeout=self._policy_timeout_s
                )
                call.outcome = "permitted" if decision.allow else "denied"
        except (PolicyEngineError, TimeoutError) as exc:
            await self._attempt_audit(base, requested, reason="policy_unavailable")
            raise PolicyUnavailable(
                "Politikmotoren svarer ikke; intet udleveres / policy engine unavailable"
            ) from exc

        granted = {g.category: frozenset(g.fields) for g in decision.grants}
        withheld = {d.category: d for d in decision.denials}
        common = {
            **base,
            "bases": [
                BasisRef(category=g.category, kind=g.basis.kind, ref=g.basis.ref)
                for g in decision.grants
            ],
            "consent_ids": sorted(
                {g.basis.ref for g in decision.grants if g.basis.kind == "consent"}
            ),
            "denial_codes": {d.category: d.code for d in decision.denials},
            "decision_id": decision_id,
            "policy_version": decision.policy_version,
        }
        # Invariant 2: the intent is durable before any department system is asked.
        await self._durably(
            [
                AuditEvent(
                    phase="intent",
                    outcome="permitted" if decision.allow else "denied",
                    categories=CategoryOutcome(
                        requested=requested, granted=sorted(granted), withheld=sorted(withheld)
                    ),
                    **common,
                )
            ]
        )

        fetched = await self._fan_out(cpr, granted, purpose=body.purpose, request_id=request_id)
        sections, unavailable, counts, systems = self._sections(
            requested, decision, granted, fetched, facts
        )
        granted_ok = sorted(set(granted) - set(unavailable))
        outcome = (
            "denied"
            if not decision.allow
            else "granted"
            if not withheld and not unavailable
            else "partial"
            if granted_ok
            else "unavailable"
        )
        # Invariant 2: the outcome is durable before the caller sees any data.
        await self._durably(
            [
                AuditEvent(
                    phase="outcome",
                    outcome=outcome,
                    categories=CategoryOutcome(
                        requested=requested,
                        granted=granted_ok,
                        withheld=sorted(withheld),
                        unavailable=sorted(unavailable),
                    ),
                    source_systems=sorted(systems),
                    record_counts=counts,
                    **common,
                )
            ]
        )
        record_view(outcome)
        return ViewResponse(
            request_id=request_id,
            purpose=body.purpose,
            decision_id=decision_id,
            policy_version=decision.policy_version,
            generated_at=started,
            sections=sections,
        )

    async def _durably(self, events: list[AuditEvent]) -> None:
        """Append to the audit log; any failure becomes ``AuditUnavailable`` (fail closed)."""
        try:
            # On timeout the entries may still commit later: over-recording is safe.
            await asyncio.wait_for(self._audit.append(events), timeout=self._store_timeout_s)
        except AuditUnavailable:
            raise
        except Exception as exc:
            logger.error("audit append failed: %s", type(exc).__name__)
            raise AuditUnavailable(
                "Revisionsloggen kan ikke skrives; intet udleveres / audit log unavailable"
            ) from exc

    async def _attempt_audit(
        self, base: dict[str, object], requested: list[str], *, reason: str
    ) -> None:
        """Record a failed request where the audit store still works; never mask the failure."""
        try:
            await self._durably(
                [
                    AuditEvent(
                        phase="outcome",
                        outcome="error",
                        reason=reason,
                        categories=CategoryOutcome(requested=requested),
                        **base,
                    )
                ]
            )
        except AuditUnavailable:
            logger.error("audit attempt after %s failed as well", reason)

    async def _fan_out(
        self,
        cpr: str,
        granted: dict[str, frozenset[str]],
        *,
        purpose: str,
        request_id: str,
    ) -> dict[str, _Fetched]:
        """Call every connector with granted categories, in parallel, each within its budget."""
        per_connector: dict[str, dict[str, frozenset[str]]] = {}
        for category, fields in granted.items():
            found = self._registry.connector_for(category)
            if found is not None:
                per_connector.setdefault(found[0], {})[category] = fields
        names = sorted(per_connector)
        results = await asyncio.gather(
            *(
                self._fetch_one(
                    name,
                    self._registry.connectors[name],
                    FetchRequest(
                        cpr=cpr,
                        categories=per_connector[name],
                        purpose=purpose,
                        correlation_id=request_id,
                    ),
                )
                for name in names
            )
        )
        return dict(zip(names, results, strict=True))

    async def _fetch_one(self, name: str, connector: Connector, request: FetchRequest) -> _Fetched:
        with observe_connector(name) as call:  # latency histogram and span per connector
            fetched = await self._fetch_guarded(name, connector, request)
            call.outcome = fetched.failure or "ok"
        return fetched

    async def _fetch_guarded(
        self, name: str, connector: Connector, request: FetchRequest
    ) -> _Fetched:
        budget = self._registry.timeouts.get(name, 2.0) + self._timeout_margin_s
        try:
            result = await asyncio.wait_for(connector.fetch(request), timeout=budget)
        except TimeoutError:
            logger.warning("connector %s timed out after %.2fs", name, budget)
            return _Fetched(name, failure="timeout")
        except ConnectorRejected as exc:
            logger.warning("connector %s rejected: %s", name, type(exc).__name__)
            return _Fetched(name, failure="rejected")
        except ConnectorError as exc:
            logger.warning("connector %s unavailable: %s", name, type(exc).__name__)
            return _Fetched(name, failure="unavailable")
        except Exception as exc:  # a buggy connector must not fail the whole view
            logger.error("connector %s failed: %s", name, type(exc).__name__)
            return _Fetched(name, failure="unavailable")
        return _Fetched(name, result=result)

    def _sections(
        self,
        requested: list[str],
        decision: Decision,
        granted: dict[str, frozenset[str]],
        fetched: dict[str, _Fetched],
        facts: list[ConsentFacts],
    ) -> tuple[list[Section], set[str], dict[str, int], set[str]]:
        grants = {g.category: g for g in decision.grants}
        denials = {d.category: d for d in decision.denials}
        consent_until = {f.consent_id: f.valid_until for f in facts}
        unavailable: set[str] = set()
        counts: dict[str, int] = {}
        systems: set[str] = set()
        sections: list[Section] = []
        for category in requested:
            spec = self._catalogue.categories.get(category)
            department = spec.department if spec else category.split(".", 1)[0]
            title = (
                LocalizedText(da=spec.title.da, en=spec.title.en)
                if spec
                else LocalizedText(da=category, en=category)
            )
            dept = self._catalogue.departments.get(department)
            system = dept.system if dept else None
            system_text = LocalizedText(da=system.da, en=system.en) if system else title
            if category in denials:
                denial = denials[category]
                sections.append(
                    Section(
                        category=category,
                        title=title,
                        department=department,
                        status="withheld",
                        reason=SectionReason(code=denial.code, message=denial.message),
                    )
                )
                continue
            grant = grants[category]
            basis = SectionBasis(
                kind=grant.basis.kind,
                ref=grant.basis.ref,
                consent_valid_until=consent_until.get(grant.basis.ref)
                if grant.basis.kind == "consent"
                else None,
            )
            found = self._registry.connector_for(category)
            outcome = fetched.get(found[0]) if found else None
            if outcome is None or outcome.result is None:
                code = outcome.failure if outcome and outcome.failure else "no_connector"
                unavailable.add(category)
                text = UNAVAILABLE_TEXT[code]
                sections.append(
                    Section(
                        category=category,
                        title=title,
                        department=department,
                        status="unavailable",
                        source_system=system_text.da,
                        basis=basis,
                        reason=SectionReason(
                            code=code,
                            message=LocalizedText(
                                da=text.da.format(system=system_text.da),
                                en=text.en.format(system=system_text.en),
                            ),
                        ),
                    )
                )
                continue
            result = outcome.result
            records = minimise(
                [r for r in result.records if r.category == category],
                {category: granted[category]},
                self._registry.connectors[found[0]].manifest.structured if found else None,
            )[category]
            counts[category] = len(records)
            systems.add(result.source_system)
            sections.append(
                Section(
                    category=category,
                    title=title,
                    department=department,
                    status="granted",
                    source_system=result.source_system,
                    basis=basis,
                    fields=sorted(granted[category]),
                    retrieved_at=result.retrieved_at,
                    records=records,
                )
            )
        return sections, unavailable, counts, systems


def citizen_ref(identity: CitizenIdentity) -> CitizenRef:
    return CitizenRef(pseudonym=identity.pseudonym, key_id=identity.key_id)
