"""``tvaers policy``: run the Rego unit tests, regenerate the catalogue index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

from gateway.policy.catalogue_index import INDEX_FILE, render_index
from gateway.policy.files import load_catalogue
from gateway.policy.rego_tests import RegoTest, run_on_opa, run_on_regorus
from gateway.policy.types import PolicyEngineError

policy_app = typer.Typer(
    help="Policies: Rego unit tests and the catalogue index.", no_args_is_help=True
)

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "policies"
PoliciesDir = Annotated[Path, typer.Option("--policies", help="The policy directory (bundle).")]


def _report(engine: str, results: Iterator[tuple[RegoTest, bool]]) -> bool:
    total = failed = 0
    for test, passed in results:
        total += 1
        if not passed:
            failed += 1
            typer.echo(f"FAIL [{engine}] {test.test_id} ({test.path.name})")
    typer.echo(f"{engine}: {total - failed}/{total} passed")
    return total > 0 and failed == 0


@policy_app.command("test")
def run_tests(
    policies: PoliciesDir = DEFAULT_DIR,
    engine: Annotated[
        str, typer.Option(help="regorus, opa, or all (OPA only if its bindings are installed).")
    ] = "all",
) -> None:
    """Run every test_* rule of every *_test.rego on regorus and, if installed, on real OPA."""
    runners: dict[str, Callable[[Path], Iterator[tuple[RegoTest, bool]]]] = {
        "regorus": run_on_regorus,
        "opa": run_on_opa,
    }
    if engine not in (*runners, "all"):
        raise typer.BadParameter("engine must be regorus, opa or all")
    ok = True
    for name, runner in runners.items():
        if engine not in (name, "all"):
            continue
        try:
            ok = _report(name, runner(policies)) and ok
        except ImportError:
            if engine == name:
                typer.echo("OPA bindings are not installed (opa-golib-python-bindings)", err=True)
                raise typer.Exit(2) from None
            typer.echo("opa: skipped (opa-golib-python-bindings not installed)")
        except PolicyEngineError as exc:
            typer.echo(f"{name}: cannot load the policies: {exc}", err=True)
            raise typer.Exit(2) from None
    if not ok:
        raise typer.Exit(1)


@policy_app.command("index")
def index(
    policies: PoliciesDir = DEFAULT_DIR,
    check: Annotated[bool, typer.Option(help="Only check that the index is current.")] = False,
) -> None:
    """Regenerate policies/catalogue/index/data.json from the catalogue (or --check it)."""
    path = policies / INDEX_FILE
    expected = render_index(load_catalogue(policies))
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if check:
        if current != expected:
            typer.echo(f"{path} is stale; run `tvaers policy index`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{path} is current")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(expected, encoding="utf-8")
    typer.echo(f"wrote {path}")


@policy_app.command("sign")
def sign(
    key: Annotated[Path, typer.Option("--key", help="RSA private key (PEM) that signs bundles.")],
    policies: PoliciesDir = DEFAULT_DIR,
    keyid: Annotated[str, typer.Option(help="Key id OPA's bundle config names.")] = "tvaers-policy",
) -> None:
    """Write .signatures.json (OPA's bundle-signing format) for the policy directory."""
    from gateway.policy.signing import sign_bundle

    target = sign_bundle(policies, key.read_bytes(), keyid=keyid)
    typer.echo(f"signed {policies} -> {target}")


@policy_app.command("verify-signature")
def verify_signature(
    key: Annotated[Path, typer.Option("--key", help="The signer's public key (PEM).")],
    policies: PoliciesDir = DEFAULT_DIR,
    keyid: Annotated[str, typer.Option(help="Expected key id.")] = "tvaers-policy",
) -> None:
    """Check .signatures.json against the key and every bundle file (exit 1 if it fails)."""
    from gateway.policy.signing import BundleSignatureError, verify_bundle

    try:
        count = verify_bundle(policies, key.read_bytes(), keyid=keyid)
    except BundleSignatureError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"signature valid for {count} files")
