"""Find a connector by name, installed or not, and its conformance fixture.

Order: an installed entry point ``tvaers.connectors:NAME``; then a project that
is not installed yet, found by reading ``[project.entry-points."tvaers.connectors"]``
from ``./pyproject.toml`` or ``./NAME/pyproject.toml`` (exactly what installing
it would register); then ``module:attribute``.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from connectors.sdk.conformance import ConformanceFixture, Factory
from connectors.sdk.types import ENTRY_POINT_GROUP


class ConnectorNotFound(LookupError):
    """No connector of that name could be found; the message says where the kit looked."""


@dataclass(frozen=True, slots=True)
class FoundConnector:
    name: str
    factory: Factory
    module: ModuleType
    origin: str


def _load(target: str) -> tuple[Factory, ModuleType]:
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name.strip())
    factory = getattr(module, attribute.strip() or "create")
    return factory, module


def find_connector(name: str, *, search_dir: Path | None = None) -> FoundConnector:
    """The connector called ``name``; see the module docstring for the search order."""
    installed = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name in installed:
        ep = installed[name]
        factory, module = _load(ep.value)
        return FoundConnector(name, factory, module, f"entry point {ep.value}")
    here = (search_dir or Path.cwd()).resolve()
    for project in (here, here / name):
        pyproject = project / "pyproject.toml"
        if not pyproject.is_file():
            continue
        table = tomllib.loads(pyproject.read_text("utf-8")).get("project", {})
        declared = table.get("entry-points", {}).get(ENTRY_POINT_GROUP, {})
        if name in declared:
            if str(project) not in sys.path:
                sys.path.insert(0, str(project))
            factory, module = _load(str(declared[name]))
            return FoundConnector(name, factory, module, f"{pyproject} (not installed)")
    if ":" in name:
        factory, module = _load(name)
        return FoundConnector(name, factory, module, name)
    raise ConnectorNotFound(
        f"no connector {name!r}: not an installed entry point ({ENTRY_POINT_GROUP}: "
        f"{', '.join(sorted(installed)) or 'none'}), and no pyproject.toml declaring it in "
        f"{here} or {here / name}"
    )


def find_fixture(found: FoundConnector) -> ConformanceFixture | None:
    """``conformance_fixture()`` from the connector's module, else its ``conformance.json``."""
    maker = getattr(found.module, "conformance_fixture", None)
    if callable(maker):
        fixture = maker()
        if not isinstance(fixture, ConformanceFixture):
            raise TypeError(
                f"{found.module.__name__}.conformance_fixture() is no ConformanceFixture"
            )
        return fixture
    location = getattr(found.module, "__file__", None)
    if location:
        recording = Path(location).parent / "conformance.json"
        if recording.is_file():
            return ConformanceFixture.from_recording(recording)
    return None
