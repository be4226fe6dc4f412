"""Test-only: FastAPI's dependency analysis, done once per endpoint instead of once per app.

Every test builds a whole gateway (``tests.harness.running_gateway``), and FastAPI analyses
every route of every new app again: ``get_dependant`` inspects each endpoint's signature and
builds a pydantic field per parameter, about 0.15 s of CPU per gateway, a third of what an
average test costs. The analysis is a pure function of its arguments (the path, the callable,
its scopes), so its result can be shared between apps: ``get_dependant`` is wrapped in a
bounded cache that hands every caller its own copy of the top-level ``Dependant`` (FastAPI
inserts router-level dependencies into that copy's list; sub-dependants are never mutated).

Nothing here changes what a request does: ``tests/gateway/test_route_cache.py`` checks that a
gateway built with the cache has the same routes, dependencies and OpenAPI document as one
built without it. Production code never imports this module.
"""

from __future__ import annotations

import contextlib
import dataclasses
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import fastapi.routing
from fastapi.dependencies import utils as dependency_utils
from fastapi.dependencies.models import Dependant
from pydantic_core import PydanticUndefined as Undefined

_original_get_dependant = dependency_utils.get_dependant
_original_create_model_field = fastapi.routing.create_model_field  # type: ignore[attr-defined]
_MAX_ENTRIES = 4096  # some routers are built per app (their endpoints are closures)
_cache: OrderedDict[tuple[Any, ...], Dependant] = OrderedDict()
_LIST_FIELDS = tuple(
    f.name for f in dataclasses.fields(Dependant) if f.name.endswith(("_params", "dependencies"))
)


def _copy(dependant: Dependant) -> Dependant:
    """A copy whose lists the caller may change without touching the cached one."""
    lists: dict[str, Any] = {name: list(getattr(dependant, name)) for name in _LIST_FIELDS}
    for name in ("own_oauth_scopes", "parent_oauth_scopes"):
        value = getattr(dependant, name)
        lists[name] = None if value is None else list(value)
    return dataclasses.replace(dependant, **lists)


def _cached_get_dependant(
    *,
    path: str,
    call: Callable[..., Any],
    name: str | None = None,
    own_oauth_scopes: list[str] | None = None,
    parent_oauth_scopes: list[str] | None = None,
    use_cache: bool = True,
    scope: Any = None,
    concurrency: Any = None,
) -> Dependant:
    arguments: dict[str, Any] = {
        "path": path,
        "call": call,
        "name": name,
        "own_oauth_scopes": own_oauth_scopes,
        "parent_oauth_scopes": parent_oauth_scopes,
        "use_cache": use_cache,
        "scope": scope,
        "concurrency": concurrency,
    }
    key = (
        path,
        call,
        name,
        None if own_oauth_scopes is None else tuple(own_oauth_scopes),
        None if parent_oauth_scopes is None else tuple(parent_oauth_scopes),
        use_cache,
        scope,
        concurrency,
    )
    try:
        cached = _cache.get(key)
    except TypeError:  # an unhashable callable: analyse it every time, as FastAPI does
        return _original_get_dependant(**arguments)
    if cached is None:
        cached = _original_get_dependant(**arguments)
        _cache[key] = cached
        if len(_cache) > _MAX_ENTRIES:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return _copy(cached)


_fields: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _cached_create_model_field(
    name: str,
    type_: Any,
    default: Any = Undefined,
    field_info: Any = None,
    alias: str | None = None,
    mode: Any = "validation",
) -> Any:
    """Response models' fields (the routing module's calls; its ``ModelField`` is immutable)."""
    if field_info is not None:
        return _original_create_model_field(name, type_, default, field_info, alias, mode)
    key = (name, type_, default, alias, mode)
    try:
        cached = _fields.get(key)
    except TypeError:
        return _original_create_model_field(name, type_, default, field_info, alias, mode)
    if cached is None:
        cached = _original_create_model_field(name, type_, default, field_info, alias, mode)
        _fields[key] = cached
        if len(_fields) > _MAX_ENTRIES:
            _fields.popitem(last=False)
    else:
        _fields.move_to_end(key)
    return cached


# An included router's routes as an app serves them ("effective contexts": path with prefix,
# dependencies, response fields and the request handler), which FastAPI builds per app on the
# first request that reaches the router: ~13 ms of a gateway's first request. They depend on the
# route and on how its router was included, not on the app, except for the app as the provider
# of ``dependency_overrides``, which the gateway never uses (``test_route_cache.py`` checks).
# Only routers that outlive an app are shared (module-level ones): a context holds the app that
# built it, and a router made per app (its endpoints are closures) would keep every app alive.
_EffectiveRouteContext = fastapi.routing._EffectiveRouteContext  # type: ignore[attr-defined]
_original_from_api_route = _EffectiveRouteContext.__dict__["from_api_route"]
_contexts: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_seen: dict[tuple[Any, ...], weakref.ref[Any]] = {}


def _include_key(context: Any) -> tuple[Any, ...]:
    return (
        id(context.included_router),
        context.prefix,
        tuple(context.tags),
        tuple(id(d) for d in context.dependencies),
        repr(context.default_response_class),
        repr(context.responses),
        tuple(id(c) for c in context.callbacks),
        context.deprecated,
        context.include_in_schema,
        repr(context.generate_unique_id_function),
        repr(context.strict_content_type),
    )


def _cached_from_api_route(cls: Any, *, original_route: Any, include_context: Any) -> Any:
    build = _original_from_api_route.__get__(None, cls)
    router = include_context.included_router
    try:
        key = (id(original_route), _include_key(include_context))
        hash(key)
    except TypeError:
        return build(original_route=original_route, include_context=include_context)
    entry = _contexts.get(key)
    if entry is not None:
        _contexts.move_to_end(key)
        return entry[1]
    context = build(original_route=original_route, include_context=include_context)
    earlier = _seen.get(key)
    if earlier is None or earlier() is not router:  # first time: maybe a per-app router
        with contextlib.suppress(TypeError):
            _seen[key] = weakref.ref(router)
        return context
    # The same router object included by a second app: it outlives apps, share its contexts.
    # The objects the ids name stay referenced while cached, so no id is reused meanwhile.
    keep = (original_route, router, include_context.dependencies, include_context.callbacks)
    _contexts[key] = (keep, context)
    del _seen[key]
    if len(_contexts) > _MAX_ENTRIES:
        _contexts.popitem(last=False)
    return context


def install() -> None:
    """Route FastAPI's call sites of ``get_dependant`` and the routing module's
    ``create_model_field`` through the caches, and share included routes' effective contexts."""
    dependency_utils.get_dependant = _cached_get_dependant  # type: ignore[assignment]
    fastapi.routing.get_dependant = _cached_get_dependant  # type: ignore[attr-defined]
    fastapi.routing.create_model_field = _cached_create_model_field  # type: ignore[attr-defined]
    _EffectiveRouteContext.from_api_route = classmethod(_cached_from_api_route)


def uninstall() -> None:
    dependency_utils.get_dependant = _original_get_dependant
    fastapi.routing.get_dependant = _original_get_dependant  # type: ignore[attr-defined]
    fastapi.routing.create_model_field = _original_create_model_field  # type: ignore[attr-defined]
    _EffectiveRouteContext.from_api_route = _original_from_api_route
    _cache.clear()
    _fields.clear()
    _contexts.clear()
    _seen.clear()


@contextmanager
def disabled() -> Iterator[None]:
    """FastAPI exactly as shipped, for the duration (the equivalence test's reference)."""
    installed = dependency_utils.get_dependant is _cached_get_dependant
    uninstall()
    try:
        yield
    finally:
        if installed:
            install()
