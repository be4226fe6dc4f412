"""One settings class for the whole gateway (environment prefix ``TVAERS_``)."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Gateway configuration. Every field can be set as ``TVAERS_<NAME>``."""

    # Each field's docstring is its description: docs/configuration.md is generated from them.
    model_config = SettingsConfigDict(
        env_prefix="TVAERS_", extra="ignore", use_attribute_docstrings=True
    )

    env: Literal["development", "test", "production"] = "development"
    """`production` turns on the start-up refusals (see below); `development` generates keys
    and enables the development identity provider."""
    data_dir: Path = Path(".tvaers-data")
    """Where the embedded SQLite database and, in development, generated keys live."""
    database_url: str = ""
    """SQLAlchemy async URL, e.g. `postgresql+asyncpg://tvaers:…@db/tvaers`. Empty: SQLite
    in `data_dir`."""
    db_pool_size: int = Field(10, ge=1)
    """Database connections each process keeps open for requests (plus 3 for the audit
    sequencer). Replicas × (`db_pool_size` + `db_max_overflow` + 3) must stay below
    PostgreSQL's `max_connections`."""
    db_max_overflow: int = Field(10, ge=0)
    """Extra request connections each process may open under load, closed when idle."""
    migrate_on_startup: bool = True
    """Apply migrations at start-up (serialised by an advisory lock on PostgreSQL). `false`:
    run `tvaers db upgrade` once (e.g. a Kubernetes Job) and start replicas after it."""
    shared_state: Literal["auto", "memory", "database"] = "auto"
    """Where rate limits and "verify now" jobs live: `database` (shared by every replica),
    `memory` (this process only), `auto` = `database` on PostgreSQL, `memory` on SQLite."""
    forwarded_allow_ips: str = "127.0.0.1"
    """Proxies whose `X-Forwarded-For`/`-Proto` are trusted by `tvaers serve` (comma-separated
    addresses or networks, or `*`; uvicorn's option). Set it to your load balancer's address,
    or login limits count every user behind it as one; empty: trust no proxy."""
    work_dir: Path | None = None
    """Disk folder for large temporary files (the "verify now" export); empty: `data_dir`/work
    (not `/tmp`, which is often RAM-backed)."""
    host: str = "127.0.0.1"
    """Address `tvaers serve` listens on."""
    port: int = 8000
    """Port `tvaers serve` listens on."""
    public_url: str = ""
    """The gateway's external URL (receipt issuer, dev issuer); must be https in production."""

    # Identity: the issuer whose JWKS validates bearer tokens. Empty in development means the
    # built-in development identity provider at ``public_url``.
    oidc_issuer: str = ""
    """Expected `iss` of bearer tokens. Empty: the gateway itself (development identity
    provider)."""
    oidc_audience: str = "tvaers"
    """Expected `aud` of bearer tokens."""
    oidc_jwks_url: str = ""
    """The identity provider's JWKS URL; required in production."""
    oidc_discovery_url: str = ""
    """Where the gateway fetches the provider's OpenID configuration for web login (e.g. an
    internal address in compose or Kubernetes); empty: `oidc_issuer` +
    `/.well-known/openid-configuration`."""
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "Ed25519"])
    """Token signature algorithms accepted (JSON list)."""
    token_leeway_s: int = 30
    """Clock skew tolerated on token times, seconds."""
    oidc_access_token_typ: str = "at+jwt"  # noqa: S105 (a media type, not a secret)
    """Expected JOSE `typ` header of access tokens (RFC 9068: `at+jwt`). A token whose header
    carries another `typ` (e.g. an ID token) is refused; a token without `typ` is accepted
    (many providers omit it). Empty: `typ` is not checked (for providers that mark access
    tokens plain `JWT`)."""
    oidc_claim_cpr: str = "cpr"
    """Claim that carries a citizen's CPR number (a MitID broker: see "Claim mapping" below)."""
    oidc_claim_kind: str = "kind"
    """Claim that says citizen or employee (values `oidc_kind_citizen`/`oidc_kind_employee`).
    Empty: inferred — a CPR claim without a department makes a citizen, a department without
    a CPR claim an employee, both or neither is refused."""
    oidc_kind_citizen: str = "citizen"
    """Value of the kind claim for a citizen."""
    oidc_kind_employee: str = "employee"
    """Value of the kind claim for an employee."""
    oidc_claim_department: str = "department"
    """Claim with an employee's department (a department id of the catalogue)."""
    oidc_claim_roles: str = "roles"
    """Claim with an employee's roles: a JSON list, or one string separated by spaces."""
    oidc_claim_name: str = "name"
    """Claim with the person's display name (falls back to `sub`)."""
    oidc_claim_loa: str = "acr"
    """Claim with the login's assurance: `acr`, or a broker's NSIS LoA claim."""
    oidc_loa_values: dict[str, str] = Field(default_factory=dict)
    """Extra values of the assurance claim → NSIS level (`low`, `substantial`, `high`), JSON
    object, compared case-insensitively; added to the built-in NSIS URIs
    (`https://data.gov.dk/concept/core/nsis/loa/Substantial`, …), bare `Low`/`Substantial`/
    `High` and `urn:grn:authn:dk:mitid:*`."""
    oidc_citizen_min_loa: Literal["none", "low", "substantial", "high"] = "none"
    """Lowest NSIS level a citizen's token (API) or login (portal) may have; below it the
    gateway answers 401 `insufficient_user_authentication`. MitID logins for personal data:
    `substantial`."""
    oidc_employee_min_loa: Literal["none", "low", "substantial", "high"] = "none"
    """Lowest NSIS level an employee's token or login may have (see `oidc_citizen_min_loa`)."""
    representation_file: Path | None = None
    """Registry of authorities to represent a citizen (værge / fuldmagt), a JSON list
    (docs/representation.md). Unset: the demo registry outside production, none in production."""
    team_claim: str = "tvaers_teams"
    """Token claim listing an employee's team ids (a JSON list, or a space-separated string),
    matched against the teams a consent is scoped to. Empty: no caller is in any team."""
    dev_idp: bool | None = None
    """Development identity provider (`/dev/token`, demo users). Unset: on in development and
    test, off in production (where `true` is refused)."""

    # Keys: files (paths) or inline values. In development they are generated on first run.
    # An inline value wins over its file. See docs/keys.md for formats and rotation.
    data_key_file: Path | None = None
    """Data encryption key ring (JSON, AES-256-GCM keys)."""
    pseudonym_key_file: Path | None = None
    """CPR pseudonym HMAC key ring (JSON)."""
    receipt_key_file: Path | None = None
    """Ed25519 PEM key that signs consent receipts."""
    audit_key_file: Path | None = None
    """Ed25519 PEM key that signs audit checkpoints."""
    data_keys: SecretStr | None = None
    """The data key ring's JSON itself (instead of `data_key_file`)."""
    pseudonym_keys: SecretStr | None = None
    """The pseudonym key ring's JSON itself (instead of `pseudonym_key_file`)."""
    receipt_key: SecretStr | None = None
    """The receipt signing key's PEM itself; `\\n` escapes allowed for one-line env files."""
    audit_key: SecretStr | None = None
    """The audit signing key's PEM itself; `\\n` escapes allowed for one-line env files."""
    audit_origin: str = "tvaers.example.kommune.dk/audit"
    """The audit log's origin line in checkpoints: your municipality's own name (the
    placeholder is refused in production)."""
    audit_retention_days: int | None = Field(default=None, ge=1)
    """Audit entry bodies older than this are purged (leaf hashes stay); unset keeps them all."""
    witnesses: list[dict[str, str]] = Field(default_factory=list)
    """Witnesses that cosign audit checkpoints (C2SP tlog-witness), JSON list of
    `{"url": ..., "key": <witness verifier key>}`; see docs/witness.md. Empty: none."""
    witness_quorum: int = Field(1, ge=1)
    """Cosignatures a checkpoint needs before it is published and the DPO console calls the
    log witnessed."""
    witness_timeout_s: float = Field(3.0, gt=0)
    """Deadline for one witness request, seconds (a slow witness only delays cosigning)."""
    checkpoint_publish_dir: Path | None = None
    """Directory where each cosigned checkpoint is written once (`<size>.note`). Unset:
    `data_dir/published-checkpoints`."""

    policies_dir: Path = REPO_ROOT / "policies"
    """Rego policies and catalogue data."""
    policy_bundle_key_file: Path | None = None
    """Public PEM key of the policy-bundle signer: when set, `policies_dir` must carry a valid
    `.signatures.json` (`tvaers policy sign`) or start-up fails."""
    policy_engine: Literal["regorus", "opa"] = "regorus"
    """`regorus` (embedded) or `opa` (an OPA server at `opa_url`)."""
    opa_url: str = "http://127.0.0.1:8181"
    """The OPA server's base URL (with `policy_engine=opa`)."""
    opa_timeout_s: float = Field(0.5, gt=0)
    """Deadline for one OPA decision, seconds; slower means no data, 503."""

    # Connectors: name -> {"base_url": ..., "timeout_s": ..., "options": {...}}.
    connectors: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {
            "jobcenter": {"base_url": "http://127.0.0.1:8101", "simulator": True},
            "social": {"base_url": "http://127.0.0.1:8102", "simulator": True},
            "health": {"base_url": "http://127.0.0.1:8103/fhir", "simulator": True},
        }
    )
    """Connectors as JSON: name → `{"base_url", "timeout_s", "options", "simulator"}`;
    `"simulator": true` marks the source as a simulator ("(simulator)" beside its name)."""
    allow_plaintext_connectors: bool = False
    """Allow `http://` connector URLs in production (e.g. a sidecar on localhost)."""
    connector_timeout_s: float = 2.0
    """Default deadline for one connector call, seconds."""

    # Observability (gateway/observability/, docs/deploy.md).
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object per log line (structlog), with the request id; `text`: plain."""
    tracing_exporter: Literal["none", "console", "otlp"] = "none"
    """OpenTelemetry span exporter: `none` (off), `console` (stdout) or `otlp` (OTLP/HTTP)."""
    tracing_otlp_endpoint: str = ""
    """OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces`; empty: the standard
    `OTEL_EXPORTER_OTLP_*` variables."""
    readiness_timeout_s: float = Field(1.0, gt=0)
    """Deadline for each `/readyz` check, seconds."""

    max_body_bytes: int = 64 * 1024
    """Largest request body accepted, bytes."""

    # Abuse limits for shared views (see `shared_state`: per process or across replicas).
    view_limit_per_user: int = 120
    """Shared views one user may request per window."""
    view_limit_per_citizen: int = 60
    """Shared views about one citizen per window."""
    view_limit_window_s: float = 60.0
    """The rate limits' window, seconds (sliding in memory; fixed windows in the database)."""
    consent_action_limit_per_user: int = Field(30, ge=1)
    """Consent actions (record, request, withdraw) one employee may take per window on the
    API, counted in the shared state (across replicas with `shared_state` = `database`); the
    web pages have their own limit (`TVAERS_WEB_ACTION_RATE_LIMIT`)."""
    consent_action_limit_window_s: float = Field(60.0, gt=0)
    """The consent-action limit's window, seconds (sliding in memory; fixed windows in the
    database)."""
    consent_clock_skew_s: int = Field(300, ge=0)
    """How far in the past a consent's `valid_from` may lie (clock skew), seconds. A paper
    form's date is recorded as `evidence_date`, never as a backdated `valid_from`."""
    # The consent record's ISO/IEC TS 27560 facts (docs/consent.md); shown to the citizen
    # before they answer, stored on every consent and signed into its receipt.
    controller_name: str = "Kommunen (demo)"
    """The data controller named on consents, receipts and the portal."""
    controller_contact: str = "kommunen@example.invalid"
    """How to reach the controller."""
    dpo_contact: str = "dpo@example.invalid"
    """How to reach the data protection officer (DPO)."""
    consent_jurisdiction: str = "DK"
    """Jurisdiction of the consent record (ISO 3166-1 alpha-2)."""
    consent_record_retention: str = Field(
        "5 år efter samtykkets ophør / 5 years after the consent ends", min_length=1
    )
    """How long the consent record and the data shared under it are kept (shown to citizens)."""
    consent_withdrawal_method: str = Field(
        "Min side → Mine samtykker, eller kontakt din sagsbehandler / "
        "My page → My consents, or contact your caseworker",
        min_length=1,
    )
    """How the citizen withdraws a consent (shown to citizens and signed into receipts)."""
    anomaly_self_use_minutes: int = Field(30, ge=1)
    """Consent recorded by a user and used by the same user within this many minutes is an
    anomaly (DPO console)."""
    token_max_lifetime_s: int = Field(24 * 3600, ge=60)
    """Longest lifetime (`exp` - `iat`, or `exp` - now without `iat`) of a bearer token,
    seconds; longer-lived tokens are refused."""

    # DPO anomaly detection (gateway/audit/console/analytics.py); local time is Europe/Copenhagen.
    anomaly_window_minutes: int = Field(60, ge=1)
    """Window for the many-citizens rule, minutes."""
    anomaly_distinct_citizens: int = Field(15, ge=2)
    """Distinct citizens one user may view in the window before it is flagged."""
    anomaly_work_start_hour: int = Field(7, ge=0, le=23)
    """Working day starts (hour, Europe/Copenhagen)."""
    anomaly_work_end_hour: int = Field(18, ge=1, le=24)
    """Working day ends (hour, Europe/Copenhagen)."""
    anomaly_work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    """Working weekdays, 0 = Monday (JSON list)."""
    anomaly_off_hours_min: int = Field(3, ge=1)
    """Views outside working time that are flagged."""
    anomaly_denials: int = Field(5, ge=1)
    """Denied views in the denial window that are flagged."""
    anomaly_denial_window_hours: int = Field(24, ge=1)
    """Window for the repeated-denials rule, hours."""
    anomaly_no_consent_citizens: int = Field(3, ge=1)
    """Citizens denied for missing consent that are flagged."""
    anomaly_spike_factor: float = Field(3.0, gt=1.0)
    """A day's views this many times the baseline is a spike."""
    anomaly_spike_min: int = Field(10, ge=1)
    """Fewest views in a day that can count as a spike."""
    anomaly_baseline_days: int = Field(14, ge=1)
    """Days of history for the spike baseline."""
    analytics_max_rows: int = Field(200_000, ge=1000)
    """Most audit rows one DPO chart or anomaly run reads."""

    # Break-glass and citizen notices (docs/notices.md).
    break_glass_episode_hours: float = Field(4.0, gt=0, le=72)
    """How long a break-glass episode (one user × one citizen) lasts from its first view."""
    notice_worker: bool = True
    """Run the notice outbox worker and the consent-expiry job inside the gateway process."""
    notice_poll_s: float = Field(1.0, gt=0)
    """How often the outbox worker looks for due deliveries, seconds."""
    notice_max_attempts: int = Field(8, ge=1)
    """Attempts per delivery before it is dead-lettered (`tvaers notices dead`)."""
    notice_backoff_s: float = Field(30.0, gt=0)
    """First retry delay, seconds; doubles per attempt (capped at one hour)."""
    notice_expiry_days: int = Field(30, ge=1)
    """A consent that expires within this many days gets one notice."""
    notice_expiry_scan_s: float = Field(3600.0, gt=0)
    """How often the consent-expiry job runs, seconds."""
    notice_smtp_host: str = ""
    """SMTP server for e-mail notices. Empty: no e-mail channel."""
    notice_smtp_port: int = 25
    """SMTP port."""
    notice_smtp_starttls: bool = False
    """Use STARTTLS on the SMTP connection (required in production if the relay is remote)."""
    notice_email_from: str = "Tvaers <no-reply@tvaers.invalid>"
    """Sender address of e-mail notices."""
    digital_post_url: str = ""
    """NgDP (Digital Post) endpoint that receives MeMo messages. Empty: no Digital Post
    channel. The demo points it at the Digital Post simulator."""
    digital_post_sender_cvr: str = "29189846"
    """The municipality's CVR number as MeMo sender (example value)."""

    @field_validator("connectors", "witnesses", "oidc_loa_values", mode="before")
    @classmethod
    def _parse_connectors(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    @field_validator("oidc_loa_values")
    @classmethod
    def _known_levels(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted({v for v in value.values() if v not in ("low", "substantial", "high")})
        if unknown:
            raise ValueError(f"NSIS levels are low, substantial or high, not {unknown}")
        return value

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tvaers.db').resolve()}"

    @cached_property
    def effective_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def dev_idp_enabled(self) -> bool:
        if self.dev_idp is not None:
            return self.dev_idp
        return self.env in ("development", "test")

    @cached_property
    def effective_issuer(self) -> str:
        if self.oidc_issuer:
            return self.oidc_issuer
        return self.effective_public_url

    @property
    def effective_publish_dir(self) -> Path:
        return self.checkpoint_publish_dir or self.data_dir / "published-checkpoints"

    @property
    def effective_work_dir(self) -> Path:
        return self.work_dir or self.data_dir / "work"

    @property
    def shared_state_in_database(self) -> bool:
        if self.shared_state == "auto":
            return self.effective_database_url.startswith("postgresql")
        return self.shared_state == "database"

    @property
    def effective_discovery_url(self) -> str:
        if self.oidc_discovery_url:
            return self.oidc_discovery_url
        return f"{self.effective_issuer.rstrip('/')}/.well-known/openid-configuration"

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    # ------------------------------------------------------------------ production refusals

    def production_problems(self, *, development_keys: Sequence[str] = ()) -> list[str]:
        """Why this configuration must not run in production ([] outside production)."""
        if self.env != "production":
            return []
        problems = [f"development key in use: {name}" for name in development_keys]
        if self.dev_idp_enabled:
            problems.append("the development identity provider is enabled (TVAERS_DEV_IDP)")
        if not self.oidc_issuer or not self.oidc_jwks_url:
            problems.append("TVAERS_OIDC_ISSUER and TVAERS_OIDC_JWKS_URL must name your provider")
        if not self.public_url.startswith("https://"):
            problems.append("TVAERS_PUBLIC_URL must be the gateway's https:// address")
        if not self.allow_plaintext_connectors:
            plaintext = sorted(
                name
                for name, spec in self.connectors.items()
                if urlsplit(str(spec.get("base_url", ""))).scheme != "https"
            )
            if plaintext:
                problems.append(
                    f"connectors without https: {', '.join(plaintext)} "
                    "(set TVAERS_ALLOW_PLAINTEXT_CONNECTORS=true only for a trusted local hop)"
                )
        problems += [f"{name} is a placeholder" for name in self._placeholders()]
        return problems

    def _placeholders(self) -> list[str]:
        found = []
        if is_placeholder(self.audit_origin):
            found.append("TVAERS_AUDIT_ORIGIN")
        password = urlsplit(self.database_url).password if self.database_url else None
        if password is not None and is_placeholder(password):
            found.append("the password in TVAERS_DATABASE_URL")
        for name in ("data_keys", "pseudonym_keys", "receipt_key", "audit_key"):
            value = getattr(self, name)
            if value is not None and is_placeholder(value.get_secret_value()):
                found.append(f"TVAERS_{name.upper()}")
        return found

    def refuse_unsafe_production(self, *, development_keys: Sequence[str] = ()) -> None:
        """Raise ``UnsafeConfiguration`` listing every problem, if there is any."""
        problems = self.production_problems(development_keys=development_keys)
        if problems:
            raise UnsafeConfiguration(problems)


_PLACEHOLDER_WORDS = ("changethis", "changeme", "change-me", "change_me", "placeholder", "example")


def is_placeholder(value: str) -> bool:
    """Whether a secret looks like a placeholder someone forgot to replace."""
    lowered = value.lower()
    return any(word in lowered for word in _PLACEHOLDER_WORDS) or lowered in ("", "secret")


class UnsafeConfiguration(RuntimeError):
    """The configuration must not run in production; the message lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            "Tværs starter ikke i produktion med denne konfiguration / "
            f"Tværs refuses to start in production (TVAERS_ENV=production):\n{lines}"
        )


# ---------------------------------------------------------------------- documentation

TABLE_START = "<!-- settings-table:start (generated: python -m gateway.config) -->"
TABLE_END = "<!-- settings-table:end -->"


def _type_text(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in get_args(annotation))
    if origin in (Union, types.UnionType):
        parts = [_type_text(a) for a in get_args(annotation) if a is not type(None)]
        return " \\| ".join(parts) + " (optional)"
    if origin in (list, dict):
        return "JSON " + ("list" if origin is list else "object")
    if annotation is SecretStr:
        return "secret"
    if annotation is Path:
        return "path"
    names = {str: "text", int: "integer", float: "number", bool: "boolean"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default_text(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Path):
        text = str(value)
        root = str(REPO_ROOT)
        return f"`{'<repo>' + text[len(root) :] if text.startswith(root) else text}`"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def settings_table() -> str:
    """The Markdown table of every setting, generated from the fields (docs/configuration.md)."""
    rows = [
        "| Variable | Type | Default | Description |",
        "|---|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        default = info.get_default(call_default_factory=True)
        description = " ".join((info.description or "").split()).replace("|", "\\|")
        rows.append(
            f"| `TVAERS_{name.upper()}` | {_type_text(info.annotation)} "
            f"| {_default_text(name, default)} | {description} |"
        )
    return "\n".join(rows)


def render_configuration_doc(current: str) -> str:
    """``current`` with the text between the table markers replaced by a fresh table."""
    head, _, rest = current.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    return f"{head}{TABLE_START}\n{settings_table()}\n{TABLE_END}{tail}"


if __name__ == "__main__":  # pragma: no cover - `make docs` writes the table into the docs
    doc = REPO_ROOT / "docs" / "configuration.md"
    doc.write_text(render_configuration_doc(doc.read_text(encoding="utf-8")), encoding="utf-8")
    sys.stdout.write(f"wrote the settings table to {doc}\n")
