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


class Category(BaseModel):
    model_config = ConfigDict(frozen=True)
    department: str
    sensitivity: Literal["ordinary", "confidential", "special"]
    title: Text
    fields: dict[str, Text]


class Basis(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: Literal["consent", "statute", "break_glass"]
    citation: str | None = None
    legal_review_required: bool = False


class Purpose(BaseModel):
    model_config = ConfigDict(frozen=True)
    title: Text
    description: Text
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
        for pid, purpose in self.purposes.items():
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
