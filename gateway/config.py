"""One settings class for the whole gateway (environment prefix ``TVAERS_``)."""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Gateway configuration. Every field can be set as ``TVAERS_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="TVAERS_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path(".tvaers-data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""

    # Identity: the issuer whose JWKS validates bearer tokens. Empty in development means the
    # built-in development identity provider at ``public_url``.
    oidc_issuer: str = ""
    oidc_audience: str = "tvaers"
    oidc_jwks_url: str = ""
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256", "Ed25519"])
    token_leeway_s: int = 30

    # Keys: files (paths) or inline values. In development they are generated on first run.
    data_key_file: Path | None = None
    pseudonym_key_file: Path | None = None
    receipt_key_file: Path | None = None
    audit_key_file: Path | None = None
    audit_origin: str = "tvaers.example.kommune.dk/audit"
    # Audit entry bodies older than this are purged (leaf hashes stay); None keeps them all.
    audit_retention_days: int | None = Field(default=None, ge=1)

    policies_dir: Path = REPO_ROOT / "policies"
    policy_engine: Literal["regorus", "opa"] = "regorus"
    # The OPA server (policy_engine="opa"): base URL, and the deadline for one decision.
    opa_url: str = "http://127.0.0.1:8181"
    opa_timeout_s: float = Field(0.5, gt=0)

    # Connectors: name -> {"base_url": ..., "timeout_s": ..., "options": {...}}.
    connectors: dict[str, dict[str, Any]] = Field(
        default_factory=lambda: {
            "jobcenter": {"base_url": "http://127.0.0.1:8101"},
            "social": {"base_url": "http://127.0.0.1:8102"},
            "health": {"base_url": "http://127.0.0.1:8103/fhir"},
        }
    )
    connector_timeout_s: float = 2.0

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

    # Abuse limits for shared views, per gateway process (sliding window).
    view_limit_per_user: int = 120
    view_limit_per_citizen: int = 60
    view_limit_window_s: float = 60.0

    # DPO anomaly detection (gateway/audit/analytics.py); local time is Europe/Copenhagen.
    anomaly_window_minutes: int = Field(60, ge=1)
    anomaly_distinct_citizens: int = Field(15, ge=2)
    anomaly_work_start_hour: int = Field(7, ge=0, le=23)
    anomaly_work_end_hour: int = Field(18, ge=1, le=24)
    anomaly_work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])
    anomaly_off_hours_min: int = Field(3, ge=1)
    anomaly_denials: int = Field(5, ge=1)
    anomaly_denial_window_hours: int = Field(24, ge=1)
    anomaly_no_consent_citizens: int = Field(3, ge=1)
    anomaly_spike_factor: float = Field(3.0, gt=1.0)
    anomaly_spike_min: int = Field(10, ge=1)
    anomaly_baseline_days: int = Field(14, ge=1)
    analytics_max_rows: int = Field(200_000, ge=1000)

    @field_validator("connectors", mode="before")
    @classmethod
    def _parse_connectors(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
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
        return self.env in ("development", "test")

    @cached_property
    def effective_issuer(self) -> str:
        if self.oidc_issuer:
            return self.oidc_issuer
        return self.effective_public_url

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"
