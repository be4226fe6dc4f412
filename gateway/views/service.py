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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from connectors.sdk import (
    Connector,
    ConnectorError,
    ConnectorRejected,
    FetchRequest,
    FetchResult,
)
from connectors.sdk.types import Shape
from gateway.audit.entries.schemas import (
    Actor,
    AuditEvent,
    BasisRef,
    CategoryOutcome,
    CitizenRef,
    Phase,
)
from gateway.audit.entries.service import AuditWriter
from gateway.auth.principal import Principal
from gateway.breakglass.service import BreakGlassClaim, BreakGlassEpisodes, StatuteNotices
from gateway.catalogue.models import Catalogue
from gateway.consent.identity import CitizenIdentity, identify
from gateway.consent.service import ConsentFactsReader
from gateway.cpr import normalise_cpr
from gateway.errors import (
    AuditUnavailable,
    ConsentStoreUnavailable,
    PolicyUnavailable,
    StoreUnavailable,
)
from gateway.observability.calls import observe_connector, observe_policy, record_view
from gateway.policy.input import ConsentFacts, build_policy_input
from gateway.policy.types import Decision, LocalizedText, PolicyEngine, PolicyEngineError
from gateway.ratelimit import RateLimited, ViewLimits
from gateway.registry import ConnectorRegistry
from gateway.text import Text
from gateway.views.identifiers import as_catalogue_codes
from gateway.views.minimise import minimise, narrow_to_consented_fields
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


@dataclass
class BuiltSections:
    """The sections of one view and what the outcome audit entry records about them."""

    sections: list[Section] = field(default_factory=list)
    unavailable: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    systems: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _SectionHeader:
    category: str
    title: LocalizedText
    department: str

    def section(self, **rest: Any) -> Section:
        return Section(category=self.category, title=self.title, department=self.department, **rest)


@dataclass(frozen=True)
class ViewTrail:
    """Everything the audit entries of one view share, typed (not a dict splatted into
    ``AuditEvent``): who asked about whom, for which purpose and categories, and when."""

    cpr: str = field(repr=False)
    identity: CitizenIdentity
    purpose: str
    requested: list[str]
    actor: Actor
    correlation_id: str
    started: datetime
    decision_id: str
    # Break-glass only: the caller's justification as stored (CPR-like digits removed).
    justification: str | None = None

    def _event(
        self,
        *,
        phase: Phase,
        outcome: str,
        categories: CategoryOutcome,
        decision: Decision | None = None,
        reason: str | None = None,
        source_systems: list[str] | None = None,
        record_counts: dict[str, int] | None = None,
    ) -> AuditEvent:
        grants = decision.grants if decision is not None else []
        return AuditEvent(
            phase=phase,
            action="view.read",
            outcome=outcome,
            request_id=self.correlation_id,
            actor=self.actor,
            purpose=self.purpose,
            citizen=CitizenRef(pseudonym=self.identity.pseudonym, key_id=self.identity.key_id),
            categories=categories,
            bases=[
                BasisRef(category=g.category, kind=g.basis.kind, ref=g.basis.ref) for g in grants
            ],
            consent_ids=sorted({g.basis.ref for g in grants if g.basis.kind == "consent"}),
            denial_codes={d.category: d.code for d in decision.denials} if decision else {},
            source_systems=source_systems or [],
            record_counts=record_counts or {},
            decision_id=self.decision_id if decision is not None else None,
            opa_decision_id=decision.engine_decision_id if decision is not None else None,
            policy_version=decision.policy_version if decision is not None else None,
            reason=reason,
            justification=self.justification,
        )

    def failure(self, reason: str, *, outcome: str) -> AuditEvent:
        """A request that ended before the policy decided (limits, stores, engine)."""
        return self._event(
            phase="outcome",
            outcome=outcome,
            reason=reason,
            categories=CategoryOutcome(requested=self.requested),
        )

    @staticmethod
    def granted(decision: Decision) -> dict[str, frozenset[str]]:
        return {g.category: frozenset(g.fields) for g in decision.grants}

    def intent(self, decision: Decision) -> AuditEvent:
        return self._event(
            phase="intent",
            outcome="permitted" if decision.allow else "denied",
            categories=CategoryOutcome(
                requested=self.requested,
                granted=sorted(self.granted(decision)),
                withheld=sorted(d.category for d in decision.denials),
            ),
            decision=decision,
        )

    def outcome(self, decision: Decision, built: BuiltSections) -> str:
        granted_ok = set(self.granted(decision)) - built.unavailable
        if not decision.allow:
            return "denied"
        if not decision.denials and not built.unavailable:
            return "granted"
        return "partial" if granted_ok else "unavailable"

    def outcome_event(self, decision: Decision, built: BuiltSections, outcome: str) -> AuditEvent:
        return self._event(
            phase="outcome",
            outcome=outcome,
            categories=CategoryOutcome(
                requested=self.requested,
                granted=sorted(set(self.granted(decision)) - built.unavailable),
                withheld=sorted(d.category for d in decision.denials),
                unavailable=sorted(built.unavailable),
            ),
            source_systems=sorted(built.systems),
            record_counts=built.counts,
            decision=decision,
        )


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
        break_glass: BreakGlassEpisodes | None = None,
        statute_notices: StatuteNotices | None = None,
    ) -> None:
        self._break_glass = break_glass
        self._statute_notices = statute_notices
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
        self, body: ViewRequest, principal: Principal, *, correlation_id: str
    ) -> ViewResponse:
        """Return the shared view, or raise a 503-class error having released nothing."""
        body = as_catalogue_codes(body, self._catalogue)  # no caller free text in audit entries
        trail = self._trail(body, principal, correlation_id=correlation_id)
        await self._check_limits(trail, principal)
        facts = await self._load_consents(trail)
        claim = await self._claim(trail, principal, body.justification)
        if claim is not None:
            trail = replace(trail, justification=claim.justification)
        # Minimisation: the policy's fields ∩ the fields each consent granted when given.
        decision = narrow_to_consented_fields(
            await self._decide(trail, principal, facts, claim), facts
        )
        # The break-glass episode and the citizen's notices commit before any data moves.
        await self._record_disclosures(trail, principal, decision, claim)
        # Invariant 2: the intent is durable before any department system is asked.
        await self._durably([trail.intent(decision)])
        fetched = await self._fan_out(
            trail.cpr, trail.granted(decision), purpose=body.purpose, correlation_id=correlation_id
        )
        built = self._sections(trail.requested, decision, fetched, facts)
        # Invariant 2: the outcome is durable before the caller sees any data.
        outcome = trail.outcome(decision, built)
        await self._durably([trail.outcome_event(decision, built, outcome)])
        record_view(outcome)
        return ViewResponse(
            request_id=correlation_id,
            purpose=body.purpose,
            decision_id=trail.decision_id,
            policy_version=decision.policy_version,
            generated_at=trail.started,
            sections=built.sections,
        )

    def _trail(self, body: ViewRequest, principal: Principal, *, correlation_id: str) -> ViewTrail:
        """Who asks about whom, for what, and which categories (the audit context)."""
        cpr = normalise_cpr(body.cpr)
        identity = identify(self._consents.pseudonymiser, cpr)
        purpose = self._catalogue.purposes.get(body.purpose)
        if body.categories:
            requested = sorted(set(body.categories))
        elif purpose is not None:
            requested = sorted(purpose.categories)
        else:  # unknown purpose: every category is denied, with the reason
            requested = sorted(self._catalogue.categories)
        return ViewTrail(
            cpr=cpr,
            identity=identity,
            purpose=body.purpose,
            requested=requested,
            actor=Actor.of(principal),
            correlation_id=correlation_id,
            started=self._clock(),
            decision_id=str(uuid.uuid4()),
        )

    async def _check_limits(self, trail: ViewTrail, principal: Principal) -> None:
        if self._limits is None:
            return
        try:
            await self._limits.per_user.hit(principal.subject)
            await self._limits.per_citizen.hit(trail.identity.pseudonym)
        except RateLimited:
            await self._durably([trail.failure("rate_limited", outcome="rate_limited")])
            raise
        except StoreUnavailable:
            # The shared limit store failed: record the refusal (an audit failure then wins).
            await self._durably([trail.failure("rate_limit_store_unavailable", outcome="error")])
            raise

    async def _load_consents(self, trail: ViewTrail) -> list[ConsentFacts]:
        try:
            return await asyncio.wait_for(
                self._consents.facts_for_policy(trail.identity, purpose=trail.purpose),
                timeout=self._store_timeout_s,
            )
        except (ConsentStoreUnavailable, TimeoutError) as exc:
            await self._attempt_audit(trail, reason="consent_store_unavailable")
            if isinstance(exc, ConsentStoreUnavailable):
                raise
            raise ConsentStoreUnavailable(
                Text(
                    da="Samtykkeregistret svarer ikke; intet udleveres",
                    en="consent store unavailable",
                )
            ) from exc

    async def _claim(
        self, trail: ViewTrail, principal: Principal, justification: str | None
    ) -> BreakGlassClaim | None:
        """Under a break-glass purpose: the episode the policy will name (nothing stored)."""
        if self._break_glass is None or not self._break_glass.applies_to(trail.purpose):
            return None
        try:
            return await self._break_glass.claim(
                principal, trail.identity, justification, now=trail.started
            )
        except StoreUnavailable:
            await self._attempt_audit(trail, reason="break_glass_store_unavailable")
            raise

    async def _record_disclosures(
        self,
        trail: ViewTrail,
        principal: Principal,
        decision: Decision,
        claim: BreakGlassClaim | None,
    ) -> None:
        """Open or extend the break-glass episode; queue the citizen's notices (outbox)."""
        emergency = [g.category for g in decision.grants if g.basis.kind == "break_glass"]
        statute = [g.category for g in decision.grants if g.basis.kind == "statute"]
        try:
            if emergency and claim is not None and self._break_glass is not None:
                await self._break_glass.record(
                    claim,
                    principal,
                    trail.identity,
                    cpr=trail.cpr,
                    purpose=trail.purpose,
                    categories=emergency,
                    now=trail.started,
                    request_id=trail.correlation_id,
                )
            if statute and self._statute_notices is not None:
                await self._statute_notices.record(
                    principal,
                    trail.identity,
                    cpr=trail.cpr,
                    purpose=trail.purpose,
                    categories=statute,
                    now=trail.started,
                )
        except StoreUnavailable:
            await self._attempt_audit(trail, reason="break_glass_store_unavailable")
            raise

    async def _decide(
        self,
        trail: ViewTrail,
        principal: Principal,
        facts: list[ConsentFacts],
        claim: BreakGlassClaim | None = None,
    ) -> Decision:
        policy_input = build_policy_input(
            subject_user_id=principal.subject,
            subject_department=principal.department or "",
            subject_roles=list(principal.roles),
            subject_teams=principal.teams,  # from the token's team claim, never the body
            purpose=trail.purpose,
            citizen_pseudonym=trail.identity.pseudonym,
            categories=trail.requested,
            consents=facts,
            now=trail.started,
            break_glass=claim.policy_input() if claim else None,
        )
        try:
            with observe_policy(self._policy.name) as call:
                decision = await asyncio.wait_for(
                    self._policy.decide(policy_input), timeout=self._policy_timeout_s
                )
                call.outcome = "permitted" if decision.allow else "denied"
        except (PolicyEngineError, TimeoutError) as exc:
            await self._attempt_audit(trail, reason="policy_unavailable")
            raise PolicyUnavailable(
                Text(
                    da="Politikmotoren svarer ikke; intet udleveres", en="policy engine unavailable"
                )
            ) from exc
        return decision

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
                Text(
                    da="Revisionsloggen kan ikke skrives; intet udleveres",
                    en="audit log unavailable",
                )
            ) from exc

    async def _attempt_audit(self, trail: ViewTrail, *, reason: str) -> None:
        """Record a failed request where the audit store still works; never mask the failure."""
        try:
            await self._durably([trail.failure(reason, outcome="error")])
        except AuditUnavailable:
            logger.error("audit attempt after %s failed as well", reason)

    async def _fan_out(
        self,
        cpr: str,
        granted: dict[str, frozenset[str]],
        *,
        purpose: str,
        correlation_id: str,
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
                        correlation_id=correlation_id,
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
        fetched: dict[str, _Fetched],
        facts: list[ConsentFacts],
    ) -> BuiltSections:
        """One section per requested category: withheld, unavailable or granted (minimised)."""
        grants = {g.category: g for g in decision.grants}
        denials = {d.category: d for d in decision.denials}
        consent_until = {f.consent_id: f.valid_until for f in facts}
        built = BuiltSections()
        for category in requested:
            spec = self._catalogue.categories.get(category)
            department = spec.department if spec else category.split(".", 1)[0]
            title = (
                LocalizedText(da=spec.title.da, en=spec.title.en)
                if spec
                else LocalizedText(da=category, en=category)
            )
            header = _SectionHeader(category=category, title=title, department=department)
            if category in denials:
                denial = denials[category]
                built.sections.append(
                    header.section(
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
            simulated = found is not None and found[0] in self._registry.simulated
            if outcome is None or outcome.result is None:
                code = outcome.failure if outcome and outcome.failure else "no_connector"
                built.unavailable.add(category)
                built.sections.append(self._unavailable(header, basis, code, simulated))
                continue
            built.sections.append(
                self._granted(
                    header,
                    basis,
                    outcome.result,
                    frozenset(grant.fields),
                    built,
                    structured=self._registry.connectors[found[0]].manifest.structured
                    if found
                    else None,
                    system=_system_label(outcome.result.source_system, simulated),
                )
            )
        return built

    def _unavailable(
        self, header: _SectionHeader, basis: SectionBasis, code: str, simulated: bool = False
    ) -> Section:
        dept = self._catalogue.departments.get(header.department)
        system = dept.system if dept else None
        name = (
            LocalizedText(
                da=_system_label(system.da, simulated), en=_system_label(system.en, simulated)
            )
            if system
            else header.title
        )
        text = UNAVAILABLE_TEXT[code]
        return header.section(
            status="unavailable",
            source_system=name.da,
            basis=basis,
            reason=SectionReason(
                code=code,
                message=LocalizedText(
                    da=text.da.format(system=name.da), en=text.en.format(system=name.en)
                ),
            ),
        )

    @staticmethod
    def _granted(
        header: _SectionHeader,
        basis: SectionBasis,
        result: FetchResult,
        fields: frozenset[str],
        built: BuiltSections,
        *,
        structured: Mapping[str, Shape] | None = None,
        system: str | None = None,
    ) -> Section:
        """Invariant 4: minimised again here, whatever the connector returned; nested values
        only where the connector's manifest declares the field structured. ``system`` is the
        source's name as shown (with "(simulator)" when so configured)."""
        category = header.category
        records = minimise(
            [r for r in result.records if r.category == category], {category: fields}, structured
        )[category]
        built.counts[category] = len(records)
        source_system = system or result.source_system
        built.systems.add(source_system)
        return header.section(
            status="granted",
            source_system=source_system,
            basis=basis,
            fields=sorted(fields),
            retrieved_at=result.retrieved_at,
            records=records,
        )


def _system_label(system: str, simulated: bool) -> str:
    """A department system's name; a simulator says so (configured per connector, not in the
    catalogue, which names the real systems)."""
    return f"{system} (simulator)" if simulated else system
