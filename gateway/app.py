"""``create_app()``: the gateway's FastAPI application. The lifespan owns every engine."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from joserfc.jwk import KeySet
from opentelemetry.sdk.trace.export import SpanExporter

from gateway import __version__
from gateway.apidocs import router as apidocs_router
from gateway.audit.console.endpoints import router as dpo_audit_router
from gateway.audit.console.entries_endpoints import router as audit_router
from gateway.audit.console.triage_endpoints import router as triage_router
from gateway.audit.entries.service import AuditWriter
from gateway.audit.log.endpoints import me_router as audit_me_router
from gateway.audit.log.endpoints import router as audit_log_router
from gateway.audit.log.lifecycle import (
    start_audit_log,
    start_witnessing,
    stop_audit_log,
    witness_endpoints,
)
from gateway.auth.claims import ClaimMapping
from gateway.auth.devidp import DevIdentityProvider, dev_idp_router
from gateway.auth.tokens import KeySetSource, RemoteJwks, TokenValidator
from gateway.breakglass.endpoints import router as break_glass_router
from gateway.catalogue.endpoints import router as catalogue_router
from gateway.catalogue.models import Catalogue
from gateway.citizen_copy.endpoints import router as citizen_copy_router
from gateway.config import Settings
from gateway.consent.endpoints import router as consent_router
from gateway.consent.receipts import ReceiptSigner
from gateway.consent.representation import (
    NoRepresentation,
    Representation,
    RepresentationSource,
    StaticRepresentationSource,
)
from gateway.consent.requests_endpoints import router as consent_requests_router
from gateway.consent.terms import ConsentTerms
from gateway.db import create_engine, make_sessionmaker, migrate, require_current_schema
from gateway.error_handlers import install_error_handlers
from gateway.http_client import outbound_client
from gateway.keys import load_checked_keys
from gateway.logging import configure_logging
from gateway.middleware import GatewayMiddleware
from gateway.notices.endpoints import router as notices_router
from gateway.notices.lifecycle import start_notices, stop_notices
from gateway.observability.endpoints import router as observability_router
from gateway.observability.middleware import ObservabilityMiddleware
from gateway.observability.tracing import Tracing
from gateway.openapi import install_openapi, operation_id
from gateway.policy import load_policy_engine
from gateway.policy.signing import verify_bundle
from gateway.policy.types import PolicyEngine
from gateway.ratelimit import ViewLimits
from gateway.registry import load_connectors
from gateway.runtime import Runtime
from gateway.shared_state import SharedState
from gateway.views.endpoints import router as views_router
from gateway.web import install_web
from gateway.web.devidp_pages import dev_idp_pages_router

DESCRIPTION = """
Tværs lets a municipality's jobcenter, social services and health department share what they
know about a citizen they serve together — only for a declared purpose, under a legal basis
(usually the citizen's consent), decided by policy-as-code, minimised to the purpose's fields,
and written to a tamper-evident audit log before anything is returned.

Errors are RFC 9457 problem details (`application/problem+json`): a stable `type` URI per error
(`urn:tvaers:problem:<code>`), `title` and `detail` in Danish or English after
`Accept-Language` (Danish by default), the extension members `code`, `request_id` and `errors`
(one entry per invalid field: `location`, `field`, `code`, `detail`). A 429 or 503 carries
`Retry-After`. CPR numbers are only ever sent in request bodies, never in URLs.
"""


@dataclass
class Overrides:
    """Test and benchmark seams: replace what the lifespan would build."""

    http_client: httpx.AsyncClient | None = None
    policy: PolicyEngine | None = None
    span_exporter: SpanExporter | None = None  # e.g. an in-memory exporter in tests


async def build_services(settings: Settings, overrides: Overrides) -> Runtime:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Refuses development keys, the dev identity provider, plaintext connectors in production.
    keys = load_checked_keys(settings)
    if settings.policy_bundle_key_file is not None:  # fail closed on an unsigned bundle
        verify_bundle(settings.policies_dir, settings.policy_bundle_key_file.read_bytes())
    catalogue = Catalogue.load(settings.policies_dir)
    policy = overrides.policy or load_policy_engine(
        settings.policy_engine,
        settings.policies_dir,
        opa_url=settings.opa_url,
        opa_timeout_s=settings.opa_timeout_s,
    )
    http = overrides.http_client or outbound_client(timeout_s=settings.connector_timeout_s)
    registry = load_connectors(
        settings.connectors,
        client=http,
        catalogue=catalogue,
        default_timeout_s=settings.connector_timeout_s,
    )
    dev_idp = None
    if settings.dev_idp_enabled and not settings.oidc_jwks_url:
        # Demo code is imported only here, only when the development provider is on: a
        # production start never loads the simulators' seed.
        from gateway.devtools.demo_users import demo_users

        dev_idp = DevIdentityProvider(
            key_path=settings.keys_dir / "dev-idp-key.json",
            issuer=settings.effective_issuer,
            audience=settings.oidc_audience,
            users=demo_users(),
            team_claim=settings.team_claim,
        )
        provider = dev_idp

        async def dev_keys(_refresh: bool) -> KeySet:
            return provider.key_set()

        key_source: KeySetSource = dev_keys
    else:
        if not settings.oidc_jwks_url:
            raise RuntimeError("TVAERS_OIDC_JWKS_URL must be set outside development")
        key_source = RemoteJwks(settings.oidc_jwks_url, http)
    validator = TokenValidator(
        issuer=settings.effective_issuer,
        audience=settings.oidc_audience,
        algorithms=settings.oidc_algorithms,
        keys=key_source,
        leeway_s=settings.token_leeway_s,
        access_token_typ=settings.oidc_access_token_typ,
        max_lifetime_s=settings.token_max_lifetime_s,
        claims=ClaimMapping.from_settings(settings),
    )
    consent_terms = ConsentTerms.load(settings)  # a missing notice text stops start-up
    # Last: a connector or identity provider that fails above must not leave an engine open.
    engine = create_engine(
        settings.effective_database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    if settings.migrate_on_startup:
        await migrate(engine)  # serialised across replicas (advisory lock on PostgreSQL)
    else:
        await require_current_schema(engine)
    sessions = make_sessionmaker(engine)
    shared = SharedState(sessions, in_database=settings.shared_state_in_database)
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=sessions,
        keys=keys,
        catalogue=catalogue,
        policy=policy,
        registry=registry,
        http=http,
        token_validator=validator,
        receipts=ReceiptSigner(keys.receipt_key, issuer=settings.effective_public_url),
        consent_terms=consent_terms,
        audit=AuditWriter(sessions),
        dev_idp=dev_idp,
        view_limits=ViewLimits.from_settings(settings, shared),
        shared=shared,
        representation=Representation(representation_source(settings)),
    )


def representation_source(settings: Settings) -> RepresentationSource:
    """Where authorities to represent a citizen come from (``docs/representation.md``): a
    registry file when configured; else, outside production, the development registry with
    its demo representatives; else nobody represents anybody."""
    if settings.representation_file is not None:
        return StaticRepresentationSource.from_file(settings.representation_file)
    if settings.env != "production":
        from gateway.devtools.demo_representatives import demo_representation_source

        return demo_representation_source()
    return NoRepresentation()


def create_app(settings: Settings | None = None, *, overrides: Overrides | None = None) -> FastAPI:
    """Build the gateway. Start-up fails (closed) if a key, policy or connector cannot load."""
    settings = settings or Settings()
    overrides = overrides or Overrides()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        witness_endpoints(settings.witnesses)  # a malformed witness stops start-up, first
        svc = await build_services(settings, overrides)
        app.state.runtime = svc
        if settings.log_format == "json":
            configure_logging(json_format=True)
        app.state.tracing = Tracing.configure(
            settings.tracing_exporter,
            otlp_endpoint=settings.tracing_otlp_endpoint,
            exporter=overrides.span_exporter,
        )
        app.state.tracing.instrument(svc.http)
        app.state.audit_sequencer = await start_audit_log(svc)
        app.state.notices = start_notices(svc)
        app.state.audit_witnessing = await start_witnessing(svc, app.state.audit_sequencer)
        try:
            yield
        finally:
            await app.state.audit_witnessing.stop()
            await stop_notices(app.state.notices)
            await stop_audit_log(app.state.audit_sequencer)
            app.state.tracing.uninstrument(svc.http)
            app.state.tracing.shutdown()
            if overrides.http_client is None:
                await svc.http.aclose()
            if overrides.policy is None:
                await svc.policy.aclose()
            await svc.engine.dispose()

    app = FastAPI(
        title="Tværs",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # vendored Swagger UI and Redoc instead of FastAPI's CDN pages
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    install_openapi(app)
    install_error_handlers(app)
    # Inside GatewayMiddleware (added after it), so the request id exists when it runs.
    app.add_middleware(ObservabilityMiddleware)
    app.add_middleware(
        GatewayMiddleware,
        max_body_bytes=settings.max_body_bytes,
        https_public=settings.effective_public_url.startswith("https://"),
    )
    app.include_router(catalogue_router)
    app.include_router(consent_router)
    app.include_router(consent_requests_router)
    app.include_router(views_router)
    app.include_router(audit_router)
    app.include_router(dpo_audit_router)
    if settings.env != "production":
        from gateway.devtools.routes import router as devtools_router

        app.include_router(devtools_router)
    app.include_router(audit_log_router)
    app.include_router(audit_me_router)
    app.include_router(break_glass_router)
    app.include_router(triage_router)
    app.include_router(notices_router)
    app.include_router(citizen_copy_router)
    if settings.dev_idp_enabled:
        app.include_router(dev_idp_router())
        app.include_router(dev_idp_pages_router())
    install_web(app, settings)

    app.include_router(observability_router)
    app.include_router(apidocs_router)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app
