"""The test suite's FastAPI route-analysis cache (tests/route_cache.py) changes no route."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.dependencies import utils as dependency_utils
from fastapi.dependencies.models import Dependant

from gateway.app import create_app
from tests import harness, route_cache


def _dependant(dependant: Dependant) -> tuple[Any, ...]:
    def fields(items: list[Any]) -> tuple[Any, ...]:
        return tuple((f.name, f.alias, repr(f.field_info)) for f in items)

    return (
        getattr(dependant.call, "__qualname__", repr(dependant.call)),
        dependant.name,
        dependant.path,
        fields(dependant.path_params),
        fields(dependant.query_params),
        fields(dependant.header_params),
        fields(dependant.cookie_params),
        fields(dependant.body_params),
        tuple(_dependant(d) for d in dependant.dependencies),
        dependant.request_param_name,
        dependant.response_param_name,
        dependant.security_scopes_param_name,
    )


def _routes(app: FastAPI) -> list[tuple[Any, ...]]:
    """Every route as FastAPI serves it (included routers' routes are built on first use)."""
    described: list[tuple[Any, ...]] = []

    def walk(candidates: list[Any]) -> None:
        for route in candidates:
            if hasattr(route, "effective_candidates"):
                walk(route.effective_candidates())
            elif getattr(route, "dependant", None) is not None:
                response = route.response_field
                described.append(
                    (
                        route.path,
                        tuple(sorted(route.methods)),
                        route.unique_id,
                        _dependant(route.dependant),
                        None if response is None else (response.name, repr(response.field_info)),
                        route.body_field is not None,
                    )
                )

    walk(list(app.routes))
    return described


def test_a_cached_gateway_has_the_routes_fastapi_builds(tmp_path: Path) -> None:
    assert dependency_utils.get_dependant is route_cache._cached_get_dependant, "installed"
    with route_cache.disabled():
        assert dependency_utils.get_dependant is not route_cache._cached_get_dependant
        plain = create_app(harness.test_settings(tmp_path / "plain"))
        plain_routes, plain_openapi = _routes(plain), plain.openapi()
    _routes(create_app(harness.test_settings(tmp_path / "first")))  # fills the cache
    cached = create_app(harness.test_settings(tmp_path / "cached"))
    cached_routes = _routes(cached)
    assert len(cached_routes) > 50
    assert cached_routes == plain_routes
    assert cached.openapi() == plain_openapi


def test_every_caller_gets_its_own_copy() -> None:
    def needs_a() -> str:
        return "a"

    async def endpoint(x: int, a: str = Depends(needs_a)) -> None:
        return None

    first = dependency_utils.get_dependant(path="/p", call=endpoint)
    # What FastAPI does with a router's dependencies, plus worse:
    first.dependencies.insert(0, Dependant(call=print))
    first.query_params.clear()
    again = dependency_utils.get_dependant(path="/p", call=endpoint)
    assert [d.call for d in again.dependencies] == [needs_a]
    assert [f.name for f in again.query_params] == ["x"]
    assert again.call is endpoint
