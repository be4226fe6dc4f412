"""What a consent record says besides its scope: the notice text the citizen saw (versioned
policy data under ``policies/notices/consent/``), the controller and DPO contact, retention,
jurisdiction, withdrawal method and lawful basis (ISO/IEC TS 27560 record fields).

The notice texts are loaded once at start-up; a missing or unreadable text stops it (fail
closed). A consent stores the version and the SHA-256 of the exact bytes shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from gateway.catalogue.models import Catalogue
from gateway.config import Settings

NOTICE_DIR = Path("notices") / "consent"
_NAME = re.compile(r"^(?P<version>[0-9A-Za-z][0-9A-Za-z._-]{0,63})\.(?P<lang>da|en)\.md$")
LANGUAGES = ("da", "en")


@dataclass(frozen=True, slots=True)
class NoticeText:
    version: str
    language: str
    text: str
    sha256: str


@dataclass(frozen=True, slots=True)
class ConsentTerms:
    """The controller's facts and the notice texts every new consent records."""

    controller_name: str
    controller_contact: str
    dpo_contact: str
    jurisdiction: str
    retention: str
    withdrawal_method: str
    notices: dict[tuple[str, str], NoticeText]

    @classmethod
    def load(cls, settings: Settings) -> ConsentTerms:
        return cls(
            controller_name=settings.controller_name,
            controller_contact=settings.controller_contact,
            dpo_contact=settings.dpo_contact,
            jurisdiction=settings.consent_jurisdiction,
            retention=settings.consent_record_retention,
            withdrawal_method=settings.consent_withdrawal_method,
            notices=load_notice_texts(settings.policies_dir),
        )

    @property
    def current_version(self) -> str:
        return max(version for version, _ in self.notices)

    def notice(self, version: str | None, language: str) -> NoticeText | None:
        return self.notices.get((version or self.current_version, language))

    def versions(self) -> list[str]:
        return sorted({version for version, _ in self.notices})

    def controller(self) -> dict[str, str]:
        return {"name": self.controller_name, "contact": self.controller_contact}


def load_notice_texts(policies_dir: Path) -> dict[tuple[str, str], NoticeText]:
    """Every ``<version>.<lang>.md`` under ``policies/notices/consent``; each version must
    exist in every language."""
    folder = policies_dir / NOTICE_DIR
    found: dict[tuple[str, str], NoticeText] = {}
    try:
        paths = sorted(folder.iterdir())
    except OSError as exc:
        raise ValueError(f"consent notice texts missing: {folder}") from exc
    for path in paths:
        match = _NAME.match(path.name)
        if match is None:
            continue
        data = path.read_bytes()
        version, lang = match["version"], match["lang"]
        found[version, lang] = NoticeText(
            version=version,
            language=lang,
            text=data.decode("utf-8"),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    if not found:
        raise ValueError(f"no consent notice texts under {folder}")
    for version in {v for v, _ in found}:
        missing = [lang for lang in LANGUAGES if (version, lang) not in found]
        if missing:
            raise ValueError(f"consent notice {version} lacks languages {missing}")
    return found


def lawful_basis(catalogue: Catalogue, purpose: str, categories: Iterable[str]) -> list[str]:
    """GDPR articles the processing rests on: art. 6(1)(a) for a consent (6(1)(e) for a
    statute), plus art. 9(2)(a) (9(2)(h) for a statute) when special-category data is in it.
    Citations are examples a municipality must have reviewed (docs/consent.md)."""
    found = catalogue.purposes.get(purpose)
    by_consent = found is None or found.basis.kind == "consent"
    basis = ["GDPR art. 6(1)(a)" if by_consent else "GDPR art. 6(1)(e)"]
    if any(
        c in catalogue.categories and catalogue.categories[c].sensitivity == "special"
        for c in categories
    ):
        basis.append("GDPR art. 9(2)(a)" if by_consent else "GDPR art. 9(2)(h)")
    return basis
