"""The witness's configuration: its name and key, its database file, the logs it follows.

A TOML file (``tvaers witness init`` writes one)::

    name = "witness.aarhus.dk/tvaers"
    key_file = "witness.key"          # PRIVATE+KEY+... (relative paths: beside this file)
    database = "witness.sqlite3"

    [[logs]]
    origin = "tvaers.odense.dk/audit"
    key = "tvaers.odense.dk/audit+1a2b3c4d+AbC..."   # the log's checkpoint verifier key

A key or log that fails to load stops start-up (fail closed).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from gateway.audit.proofs.cosignature import Cosigner
from gateway.audit.proofs.notes import NoteError, NoteVerifier


class WitnessConfigError(ValueError):
    """The configuration file is missing, malformed or names an unusable key."""


@dataclass(frozen=True, slots=True)
class FollowedLog:
    """A log this witness cosigns: its origin line and checkpoint verifier keys."""

    origin: str
    verifiers: tuple[NoteVerifier, ...]


@dataclass(frozen=True, slots=True)
class WitnessConfig:
    """Everything ``tvaers witness serve`` needs."""

    cosigner: Cosigner
    database: Path
    logs: dict[str, FollowedLog]

    @classmethod
    def load(cls, path: Path) -> WitnessConfig:
        """Read and check a configuration file."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WitnessConfigError(f"cannot read witness configuration {path}: {exc}") from exc
        base = path.parent
        try:
            key_file = base / str(data["key_file"])
            cosigner = Cosigner.parse(key_file.read_text(encoding="utf-8"))
            if "name" in data and data["name"] != cosigner.name:
                raise WitnessConfigError(
                    f"name {data['name']!r} is not the key's name {cosigner.name!r}"
                )
            database = base / str(data.get("database", "witness.sqlite3"))
            logs: dict[str, FollowedLog] = {}
            for entry in data.get("logs", []):
                origin = str(entry["origin"])
                keys = entry["key"] if isinstance(entry["key"], list) else [entry["key"]]
                verifiers = tuple(NoteVerifier.parse(str(k)) for k in keys)
                if origin in logs:
                    raise WitnessConfigError(f"log {origin!r} is configured twice")
                logs[origin] = FollowedLog(origin, verifiers)
        except KeyError as exc:
            raise WitnessConfigError(f"{path}: missing setting {exc.args[0]!r}") from exc
        except (OSError, NoteError) as exc:
            raise WitnessConfigError(f"{path}: {exc}") from exc
        if not logs:
            raise WitnessConfigError(f"{path}: no [[logs]] to follow")
        return cls(cosigner, database, logs)


def render_config(*, name: str, key_file: str, database: str, logs: dict[str, str]) -> str:
    """A configuration file's text (``tvaers witness init``)."""
    lines = [
        f"name = {_toml_str(name)}",
        f"key_file = {_toml_str(key_file)}",
        f"database = {_toml_str(database)}",
    ]
    for origin, key in logs.items():
        lines += ["", "[[logs]]", f"origin = {_toml_str(origin)}", f"key = {_toml_str(key)}"]
    return "\n".join(lines) + "\n"


def _toml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
