"""``tvaers connector new``: write a working connector package for one department.

The package passes the conformance kit unchanged: its manifest is the
department's catalogue categories, and ``conformance.json`` records one good
answer per request of the scaffolded REST client.
"""

from __future__ import annotations

import json
import keyword
import re
from pathlib import Path
from string import Template
from typing import Any

from connectors.sdk import scaffold_templates as t

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
EXAMPLE_CPR = "0101900000"  # synthetic; no real person has a CPR with serial 0000 on this date
EXAMPLE_ID = "c-0001"
BASE_URL = "http://system.example.test"


class ScaffoldError(ValueError):
    """The name, department or target directory cannot be used."""


def _identifier(text: str) -> str:
    name = re.sub(r"\W", "_", text)
    return f"{name}_" if keyword.iskeyword(name) else name


def _sample(field: str) -> Any:
    return f"eksempel: {field}"


def write_connector(
    name: str, *, department: str, out_dir: Path, catalogue: dict[str, Any]
) -> Path:
    """Write the project ``out_dir/name`` and return its path."""
    if not NAME_PATTERN.match(name):
        raise ScaffoldError(f"name {name!r}: use lower-case letters, digits and _ (max 41)")
    departments = catalogue["departments"]
    if department not in departments:
        raise ScaffoldError(f"department {department!r}: choose one of {sorted(departments)}")
    categories = {
        cid: sorted(spec["fields"])
        for cid, spec in sorted(catalogue["categories"].items())
        if spec["department"] == department
    }
    if not categories:
        raise ScaffoldError(f"department {department!r} has no categories in the catalogue")
    project = out_dir / name
    if project.exists():
        raise ScaffoldError(f"{project} exists already; choose another --out or name")
    package = f"tvaers_{name}"
    class_name = "".join(part.capitalize() for part in name.split("_")) + "Connector"
    system_title = f"{departments[department]['title']['da']}: {name}"
    constants = {cid: _identifier(cid.split(".", 1)[1]).upper() for cid in categories}
    functions = {cid: _identifier(cid.split(".", 1)[1]) for cid in categories}
    values = {
        "name": name,
        "department": department,
        "package": package,
        "class_name": class_name,
        "system_title": system_title,
        "constants": "\n".join(f'{c} = "{cid}"' for cid, c in constants.items()),
        "constant_names": ", ".join(constants.values()),
        "category_list": ", ".join(categories),
        "categories": "\n".join(
            f"        {constants[cid]}: frozenset({{{', '.join(map(repr, fields))}}}),"
            for cid, fields in categories.items()
        ),
        "readers": "\n".join(
            f"            {constants[cid]}: lambda: self.get_list(\n"
            f'                f"{{citizen}}/{cid.split(".", 1)[1]}",\n'
            f"                mapping.{functions[cid]},\n"
            f'                items_key="items",\n'
            f"            ),"
            for cid in categories
        ),
    }
    mapping = t.MAPPING_HEAD + "".join(
        Template(t.MAPPING_FUNCTION).substitute(
            function=functions[cid],
            category=cid,
            fields="\n".join(f'        "{f}": item.get("{f}"),' for f in fields),
        )
        for cid, fields in categories.items()
    )
    recording = {
        "cpr": EXAMPLE_CPR,
        "base_url": BASE_URL,
        "exchanges": [
            {
                "method": "POST",
                "path": "/api/citizens/lookup",
                "lookup": True,
                "response": {"status": 200, "json": {"citizen_id": EXAMPLE_ID}},
                "unknown_citizen": {"status": 404, "json": {"error": "not found"}},
            },
            *(
                {
                    "method": "GET",
                    "path": f"/api/citizens/{EXAMPLE_ID}/{cid.split('.', 1)[1]}",
                    "response": {
                        "status": 200,
                        "json": {"items": [{f: _sample(f) for f in fields}], "next": None},
                    },
                }
                for cid, fields in categories.items()
            ),
        ],
    }
    files = {
        "pyproject.toml": t.PYPROJECT,
        "README.md": t.README,
        f"{package}/__init__.py": t.INIT,
        f"{package}/manifest.py": t.MANIFEST,
        f"{package}/client.py": t.CLIENT,
        "tests/conftest.py": t.CONFTEST,
        f"tests/test_{name}.py": t.TESTS,
    }
    for relative, template in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values), encoding="utf-8")
    (project / package / "mapping.py").write_text(mapping, encoding="utf-8")
    (project / package / "conformance.json").write_text(
        json.dumps(recording, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return project
