"""The files docker-compose.yml mounts or builds from: OPA bundle and config, Keycloak realm,
Dockerfile and its dependency lock, and docs/deploy.md."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.devtools.demo_users import demo_users
from tests.deploy.compose_file import COMPOSE_FILE, REPO, service_env

REALM_FILE = REPO / "deploy/keycloak/tvaers-realm.json"


# ------------------------------------------------------------------------------------ OPA


def _bundle_mounts(compose: dict[str, Any]) -> dict[str, str]:
    """Container path under /bundle → host path, for the OPA service."""
    mounts = {}
    for volume in compose["services"]["opa"]["volumes"]:
        host, container, *_ = volume.split(":")
        if container.startswith("/bundle/") and container != "/bundle/.manifest":
            mounts[container] = host
    return mounts


def test_opa_serves_every_policy_folder_as_one_bundle(compose: dict[str, Any]) -> None:
    opa = compose["services"]["opa"]
    assert opa["command"][-2:] == ["--bundle", "/bundle"]
    assert "--ignore=*_test.rego" in opa["command"]
    mounts = _bundle_mounts(compose)
    # Every folder of policies/ is in the bundle at its own name, so a new one cannot be left out;
    # the catalogue lands at data.catalogue, where the Rego reads it.
    folders = sorted(p.name for p in (REPO / "policies").iterdir() if p.is_dir())
    for folder in folders:
        assert mounts.get(f"/bundle/{folder}") == f"./policies/{folder}", folder
    assert mounts["/bundle/catalogue"] == "./policies/catalogue"
    assert (REPO / "policies/catalogue/data.json").is_file()
    for container, host in mounts.items():
        assert (REPO / host).is_dir(), f"{host} (mounted at {container}) does not exist"
    # The manifest carries the revision the gateway reports as its policy version, and roots
    # that cover every folder of the bundle (OPA refuses data outside declared roots).
    assert "./policies/.manifest:/bundle/.manifest:ro" in opa["volumes"]
    manifest = json.loads((REPO / "policies/.manifest").read_text(encoding="utf-8"))
    assert set(manifest["roots"]) == {Path(c).name for c in mounts}


def test_opa_decision_logs_mask_the_citizen(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy/opa/opa.yaml").read_text(encoding="utf-8"))
    assert config["decision_logs"]["mask_decision"] == "/system/log/mask"
    mask = (REPO / "deploy/opa/system/log/mask.rego").read_text(encoding="utf-8")
    assert re.search(r"^package system\.log$", mask, re.M)
    assert re.search(r'^mask contains "/input/citizen"$', mask, re.M)
    assert _bundle_mounts(compose)["/bundle/system"] == "./deploy/opa/system"
    assert "./deploy/opa/opa.yaml:/config/opa.yaml:ro" in compose["services"]["opa"]["volumes"]


def test_the_masked_path_is_where_the_gateway_puts_the_pseudonym() -> None:
    from datetime import UTC, datetime

    from gateway.policy.input import build_policy_input

    policy_input = build_policy_input(
        subject_user_id="u",
        subject_department="jobcenter",
        subject_roles=["caseworker"],
        purpose="tvaerfagligt_team",
        citizen_pseudonym="pseudonym-abc",
        categories=["health.wellbeing"],
        consents=[],
        now=datetime(2026, 11, 22, tzinfo=UTC),
    )
    assert policy_input["citizen"] == "pseudonym-abc"


def test_opa_runs_the_same_engine_version_as_the_test_oracle(compose: dict[str, Any]) -> None:
    # tests/policy's oracle is OPA 1.20.x in-process; the server in compose is the same minor.
    assert compose["services"]["opa"]["image"].startswith("openpolicyagent/opa:1.20.")


# ------------------------------------------------------------------------------- Keycloak


def _realm() -> dict[str, Any]:
    loaded = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_realm_has_every_demo_user_with_the_claims_the_gateway_reads() -> None:
    realm = _realm()
    users = {u["username"]: u for u in realm["users"]}
    for demo in demo_users():
        user = users.pop(demo.username)
        attributes = user["attributes"]
        assert attributes["kind"] == [demo.kind]
        assert attributes.get("department") == ([demo.department] if demo.department else None)
        assert attributes.get("cpr") == ([demo.cpr] if demo.cpr else None)
        # The team claim (issue 14): scoped consents match it.
        assert attributes.get("tvaers_teams") == (list(demo.teams) if demo.teams else None)
        assert user.get("clientRoles", {}).get("tvaers", []) == list(demo.roles)
    assert not users, f"users that are not demo users: {sorted(users)}"


def test_the_realm_defines_the_departments_and_roles() -> None:
    realm = _realm()
    departments = {u.department for u in demo_users() if u.department}
    assert {g["name"] for g in realm["groups"]} == departments
    roles = {u for d in demo_users() for u in d.roles}
    assert {r["name"] for r in realm["roles"]["client"]["tvaers"]} == roles


def test_portal_tokens_carry_kind_department_roles_cpr_and_audience_tvaers() -> None:
    clients = {c["clientId"]: c for c in _realm()["clients"]}
    mappers = {m["name"]: m for m in clients["tvaers-portal"]["protocolMappers"]}
    for claim in ("kind", "department", "cpr", "tvaers_teams"):
        config = mappers[claim]["config"]
        assert mappers[claim]["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert config["user.attribute"] == claim and config["claim.name"] == claim
        assert config["access.token.claim"] == "true"
    roles = mappers["roles"]
    assert roles["protocolMapper"] == "oidc-usermodel-client-role-mapper"
    assert roles["config"]["usermodel.clientRoleMapping.clientId"] == "tvaers"
    assert roles["config"]["claim.name"] == "roles" and roles["config"]["multivalued"] == "true"
    audience = mappers["audience tvaers"]
    assert audience["protocolMapper"] == "oidc-audience-mapper"
    assert audience["config"]["included.custom.audience"] == "tvaers"


def test_users_cannot_edit_their_own_department_or_cpr() -> None:
    provider = _realm()["components"]["org.keycloak.userprofile.UserProfileProvider"][0]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    attributes = {a["name"]: a for a in profile["attributes"]}
    for name in ("kind", "department", "cpr"):
        assert attributes[name]["permissions"]["edit"] == ["admin"], name
    assert profile["unmanagedAttributePolicy"] != "ENABLED"


def test_the_realm_file_holds_no_password() -> None:
    realm = _realm()
    for user in realm["users"]:
        for credential in user["credentials"]:
            assert credential["value"] == "${TVAERS_DEMO_PASSWORD}"
    env = service_env(_compose()["services"]["keycloak"])
    assert env["TVAERS_DEMO_PASSWORD"].startswith("${TVAERS_DEMO_PASSWORD:?")


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


# ------------------------------------------------------------------------- image and lock


def _dockerfile() -> str:
    return (REPO / "Dockerfile").read_text(encoding="utf-8")


def test_the_image_is_slim_python_311_pinned_and_runs_as_non_root() -> None:
    text = _dockerfile()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
    assert base and re.fullmatch(r"python:3\.11\.\d+-slim-[a-z]+(@sha256:[0-9a-f]{64})?", base[1])
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1] == "10001:10001"
    assert "pip install --require-hashes --no-deps -r /tmp/requirements.lock" in text
    assert "pip install --no-deps /src" in text


def test_the_build_context_leaves_out_keys_data_and_state() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[ignore.index("*") :][0] == "*", "everything is excluded unless allowed"
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == {
        "pyproject.toml",
        "README.md",
        "deploy/requirements.lock",
        "gateway",
        "connectors",
        "policies",
    }
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", _dockerfile(), re.M):
        for source in copied.split():
            assert source in allowed, f"Dockerfile copies {source}, which .dockerignore leaves out"


def _lock() -> dict[str, str]:
    text = (REPO / "deploy/requirements.lock").read_text(encoding="utf-8")
    blocks = re.findall(
        r"^([A-Za-z0-9_.-]+)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)", text, re.M
    )
    names = re.findall(r"^[A-Za-z0-9_.-]+==", text, re.M)
    assert len(blocks) == len(names), "every locked requirement carries hashes"
    return {_normalise(name): version for name, version, _ in blocks}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_lock_pins_exactly_the_versions_pyproject_pins() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    lock = _lock()
    for requirement in pyproject["project"]["dependencies"]:
        name, _, version = requirement.partition("==")
        name = _normalise(re.sub(r"\[.*\]", "", name))
        assert lock.get(name) == version, (
            f"{name}=={version} is not in deploy/requirements.lock: regenerate it (docs/deploy.md)"
        )
    assert "pytest" not in lock, "development tools stay out of the image"


# ------------------------------------------------------------------------------------ docs


def test_the_deploy_doc_names_every_service_secret_and_file(compose: dict[str, Any]) -> None:
    doc = (REPO / "docs/deploy.md").read_text(encoding="utf-8")
    for service in compose["services"]:
        assert f"`{service}`" in doc, f"docs/deploy.md does not describe the {service} service"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name in sorted(set(re.findall(r"\$\{([A-Z_]+):\?", text))):
        assert name in doc, f"docs/deploy.md does not explain {name}"
    for secret in compose["secrets"].values():
        assert Path(secret["file"]).name in doc
    for needed in ("tvaers keys generate", "/readyz", "/metrics", "pg_dump", "advisory lock"):
        assert needed in doc, needed


# ------------------------------------------------------- the real Compose parser, if present


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and _runs([docker, "compose", "version"]):
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    if standalone and _runs([standalone, "version"]):
        return [standalone]
    return None


def _runs(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return False
    return done.returncode == 0 and "v2" in done.stdout + done.stderr


@pytest.fixture(scope="module")
def compose_cli() -> list[str]:
    cli = _compose_cli()
    if cli is None:
        pytest.skip(
            "no Compose v2 CLI here: the docker CLI has no compose plugin and no docker-compose "
            "binary is on PATH (the vendored JSON schema test above still validates the file)"
        )
    return cli


def _run_config(cli: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*cli, "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=REPO,
    )


def _required_env(keys_dir: Path) -> dict[str, str]:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    env = {name: "not-a-real-secret-1" for name in re.findall(r"\$\{([A-Z_]+):\?", text)}
    env["TVAERS_KEYS_DIR"] = str(keys_dir)
    return env


def test_docker_compose_accepts_the_file(compose_cli: list[str], tmp_path: Path) -> None:
    done = _run_config(compose_cli, _required_env(tmp_path))
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_docker_compose_refuses_to_start_without_a_secret(
    compose_cli: list[str], tmp_path: Path
) -> None:
    env = _required_env(tmp_path)
    del env["POSTGRES_PASSWORD"]
    done = _run_config(compose_cli, env)
    assert "POSTGRES_PASSWORD" in done.stderr
    assert done.returncode != 0 or "required variable" in done.stderr
