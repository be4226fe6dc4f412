"""``tvaers notices``: the operator's view of the outbox (dead letters, retry, one pass)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import typer

notices_app = typer.Typer(
    help="Citizen notices: the outbox's dead letters, retry, one delivery pass.",
    no_args_is_help=True,
)


async def _with_sessions(action: str, delivery_id: str | None = None) -> list[str]:
    from gateway.config import Settings
    from gateway.db import create_engine, make_sessionmaker, migrate
    from gateway.notices.jobs import dead_letters, retry_dead

    settings = Settings()
    engine = create_engine(settings.effective_database_url)
    try:
        await migrate(engine)
        sessions = make_sessionmaker(engine)
        async with sessions() as session:
            if action == "dead":
                return [
                    f"{d.delivery_id}  {d.channel:<12} {n.kind:<20} attempts={d.attempts} "
                    f"error={d.last_error or '-'}  created={d.created_at.isoformat()}"
                    for d, n in await dead_letters(session)
                ]
            assert delivery_id is not None
            done = await retry_dead(session, delivery_id, now=datetime.now(UTC))
            await session.commit()
            return ["queued again" if done else "not a dead letter"]
    finally:
        await engine.dispose()


@notices_app.command("dead")
def dead() -> None:
    """List deliveries that gave up (dead letters), newest first. Exit 1 if there are any."""
    lines = asyncio.run(_with_sessions("dead"))
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("Ingen døde beskeder / no dead letters")
    raise typer.Exit(1 if lines else 0)


@notices_app.command("retry")
def retry(delivery_id: str) -> None:
    """Put a dead letter back in the queue (same message id, attempts reset)."""
    (line,) = asyncio.run(_with_sessions("retry", delivery_id))
    typer.echo(line)
    raise typer.Exit(0 if line == "queued again" else 1)
