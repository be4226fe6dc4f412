"""The printable Danish page of a citizen's copy (Jinja2, autoescaped, no script)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from gateway.catalogue.models import Catalogue
from gateway.citizen_copy.service import CitizenCopy
from gateway.web.timefmt import format_datetime

_env = Environment(
    loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
    autoescape=select_autoescape(["html"]),
)


def render_copy(copy: CitizenCopy, catalogue: Catalogue) -> str:
    def purpose(pid: str) -> str:
        found = catalogue.purposes.get(pid)
        return found.title.da if found else pid

    def category(cid: str) -> str:
        found = catalogue.categories.get(cid)
        return found.title.da if found else cid

    def department(did: str | None) -> str:
        found = catalogue.departments.get(did or "")
        return found.title.da if found else (did or "—")

    return _env.get_template("copy.html").render(
        copy=copy,
        purpose=purpose,
        categories=lambda cids: ", ".join(category(c) for c in cids),
        department=department,
        when=lambda m: format_datetime(m, "da") if m else "—",
    )
