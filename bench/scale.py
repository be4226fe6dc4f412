"""Measurement 5: query latency with 1,000,000 consents and up to 10,000,000 audit entries.

Rows are generated inside PostgreSQL (``INSERT … SELECT … generate_series``, secondary indexes
dropped during the load and rebuilt after, as a bulk load would), within a time budget: if the
budget runs out first, fewer entries are generated and the result says how many.
The timed queries are the gateway's own repository code (the same SQL the endpoints run);
the view is timed over HTTP on a gateway process using this database.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg  # type: ignore[import-untyped]

from gateway.audit.entries.repository import AuditRepository
from gateway.audit.log.repository import TreeRepository
from gateway.audit.proofs.merkle import TreeState
from gateway.consent.repository import ConsentRepository
from gateway.db import create_engine, make_sessionmaker

USERS = 500
PURPOSES = (
    "tvaerfagligt_team",
    "ressourceforloeb_koordinering",
    "rehabiliteringsteam",
    "cti_overgang",
)

CITIZENS_SQL = """
INSERT INTO citizens (pseudonym, pseudonym_key_id, cpr_ciphertext, cpr_key_id, created_at)
SELECT 'bench' || lpad(i::text, 10, '0'), 'bench', '\\x00'::bytea, 'bench',
  now() - interval '400 days'
FROM generate_series(1, $1) AS i
"""

CONSENTS_SQL = """
INSERT INTO consents (consent_id, citizen_pseudonym, purpose, categories, source_departments,
  recipient_departments, valid_from, valid_until, status, collection_method, recorded_by,
  recorded_by_department, evidence_ref, notice_version, notice_language, created_at, receipt)
SELECT md5('c' || i::text)::uuid::text, 'bench' || lpad((1 + i % $2)::text, 10, '0'),
  (ARRAY['tvaerfagligt_team', 'ressourceforloeb_koordinering', 'rehabiliteringsteam',
         'cti_overgang'])[1 + (i / $2) % 4],
  '["health.wellbeing","social.services"]', '["health","social"]', '["jobcenter"]',
  now() - (i % 300) * interval '1 day', now() + (i % 300) * interval '1 day',
  CASE WHEN i % 7 = 0 THEN 'withdrawn' ELSE 'active' END, 'citizen_portal',
  'user-' || (i % 500), 'jobcenter', 'bench', 'v1', 'da', now() - (i % 300) * interval '1 day',
  'eyJhbGciOiJFZERTQSJ9.bench.signature'
FROM generate_series(1, $1) AS i
"""

ENTRIES_SQL = """
INSERT INTO audit_entries (seq, event_id, recorded_at, phase, action, outcome, request_id,
  actor_id, actor_department, purpose, basis_kinds, citizen_pseudonym, body, leaf_index, leaf_hash)
SELECT i, e, ts, ph, 'view.read', 'granted', r, 'user-' || (i % 500), 'jobcenter',
  'tvaerfagligt_team', 'consent', p,
  '{"action":"view.read","actor":{"client_id":null,"department":"jobcenter","kind":"employee",'
  || '"roles":["caseworker"],"user_id":"user-' || (i % 500) || '"},"bases":[{"category":'
  || '"health.wellbeing","kind":"consent","ref":"' || r || '"}],"categories":{"granted":'
  || '["health.wellbeing","social.services"],"requested":["health.wellbeing","social.services"],'
  || '"unavailable":[],"withheld":[]},"citizen":{"key_id":"bench","pseudonym":"' || p
  || '"},"consent_ids":["' || r || '"],"decision_id":"' || r || '","denial_codes":{},'
  || '"event_id":"' || e || '","outcome":"granted","phase":"' || ph || '","policy_version":'
  || '"bench","purpose":"tvaerfagligt_team","reason":null,"record_counts":{},"request_id":"'
  || r || '","schema_version":1,"source_systems":[],"time":"' || ts || '"}',
  i - 1, decode(h || h, 'hex')
FROM (
  SELECT i, h, h::uuid::text AS e, lpad(to_hex(i / 2), 32, '0')::uuid::text AS r,
    'bench' || lpad((1 + (i * 7919) % $3)::text, 10, '0') AS p,
    CASE WHEN i % 2 = 0 THEN 'intent' ELSE 'outcome' END AS ph,
    now() - ($4 - i) * interval '3 seconds' AS ts
  FROM (SELECT i, md5(i::text) AS h FROM generate_series($1::bigint, $2::bigint) AS i) AS s
) AS g
"""


async def _drop_indexes(conn: asyncpg.Connection, table: str) -> list[str]:
    """Drop every index of ``table`` but its primary key; returns the statements that
    rebuild them (unique constraints as constraints, other indexes as indexes)."""
    constraints = await conn.fetch(
        "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype = 'u'",
        table,
    )
    indexes = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = $1::regclass AND contype IN ('p', 'u'))",
        table,
    )
    rebuild: list[str] = []
    for row in constraints:
        await conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{row["conname"]}"')
        rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{row["conname"]}" {row["definition"]}')
    for row in indexes:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        rebuild.append(row["indexdef"])
    return rebuild


async def _generate(
    conn: asyncpg.Connection,
    *,
    consents: int,
    entries: int,
    budget_s: float,
    chunk: int,
    start: int = 0,
    final: int | None = None,
) -> dict[str, Any]:
    """Generate consents (when ``start`` is 0) and audit entries ``start + 1 .. entries``;
    ``final`` is the size the log will reach in the last stage (it dates the entries)."""
    citizens = max(1, consents // 4)
    timings: dict[str, Any] = {}
    await conn.execute("SET synchronous_commit = off")  # generation only; measurements are reads
    await conn.execute("SET maintenance_work_mem = '512MB'")
    started = time.perf_counter()
    if start == 0:
        await conn.execute(CITIZENS_SQL, citizens)
        rebuild = await _drop_indexes(conn, "consents")
        await conn.execute(CONSENTS_SQL, consents, citizens)
        for statement in rebuild:
            await conn.execute(statement)
    else:  # a later stage: the gateway timed in between has appended (and sequenced) entries
        # Past every row's seq and leaf index, so a generated leaf never collides with one the
        # gateway sequenced in between (seen once under load: a duplicate leaf_index).
        start = max(
            start,
            int(
                await conn.fetchval(
                    "SELECT greatest(coalesce(max(seq), 0), coalesce(max(leaf_index) + 1, 0)) "
                    "FROM audit_entries"
                )
            ),
        )
    timings["consents_s"] = round(time.perf_counter() - started, 1)

    # A bulk load: every index but the primary key (unique ones too) is dropped first and
    # built once at the end; a b-tree on random keys (event_id) costs 3-4x the insert.
    rebuild = await _drop_indexes(conn, "audit_entries")
    started = time.perf_counter()
    done = start
    while done < entries and time.perf_counter() - started < budget_s:
        upto = min(entries, done + chunk)
        await conn.execute(ENTRIES_SQL, done + 1, upto, citizens, final or entries)
        done = upto
    timings["entries_insert_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    for statement in rebuild:
        await conn.execute(statement)
    await conn.execute(
        "SELECT setval(pg_get_serial_sequence('audit_entries', 'seq'), $1)", max(done, 1)
    )
    # The generated rows count as sequenced: the tree state gets their size (with placeholder
    # frontier hashes; nothing here verifies proofs), so the sequencer only sees new rows.
    state = TreeState(done, [bytes(32)] * done.bit_count())
    await conn.execute(
        "UPDATE audit_tree_state SET size = $1, state = $2 WHERE name = 'main'",
        done,
        state.to_json(),
    )
    await conn.execute("ANALYZE")
    timings["indexes_s"] = round(time.perf_counter() - started, 1)
    return {
        "citizens": citizens,
        "consents": consents,
        "entries_requested": entries,
        "entries_generated": done,
        "generation": timings,
    }


def _stats(samples: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in samples)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[min(len(ms) - 1, int(len(ms) * 0.95))], 3),
    }


async def _timed(samples: int, call: Callable[[int], Awaitable[object]]) -> dict[str, Any]:
    """p50/p95 of ``call``; an error (e.g. a repository method that changed) is reported in
    place of the figure, and the other queries still run."""
    try:
        return await _timed_or_raise(samples, call)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


async def _timed_or_raise(
    samples: int, call: Callable[[int], Awaitable[object]]
) -> dict[str, float]:
    await call(0)
    found: list[float] = []
    for n in range(samples):
        started = time.perf_counter()
        await call(n + 1)
        found.append(time.perf_counter() - started)
    return _stats(found)


async def _queries(url: str, *, citizens: int, samples: int) -> dict[str, Any]:
    engine = create_engine(url)
    sessions = make_sessionmaker(engine)
    rng = random.Random(7)
    picks = [f"bench{1 + rng.randrange(citizens):010d}" for _ in range(samples + 1)]
    users = [f"user-{rng.randrange(USERS)}" for _ in range(samples + 1)]
    out: dict[str, Any] = {}
    try:
        async with sessions() as session:
            out["consent_lookup"] = await _timed(
                samples,
                lambda n: ConsentRepository(session).for_citizen([picks[n]], purpose=PURPOSES[0]),
            )
            out["min_log_page"] = await _timed(
                samples,
                lambda n: TreeRepository(session).rows_for_citizen(
                    [picks[n]], before=None, limit=50
                ),
            )
            out["dpo_search_citizen"] = await _timed(
                samples, lambda n: AuditRepository(session).search(pseudonyms=[picks[n]], limit=100)
            )
            out["dpo_search_user"] = await _timed(
                samples, lambda n: AuditRepository(session).search(actor_id=users[n], limit=100)
            )
    finally:
        await engine.dispose()
    return out


def generate(
    server: Any,
    database: str,
    *,
    consents: int,
    entries: int,
    budget_s: float,
    chunk: int = 500_000,
    start: int = 0,
    final: int | None = None,
) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        conn = await asyncpg.connect(host=server.socket_dir, user=server.user, database=database)
        try:
            return await _generate(
                conn,
                consents=consents,
                entries=entries,
                budget_s=budget_s,
                chunk=chunk,
                start=start,
                final=final,
            )
        finally:
            await conn.close()

    return asyncio.run(run())


def queries(url: str, *, citizens: int, samples: int) -> dict[str, Any]:
    return asyncio.run(_queries(url, citizens=citizens, samples=samples))
