"""Alembic environment: always given a live connection by ``gateway.db.migrate``."""

from __future__ import annotations

from alembic import context

import gateway.models  # noqa: F401  (registers every table on Base.metadata)
from gateway.db import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached when run as `alembic` by hand
    raise RuntimeError("run migrations through `tvaers db upgrade` or the app start-up")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
