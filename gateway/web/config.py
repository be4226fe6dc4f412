"""Settings of the web front end (environment prefix ``TVAERS_WEB_``).

Kept apart from ``gateway.config.Settings`` so the portal and staff console can grow their
knobs without touching the shared settings class.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.config import UnsafeConfiguration, is_placeholder


class WebSettings(BaseSettings):
    """Login, session, language and rate-limit configuration of the web pages."""

    model_config = SettingsConfigDict(env_prefix="TVAERS_WEB_", extra="ignore")

    # OIDC client. Empty issuer in development/test means the built-in development provider.
    oidc_client_id: str = "tvaers-web"
    oidc_client_secret: str = ""
    oidc_scope: str = "openid profile"
    # Session cookie: signed with this secret (a file in development, required in production).
    session_secret: str = ""
    session_max_age_s: int = 30 * 60
    session_cookie: str = "tvaers_session"
    lang_cookie: str = "tvaers_lang"
    default_lang: str = "da"
    # Rate limits: at most N actions per window per client (login: per address; consent
    # actions: per logged-in user). 429 when exceeded. Shared by replicas with
    # TVAERS_SHARED_STATE=database (gateway.shared_state).
    login_rate_limit: int = 20
    login_rate_window_s: float = 60.0
    action_rate_limit: int = 30
    action_rate_window_s: float = 60.0
    # Who runs this site: shown in the header, the footer and the accessibility statement
    # (/tilgaengelighed). The contact for digital accessibility is required by the
    # webtilgængelighedslov; the statement says plainly when it has not been filled in.
    authority_name: str = "Demo Kommune"
    a11y_contact_email: str = ""
    a11y_contact_phone: str = ""
    a11y_contact_url: str = ""
    # The date the accessibility statement was last reviewed (ISO 8601).
    a11y_statement_date: str = "2026-12-04"

    def effective_session_secret(self, *, keys_dir: Path, allow_generate: bool) -> str:
        """The secret that signs session cookies (generated into ``keys_dir`` in development)."""
        if not allow_generate:
            # Outside development the secret must be real: set, long, not a placeholder.
            if len(self.session_secret) < 32 or is_placeholder(self.session_secret):
                raise UnsafeConfiguration(
                    [
                        "TVAERS_WEB_SESSION_SECRET must be set outside development to a random "
                        "value of at least 32 characters (not a placeholder)"
                    ]
                )
            return self.session_secret
        if self.session_secret:
            return self.session_secret
        path = keys_dir / "web-session-secret"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()
