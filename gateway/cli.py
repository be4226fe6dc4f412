"""``tvaers``: serve, demo, database, audit and policy commands."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Annotated, Any

import typer
import uvicorn

from connectors.sdk.cli import connector_app
from gateway.keys_cli import keys_app
from gateway.notices.cli import notices_app
from gateway.policy.cli import policy_app
from gateway.witness.cli import witness_app

app = typer.Typer(
    help="Tværs: consent-bound data sharing between municipal departments.", no_args_is_help=True
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit log: export and offline verification.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(connector_app, name="connector")
app.add_typer(keys_app, name="keys")
app.add_typer(policy_app, name="policy")
app.add_typer(notices_app, name="notices")
app.add_typer(witness_app, name="witness")

try:  # the offline verifier needs no database; mounted when present
    from gateway.audit.proofs.cli import audit_verify_app

    audit_app.add_typer(audit_verify_app, name="verify")
except ImportError:  # pragma: no cover
    pass

from gateway.audit.log.cli import register as register_audit_commands  # noqa: E402

register_audit_commands(audit_app)  # export, purge, public-key


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="TVAERS_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="TVAERS_PORT")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            envvar="TVAERS_WORKERS",
            min=1,
            help="Worker processes on one port (uvicorn's supervisor restarts a dead one).",
        ),
    ] = 1,
) -> None:
    """Run the gateway (configuration from TVAERS_* environment variables).

    With ``--workers N`` the processes behave as N replicas of one database: the schema is
    migrated once here, before any worker starts; each worker then only checks it. One
    sequencer leads at a time (the audit log's leader lock), notice deliveries are claimed
    row by row, and limits and jobs live in the shared state (docs/architecture.md).
    """
    from gateway.app import create_app
    from gateway.config import Settings, UnsafeConfiguration
    from gateway.keys import KeyConfigurationError, load_checked_keys
    from gateway.logging import configure_logging

    configure_logging()
    settings = Settings(host=host, port=port)
    try:  # the lifespan checks again; here the operator gets a plain message and exit code 2
        load_checked_keys(settings)
    except (UnsafeConfiguration, KeyConfigurationError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_config": None,
        # Only these proxies may say who the client is (login limits count per client).
        "proxy_headers": bool(settings.forwarded_allow_ips),
        "forwarded_allow_ips": settings.forwarded_allow_ips or None,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    if settings.migrate_on_startup:
        db_upgrade("head")
    _shared_secrets(settings)
    # The workers are fresh processes that read their settings from the environment.
    os.environ.update(
        {"TVAERS_HOST": host, "TVAERS_PORT": str(port), "TVAERS_MIGRATE_ON_STARTUP": "false"}
    )
    if settings.shared_state == "auto":  # limits and jobs counted across the workers
        os.environ["TVAERS_SHARED_STATE"] = "database"
    uvicorn.run(
        "gateway.cli:worker_app",
        factory=True,
        workers=workers,
        # The supervisor pings each worker; one busy starting up (imports) or serving on a
        # loaded machine may answer late, and uvicorn's 5 s default kills and restarts it.
        timeout_worker_healthcheck=60,
        **options,
    )


def _shared_secrets(settings: Any) -> None:
    """Files a process would otherwise generate for itself in development (the dev identity
    provider's signing key, the web session secret): made once, before the workers share
    them, so a token or cookie from one worker is good on every other."""
    from gateway.auth.devidp import DevIdentityProvider
    from gateway.web.config import WebSettings

    if settings.dev_idp_enabled and not settings.oidc_jwks_url:
        DevIdentityProvider(
            key_path=settings.keys_dir / "dev-idp-key.json",
            issuer=settings.effective_issuer,
            audience=settings.oidc_audience,
            users=[],
        )
    WebSettings().effective_session_secret(
        keys_dir=settings.keys_dir, allow_generate=settings.env != "production"
    )


def worker_app() -> Any:
    """One worker of ``tvaers serve --workers N`` (settings from the environment)."""
    from gateway.app import create_app
    from gateway.logging import configure_logging

    configure_logging()
    return create_app()


@app.command()
def demo(host: str = "127.0.0.1", port: int = 8000, sim_port: int = 8101) -> None:
    """Run the gateway, the three department simulators, a witness and the dev identity provider.

    The department simulators listen on ``sim_port`` and the two ports after it, the
    Digital Post simulator on the third, the witness on the fourth.
    """
    from gateway.demo import run_demo
    from gateway.logging import configure_logging

    configure_logging()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a demo ends
        asyncio.run(run_demo(host, port, sim_port))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations once (replicas with TVAERS_MIGRATE_ON_STARTUP=false wait for this)."""
    from gateway.config import Settings
    from gateway.db import create_engine, migrate

    async def run() -> None:
        settings = Settings()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(settings.effective_database_url, pool_size=1, max_overflow=0)
        await migrate(engine, revision=revision)  # serialised by an advisory lock (PostgreSQL)
        await engine.dispose()

    asyncio.run(run())
    typer.echo(f"database at {revision}")


if __name__ == "__main__":  # pragma: no cover
    app()
