"""docker-compose.yml: valid Compose, pinned images, health-gated start, required secrets."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import jsonschema
import pytest

from gateway.config import Settings
from tests.deploy.compose_file import REPO, service_env

SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|(^|_)KEYS?(_|$)")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}; not $${escaped}
INTERPOLATION = re.compile(
    r"(?<!\$)\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
)
# An exact release: major.minor[.patch] (PostgreSQL has no patch number), optional suffix.
PINNED_TAG = re.compile(
    r"^[a-z0-9./_-]+:(?P<tag>\d+\.\d+(\.\d+)?(-[A-Za-z0-9._-]+)?)(@sha256:[0-9a-f]{64})?$"
)
DIGEST = re.compile(r"^[a-z0-9./_-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$")


def test_the_compose_file_validates_against_the_vendored_compose_schema(
    compose: dict[str, Any],
) -> None:
    schema = json.loads((REPO / "tests/data/compose-spec.json").read_text(encoding="utf-8"))
    # The schema names draft-07 without the trailing '#', so jsonschema cannot infer the draft.
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(compose)


def test_the_schema_check_rejects_an_invalid_file(compose: dict[str, Any]) -> None:
    schema = json.loads((REPO / "tests/data/compose-spec.json").read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(compose))
    broken["services"]["gateway"]["depends_on"]["postgres"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_production_profile_has_every_service(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {
        "gateway",
        "opa",
        "postgres",
        "keycloak",
        "sim-jobcenter",
        "sim-social",
        "sim-health",
        "witness",
    }


def test_every_image_is_pinned_to_an_exact_version(compose: dict[str, Any]) -> None:
    version = _project_version()
    for name, service in compose["services"].items():
        image = service.get("image")
        assert image, f"{name}: no image"
        assert not image.endswith(":latest") and ":" in image, f"{name}: {image} is not pinned"
        if "build" in service:  # our own image: tagged with the project version
            assert image.endswith(f":{version}"), f"{name}: {image} should carry {version}"
        else:
            assert PINNED_TAG.match(image) or DIGEST.match(image), f"{name}: {image} not exact"


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"{name}: no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), f"{name}: health check has no command"
        assert check.get("interval") and check.get("retries"), f"{name}: interval and retries"


def test_services_start_only_when_what_they_need_is_healthy(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["gateway"]["depends_on"], "the gateway waits for its dependencies"
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert rule == {"condition": "service_healthy"}, f"{name} → {dependency}: {rule}"
    # Not on the witness: a witness that is down delays cosigning, never the gateway.
    assert set(services["gateway"]["depends_on"]) == set(services) - {"gateway", "witness"}


def test_every_variable_is_explicit_and_every_secret_is_required(compose_text: str) -> None:
    found = list(INTERPOLATION.finditer(compose_text))
    assert found, "the file reads its secrets from the environment"
    secrets = set()
    for match in found:
        name, op, arg = match["name"], match["op"], match["arg"]
        assert op in (":?", ":-"), f"${{{name}}}: say ':?' (required) or ':-' (default)"
        if SECRET_NAME.search(name):
            secrets.add(name)
            assert op == ":?" and arg.strip(), f"${{{name}}} is a secret: use ${{{name}:?message}}"
    assert {"POSTGRES_PASSWORD", "KEYCLOAK_DB_PASSWORD", "KEYCLOAK_ADMIN_PASSWORD"} <= secrets


def test_no_secret_is_written_into_the_file(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for key, value in service_env(service).items():
            if SECRET_NAME.search(key) and not key.endswith("_FILE"):
                assert isinstance(value, str) and "${" in value, f"{name}.{key} is a literal"


def test_the_gateway_is_configured_only_with_settings_that_exist(compose: dict[str, Any]) -> None:
    from gateway.web.config import WebSettings

    fields = {f"TVAERS_{name.upper()}" for name in Settings.model_fields}
    fields |= {f"TVAERS_WEB_{name.upper()}" for name in WebSettings.model_fields}
    env = service_env(compose["services"]["gateway"])
    unknown = sorted(k for k in env if k.startswith("TVAERS_") and k not in fields)
    assert not unknown, f"not fields of gateway.config.Settings: {unknown}"
    assert env["TVAERS_ENV"] == "production"
    assert env["TVAERS_POLICY_ENGINE"] == "opa"
    assert env["TVAERS_OPA_URL"] == "http://opa:8181"


def test_the_gateway_connectors_are_installed_and_probed(compose: dict[str, Any]) -> None:
    from importlib.metadata import entry_points

    from connectors.sdk import ENTRY_POINT_GROUP

    env = service_env(compose["services"]["gateway"])
    connectors = json.loads(env["TVAERS_CONNECTORS"])
    installed = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert set(connectors) <= installed
    for name, options in connectors.items():
        host = f"sim-{name}"
        assert host in compose["services"], f"{name}: no simulator service {host}"
        assert options["base_url"].startswith(f"http://{host}:")
        assert options["health_url"] == f"http://{host}:{_port(compose, host)}/healthz"


def test_each_simulator_runs_its_own_factory(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if not name.startswith("sim-"):
            continue
        command = service["command"]
        factory = command[command.index("--factory") + 1]
        module, _, attribute = factory.partition(":")
        assert module == f"connectors.simulators.{name.removeprefix('sim-')}"
        assert callable(getattr(importlib.import_module(module), attribute))
        port = _port(compose, name)
        assert f"127.0.0.1:{port}/healthz" in " ".join(service["healthcheck"]["test"])


def test_the_key_secrets_match_the_gateway_key_files(compose: dict[str, Any]) -> None:
    gateway = compose["services"]["gateway"]
    env = service_env(gateway)
    assert set(gateway["secrets"]) == set(compose["secrets"]) - {"witness_key"}
    files = {env[k] for k in env if k.endswith("_KEY_FILE")}
    assert files == {f"/run/secrets/{name}" for name in gateway["secrets"]}


def test_the_witness_runs_apart_with_its_own_key_and_volume(compose: dict[str, Any]) -> None:
    witness = compose["services"]["witness"]
    env = service_env(witness)
    assert witness["command"][:3] == ["tvaers", "witness", "serve"]
    assert witness["secrets"] == ["witness_key"]  # none of the gateway's keys
    assert env["TVAERS_WITNESS_KEY_FILE"] == "/run/secrets/witness_key"
    assert "witness-data:/witness" in witness["volumes"]
    assert env["TVAERS_WITNESS_DATABASE"].startswith("/witness/")
    assert "witness-data" in compose["volumes"]
    gateway_volumes = compose["services"]["gateway"]["volumes"]
    assert not any(v.startswith("witness-data") for v in gateway_volumes)
    witnesses = json.loads(service_env(compose["services"]["gateway"])["TVAERS_WITNESSES"])
    assert witnesses[0]["url"] == f"http://witness:{_port(compose, 'witness')}"


def test_databases_and_policy_engine_are_not_published(compose: dict[str, Any]) -> None:
    services = compose["services"]
    internal_only = ["postgres", "opa", "sim-jobcenter", "sim-social", "sim-health"]
    for name in internal_only:
        assert "ports" not in services[name], f"{name} must not be published"
        assert services[name]["networks"] == ["internal"]
    assert compose["networks"]["internal"]["internal"] is True


def test_postgres_keeps_its_data_in_a_named_volume(compose: dict[str, Any]) -> None:
    volumes = compose["services"]["postgres"]["volumes"]
    assert "postgres-data:/var/lib/postgresql" in volumes
    assert "postgres-data" in compose["volumes"]


def _port(compose: dict[str, Any], service: str) -> str:
    command = compose["services"][service]["command"]
    return str(command[command.index("--port") + 1])


def _project_version() -> str:
    match = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert match
    return match.group(1)
