"""The catalogue index: the catalogue's per-purpose view, precomputed for the policy.

The embedded engine evaluates the policy on every request, and in regorus a
catalogue look-up by a variable key or a small set comprehension costs
microseconds each. So the one pure data transformation the grant path needs,
field minimisation (the purpose's fields for a category, limited to the fields
the catalogue defines, sorted), is computed here, once, and checked in as
``policies/catalogue/index/data.json``: OPA loads it as ``data.catalogue.index``
from the same bundle, and every engine loader refuses a stale index
(``load_policy_data``). Regenerate with ``tvaers policy index``.

Only data is derived here; every decision rule stays in Rego.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

INDEX_FILE = Path("catalogue") / "index" / "data.json"


def build_index(catalogue: dict[str, Any]) -> dict[str, Any]:
    """``{"catalogue_version", "purposes": {purpose: {category: {department, fields}}}}``.

    A category a purpose lists but the catalogue does not define is left out:
    the policy then denies it as unknown.
    """
    categories: dict[str, Any] = catalogue.get("categories", {})
    purposes: dict[str, Any] = {}
    for purpose_id, purpose in sorted(catalogue.get("purposes", {}).items()):
        scope: dict[str, Any] = {}
        for category_id, wanted in sorted(purpose.get("categories", {}).items()):
            category = categories.get(category_id)
            if category is None:
                continue
            scope[category_id] = {
                "department": category["department"],
                "fields": sorted(set(wanted) & set(category.get("fields", {}))),
            }
        purposes[purpose_id] = scope
    return {"catalogue_version": catalogue.get("version"), "purposes": purposes}


def render_index(catalogue: dict[str, Any]) -> str:
    """The index file's exact text (stable key order, trailing newline)."""
    return json.dumps(build_index(catalogue), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
