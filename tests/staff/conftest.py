from __future__ import annotations

from datetime import UTC, datetime

from tests.harness import Harness, demo_cpr


async def view(
    gw: Harness,
    cpr: str,
    *,
    purpose: str = "tvaerfagligt_team",
    user: str = "sagsbehandler-jobcenter",
) -> dict:  # type: ignore[type-arg]
    response = await gw.client.post(
        "/v1/views", json={"cpr": cpr, "purpose": purpose}, headers=await gw.auth(user)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def now() -> datetime:
    return datetime.now(UTC)


__all__ = ["demo_cpr", "now", "view"]
