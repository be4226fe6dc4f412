"""The catalogue (departments, categories, purposes), read from ``policies/catalogue/data.json``.

The same file is the policy data (``data.catalogue``), so the gateway and the policy can never
disagree about what a purpose allows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gateway.text import Text

__all__ = ["Text"]


class Department(BaseModel):
    model_config = ConfigDict(frozen=True)
    title: Text
    system: Text


#: Every statute citation in the catalogue ends with this marker: the citations are examples
#: a municipality's lawyers must review before use (README, docs/policy.md).
LEGAL_REVIEW_MARKER = "(EKSEMPEL - skal vurderes juridisk af kommunen før brug)"


class Provision(BaseModel):
    """The statute a category's data is kept under (an example, marked for legal review)."""

    model_config = ConfigDict(frozen=True)
    citation: str
    legal_review_required: bool = True


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)
    department: str
    sensitivity: Literal["ordinary", "confidential", "special"]
    title: Text
    fields: dict[str, Text]
    provision: Provision | None = None


class Basis(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal["consent", "statute", "break_glass"]
    citation: str | None = None
    legal_review_required: bool = False


class Purpose(BaseModel):
    model_config = ConfigDict(frozen=True)
    title: Text
    description: Text
    #: What the recipients may use the data for, as the verb phrase after "for at" / "to":
    #: "afklare, hvilken hjælp du har brug for" — the portal builds its sentences from it.
    aim: Text
    basis: Basis
    max_consent_days: int
    # Default validity of a consent scoped to one meeting (e.g. a rundbordssamtale), minutes.
    meeting_validity_minutes: int | None = None
    requesting_departments: list[str]
    roles: list[str]
    categories: dict[str, list[str]]


class Catalogue(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    departments: dict[str, Department]
    roles: dict[str, Text]
    categories: dict[str, Category]
    purposes: dict[str, Purpose]

    @classmethod
    def load(cls, policies_dir: Path) -> Catalogue:
        path = policies_dir / "catalogue" / "data.json"
        catalogue = cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        catalogue.check()
        return catalogue

    def check(self) -> None:
        """Refuse an inconsistent catalogue at start-up (fail closed)."""
        for cid, cat in self.categories.items():
            if cid.split(".", 1)[0] != cat.department or cat.department not in self.departments:
                raise ValueError(f"category {cid} has an unknown or mismatched department")
            if cat.provision is not None:
                _check_citation(f"category {cid}", cat.provision.citation, cat.provision)
        for pid, purpose in self.purposes.items():
            unknown_departments = set(purpose.requesting_departments) - set(self.departments)
            if unknown_departments:
                raise ValueError(
                    f"purpose {pid} names unknown departments {sorted(unknown_departments)}"
                )
            unknown_roles = set(purpose.roles) - set(self.roles)
            if unknown_roles:
                raise ValueError(f"purpose {pid} names unknown roles {sorted(unknown_roles)}")
            if purpose.basis.citation is not None:
                _check_citation(f"purpose {pid}", purpose.basis.citation, purpose.basis)
            for cid, fields in purpose.categories.items():
                if cid not in self.categories:
                    raise ValueError(f"purpose {pid} names unknown category {cid}")
                unknown = set(fields) - set(self.categories[cid].fields)
                if unknown:
                    raise ValueError(f"purpose {pid} names unknown fields {sorted(unknown)}")
            meeting = purpose.meeting_validity_minutes
            if meeting is not None and not 0 < meeting <= purpose.max_consent_days * 24 * 60:
                raise ValueError(f"purpose {pid} has a meeting validity outside its maximum")
            if purpose.basis.kind == "statute" and not purpose.basis.citation:
                raise ValueError(f"statute purpose {pid} lacks a citation")

    def department_of(self, category: str) -> str:
        return self.categories[category].department


def _check_citation(where: str, citation: str, marked: Provision | Basis) -> None:
    """A citation is an example until the municipality's lawyers have reviewed it: say so."""
    if not marked.legal_review_required or not citation.endswith(LEGAL_REVIEW_MARKER):
        raise ValueError(
            f"{where}: the citation {citation!r} must be marked for legal review "
            f"(legal_review_required and {LEGAL_REVIEW_MARKER!r})"
        )
