"""The embedded policy engine: regorus, in-process.

Policies are parsed once, at construction; a decision is then a synchronous
evaluation of about 0.1 ms, cheaper than a thread hop, so ``decide`` runs it
on the event loop. regorus holds the GIL while it evaluates and its engine is
not safe to share between threads, so every call must come from the thread
that created it.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import regorus

from gateway.policy.decision import validate_decision
from gateway.policy.files import DECISION_PATH, load_policy_data, policy_modules
from gateway.policy.types import Decision, PolicyEngineError

# A request for nothing: evaluating it proves the decision document exists.
_PROBE_INPUT: dict[str, Any] = {
    "subject": {"user_id": "probe", "department": "", "roles": []},
    "purpose": "",
    "citizen": "",
    "categories": [],
    "consents": [],
    "break_glass": None,
    "now": "1970-01-01T00:00:00.000000Z",
}


def _first_line(exc: BaseException) -> str:
    # regorus appends a native stack backtrace to its messages.
    text = str(exc).split("Stack backtrace", 1)[0].strip()
    return text or type(exc).__name__


# Native engines whose wrapper was collected on a thread other than their creator's. The native
# engine is "unsendable": dropping it there raises. Keeping it referenced here means it is never
# dropped before interpreter exit — a deliberate leak, which in production (one engine per
# process, closed by the lifespan on its own thread) never happens at all.
_STRANDED: list[Any] = []
# One extra reference the interpreter never gives back: at exit the list (and the engines in it)
# is not freed on the main thread either, which would raise the same error during shutdown.
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_STRANDED))


# Parsed engines of the main thread, by the exact text of every module and the data they were
# built from: a second engine of the same policies is a clone (microseconds) instead of a new
# parse (tens of milliseconds). One gateway process builds one engine, so this matters to the
# tests, which build a gateway per test; a changed file has a new digest and is parsed anew.
# Only the main thread: it lives as long as the process, while another thread's id may be
# reused by a new thread after it ends, which must not get the old thread's engine.
_PARSED: dict[str, regorus.Engine] = {}
ctypes.pythonapi.Py_IncRef(ctypes.py_object(_PARSED))  # as _STRANDED: never freed at exit
_PARSED_MAX = 16


def _compiled(policies_dir: Path) -> regorus.Engine:
    sources: list[tuple[str, str]] = []
    for module in policy_modules(policies_dir):
        try:
            sources.append(
                (module.relative_to(policies_dir).as_posix(), module.read_text(encoding="utf-8"))
            )
        except OSError as exc:
            raise PolicyEngineError(f"cannot load policy {module}: {_first_line(exc)}") from exc
    try:
        data = load_policy_data(policies_dir)
    except (RuntimeError, ValueError) as exc:
        raise PolicyEngineError(f"cannot load policy data: {_first_line(exc)}") from exc
    digest = hashlib.sha256(
        json.dumps([sources, data], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    cache = threading.current_thread() is threading.main_thread()
    parsed = _PARSED.get(digest) if cache else None
    if parsed is not None:
        return parsed
    engine = regorus.Engine()
    for name, text in sources:
        try:
            engine.add_policy(name, text)
        except (RuntimeError, ValueError) as exc:
            raise PolicyEngineError(
                f"cannot load policy {policies_dir / name}: {_first_line(exc)}"
            ) from exc
    try:
        engine.add_data(data)
    except (RuntimeError, ValueError) as exc:
        raise PolicyEngineError(f"cannot load policy data: {_first_line(exc)}") from exc
    if cache:
        if len(_PARSED) >= _PARSED_MAX:
            _STRANDED.extend(_PARSED.values())  # never dropped at exit (see _STRANDED)
            _PARSED.clear()
        _PARSED[digest] = engine
    return engine


class RegorusEngine:
    """``PolicyEngine`` backed by regorus (``gordon-to-regorus`` wheel).

    Construction loads every non-test ``.rego`` file under ``policies_dir``
    and ``catalogue/data.json`` as ``data.catalogue``, then evaluates a probe
    decision. Any failure raises ``PolicyEngineError``: start-up fails closed.
    """

    name = "regorus"

    def __init__(self, policies_dir: Path) -> None:
        self._owner_thread = threading.get_ident()
        self._closed = False
        self._engine: regorus.Engine | None = _compiled(policies_dir).clone()
        self.policy_version = self.evaluate(_PROBE_INPUT).policy_version

    def evaluate_raw(self, policy_input: dict[str, Any]) -> Any:
        """Evaluate ``data.tvaers.decision`` and return the engine's raw JSON value.

        Synchronous, on the creating thread. Used by ``decide`` and by the
        differential tests that compare engines byte for byte.
        """
        if threading.get_ident() != self._owner_thread:
            raise PolicyEngineError("regorus engine used from a thread other than its creator")
        if self._closed or self._engine is None:
            raise PolicyEngineError("regorus engine is closed")
        try:
            self._engine.set_input_json(json.dumps(policy_input))
            answer = self._engine.eval_rule_as_json(DECISION_PATH)
        except Exception as exc:
            # The native layer raises RuntimeError, ValueError or TypeError
            # depending on where it failed; all of them mean "no decision".
            raise PolicyEngineError(f"policy evaluation failed: {_first_line(exc)}") from exc
        return json.loads(answer)

    def evaluate(self, policy_input: dict[str, Any]) -> Decision:
        """Evaluate synchronously and validate the answer into a ``Decision``."""
        raw = self.evaluate_raw(policy_input)
        requested = policy_input.get("categories")
        if not isinstance(requested, list):
            raise PolicyEngineError("policy input has no category list")
        return validate_decision(raw, requested=requested)

    async def decide(self, policy_input: dict[str, Any]) -> Decision:
        """Return the decision for ``policy_input``; raise ``PolicyEngineError`` on failure."""
        return self.evaluate(policy_input)

    async def healthy(self) -> bool:
        """Whether a probe decision evaluates now, on the owning thread."""
        try:
            self.evaluate(_PROBE_INPUT)
        except PolicyEngineError:
            return False
        return True

    async def aclose(self) -> None:
        """Refuse further decisions and free the native engine, here on its own thread.

        Left to the object's end, the engine may be dropped by the cyclic garbage collector
        on whatever thread runs it, which the native engine refuses (it is unsendable).
        """
        self._closed = True
        if threading.get_ident() == self._owner_thread:
            self._engine = None

    def __del__(self) -> None:
        engine = getattr(self, "_engine", None)
        if engine is not None and threading.get_ident() != self._owner_thread:
            _STRANDED.append(engine)
            self._engine = None
