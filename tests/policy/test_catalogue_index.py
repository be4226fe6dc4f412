"""The checked-in catalogue index is generated from the catalogue, and a stale one is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gateway.policy import (
    PolicyEngineError,
    RegorusEngine,
    build_index,
    load_catalogue,
    load_policy_data,
    render_index,
)
from gateway.policy.catalogue_index import INDEX_FILE
from tests.policy.conftest import POLICIES_DIR


def test_checked_in_index_is_generated_from_the_catalogue() -> None:
    expected = render_index(load_catalogue(POLICIES_DIR))
    assert (POLICIES_DIR / INDEX_FILE).read_text(encoding="utf-8") == expected, (
        "run `tvaers policy index` after changing the catalogue"
    )


def test_index_minimises_and_sorts_fields() -> None:
    catalogue = {
        "version": "v1",
        "categories": {
            "a.x": {"department": "a", "fields": {"f1": {}, "f2": {}, "f3": {}}},
        },
        "purposes": {
            "p": {"categories": {"a.x": ["f3", "unknown", "f1", "f1"], "b.missing": ["f"]}},
        },
    }
    assert build_index(catalogue) == {
        "catalogue_version": "v1",
        "purposes": {"p": {"a.x": {"department": "a", "fields": ["f1", "f3"]}}},
    }


def copy_policies(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICIES_DIR, target)
    return target


def test_stale_index_stops_the_engine(tmp_path: Path) -> None:
    policies = copy_policies(tmp_path)
    catalogue_file = policies / "catalogue" / "data.json"
    catalogue = json.loads(catalogue_file.read_text(encoding="utf-8"))
    catalogue["purposes"]["tvaerfagligt_team"]["categories"]["health.wellbeing"].append("raw_score")
    catalogue_file.write_text(json.dumps(catalogue), encoding="utf-8")
    with pytest.raises(PolicyEngineError, match="does not match the catalogue"):
        RegorusEngine(policies)


def test_missing_index_stops_the_engine(tmp_path: Path) -> None:
    policies = copy_policies(tmp_path)
    (policies / INDEX_FILE).unlink()
    with pytest.raises(PolicyEngineError, match="cannot load catalogue index"):
        load_policy_data(policies)
