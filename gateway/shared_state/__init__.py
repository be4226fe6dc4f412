"""State that every gateway replica must share: rate-limit windows and background jobs.

Two backends behind one small interface: ``memory`` (this process only; the embedded default
on SQLite needs nothing more) and ``database`` (tables in the gateway's own PostgreSQL, so
replicas behind a load balancer count one window and see one job). README "Deploy" says why
PostgreSQL rather than Redis.
"""

from gateway.ratelimit import RateLimited
from gateway.shared_state.jobs import JobStore, JobView
from gateway.shared_state.limits import Limiter
from gateway.shared_state.store import SharedState

__all__ = ["JobStore", "JobView", "Limiter", "RateLimited", "SharedState"]
