"""``tvaers connector``: scaffold a connector, run the conformance kit, list what is installed."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated

import httpx
import typer

from connectors.sdk.conformance import (
    ConformanceFixture,
    default_catalogue_path,
    load_catalogue,
    run_conformance,
)
from connectors.sdk.discovery import ConnectorNotFound, find_connector, find_fixture
from connectors.sdk.scaffold import ScaffoldError, write_connector
from connectors.sdk.types import ENTRY_POINT_GROUP

connector_app = typer.Typer(
    help="Connectors: scaffold one, check it with the conformance kit, list the installed ones.",
    no_args_is_help=True,
)

CatalogueOption = Annotated[
    Path | None,
    typer.Option(help="Catalogue JSON (default: $TVAERS_POLICIES_DIR/catalogue/data.json)."),
]


@connector_app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="Connector name, e.g. 'probe' (a-z, 0-9, _).")],
    department: Annotated[str, typer.Option(help="Department it serves, e.g. health.")],
    out: Annotated[Path, typer.Option(help="Directory to create the project in.")] = Path(),
    catalogue: CatalogueOption = None,
) -> None:
    """Write a working connector project OUT/NAME that passes the conformance kit."""
    try:
        project = write_connector(
            name, department=department, out_dir=out, catalogue=load_catalogue(catalogue)
        )
    except ScaffoldError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"wrote {project}")
    typer.echo(f"next: tvaers connector check {name}   (from {out.resolve()})")


@connector_app.command("check")
def check(
    name: Annotated[str, typer.Argument(help="Entry-point name, or module:factory.")],
    against: Annotated[
        str | None,
        typer.Option(help="Base URL of a running system to use instead of the recorded one."),
    ] = None,
    cpr_env: Annotated[
        str,
        typer.Option(help="With --against: env var holding a synthetic CPR the system knows."),
    ] = "TVAERS_CHECK_CPR",
    concurrency: Annotated[int, typer.Option(min=1, max=256)] = 16,
    catalogue: CatalogueOption = None,
) -> None:
    """Run the conformance kit against connector NAME; exit code 1 when a check fails."""
    try:
        found = find_connector(name)
        fixture = find_fixture(found)
    except (ConnectorNotFound, ImportError, AttributeError, TypeError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    # The CPR comes from the environment, never the command line (shell history, ps).
    live_cpr = os.environ.get(cpr_env)
    if against is not None:
        if fixture is None and not live_cpr:
            typer.echo(f"error: --against needs a known citizen: set {cpr_env}", err=True)
            raise typer.Exit(2)
        if fixture is None:
            fixture = ConformanceFixture(
                base_url=against, system=httpx.AsyncHTTPTransport, cpr=live_cpr or ""
            )
        fixture = fixture.against(against)
        if live_cpr:
            fixture = replace(fixture, cpr=live_cpr)
    if fixture is None:
        typer.echo(
            f"error: {found.module.__name__} has no conformance_fixture() and no "
            "conformance.json; add one, or pass --against URL",
            err=True,
        )
        raise typer.Exit(2)
    report = asyncio.run(
        run_conformance(
            found.factory,
            fixture,
            name=f"{name} ({found.origin})",
            catalogue=load_catalogue(catalogue),
            concurrency=concurrency,
        )
    )
    typer.echo(report.table())
    if not report.passed:
        raise typer.Exit(1)


@connector_app.command("list")
def list_connectors() -> None:
    """Installed connectors (entry points) and the catalogue in use."""
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        typer.echo(f"{ep.name:<16} {ep.value}")
    typer.echo(f"catalogue: {default_catalogue_path()}")
