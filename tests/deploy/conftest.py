from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.compose_file import COMPOSE_FILE, load_compose


@pytest.fixture
def compose() -> dict[str, Any]:
    """docker-compose.yml as data (YAML anchors and merge keys resolved)."""
    return load_compose()


@pytest.fixture
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")
