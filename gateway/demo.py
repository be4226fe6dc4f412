"""``tvaers demo``: the gateway, three department simulators and the dev identity provider.

All in one process, each on its own port, on embedded defaults (SQLite, regorus).
"""

from __future__ import annotations

import asyncio
import json
import shlex
from datetime import UTC, datetime, timedelta

import uvicorn

from connectors.simulators import SIMULATORS
from gateway.app import create_app
from gateway.config import Settings
from gateway.devtools.demo_users import demo_users

DEFAULT_SIMULATOR_PORT = 8101
DEPARTMENTS = ("jobcenter", "social", "health")


def simulator_ports(first: int = DEFAULT_SIMULATOR_PORT) -> dict[str, int]:
    """Ports of the three simulators: ``first``, ``first + 1``, ``first + 2``."""
    return {name: first + i for i, name in enumerate(DEPARTMENTS)}


def demo_settings(host: str, port: int, sim_port: int = DEFAULT_SIMULATOR_PORT) -> Settings:
    base = Settings()
    ports = simulator_ports(sim_port)
    urls = {
        "jobcenter": f"http://{host}:{ports['jobcenter']}",
        "social": f"http://{host}:{ports['social']}",
        "health": f"http://{host}:{ports['health']}/fhir",
    }
    connectors = {
        name: {**base.connectors.get(name, {}), "base_url": url} for name, url in urls.items()
    }
    return base.model_copy(update={"host": host, "port": port, "connectors": connectors})


def curl_commands(base: str, cpr: str) -> list[tuple[str, str]]:
    until = (datetime.now(UTC) + timedelta(days=90)).replace(microsecond=0).isoformat()
    token = (
        f"TOKEN=$(curl -s -X POST {base}/dev/token -H 'Content-Type: application/json' "
        '-d \'{"username": "sagsbehandler-jobcenter"}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )
    consent = json.dumps(
        {
            "cpr": cpr,
            "purpose": "tvaerfagligt_team",
            # Staff may record written consent for ordinary and confidential data only;
            # health data needs the citizen's own consent (portal, consent request).
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": until,
            "collection_method": "written_form",
            "evidence_ref": "Samtykkeerklæring j.nr. 2026-0042",
        },
        ensure_ascii=False,
    )
    view = json.dumps({"cpr": cpr, "purpose": "tvaerfagligt_team"})
    auth = '-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json"'
    show = "python3 -m json.tool --no-ensure-ascii"
    return [
        (
            "1. Registrér et skriftligt samtykke / record a written consent",
            f"{token}\n"
            f"curl -s -X POST {base}/v1/consents {auth} -d {shlex.quote(consent)} "
            f"| tee /tmp/tvaers-consent.json | {show}\n"
            "CONSENT_ID=$(python3 -c 'import json; "
            'print(json.load(open("/tmp/tvaers-consent.json"))["consent"]["consent_id"])\')',
        ),
        (
            "2. Bed om et samlet overblik / ask for a shared view",
            f"curl -s -X POST {base}/v1/views {auth} -d {shlex.quote(view)} | {show}",
        ),
        (
            "3. Tilbagekald og spørg igen / withdraw and ask again",
            f"curl -s -X POST {base}/v1/consents/$CONSENT_ID/withdraw {auth} "
            '-d \'{"via": "written_form", "evidence_ref": "Tilbagekaldelse j.nr. 2026-0043"}\' | '
            f"{show}\n"
            f"curl -s -X POST {base}/v1/views {auth} -d {shlex.quote(view)} | {show}",
        ),
    ]


def banner(settings: Settings, sim_port: int = DEFAULT_SIMULATOR_PORT) -> str:
    base = settings.effective_public_url
    users = demo_users()
    citizen = next(u for u in users if u.kind == "citizen")
    assert citizen.cpr is not None
    lines = [
        "",
        "Tværs kører / is running (development profile: SQLite, regorus, simulators)",
        f"  Borgerportal / citizen portal ........ {base}/",
        f"  Tværfagligt overblik / caseworker .... {base}/staff",
        f"  Revisionslog / DPO console ........... {base}/staff/dpo",
        f"  API-dokumentation / API docs ......... {base}/docs",
        *(
            f"  Simulator {name:<10} http://{settings.host}:{port}  (simulator, ikke ægte)"
            for name, port in simulator_ports(sim_port).items()
        ),
        "",
        'Demobrugere / demo users (token: POST /dev/token {"username": ...}):',
    ]
    for user in users:
        what = user.department or "borger"
        roles = ",".join(user.roles)
        extra = f"CPR {user.cpr} (syntetisk)" if user.cpr else roles
        lines.append(f"  {user.username:<26} {user.name:<22} {what:<14} {extra}")
    lines.append("")
    for title, command in curl_commands(base, citizen.cpr):
        lines.append(f"# {title}")
        lines.append(command)
        lines.append("")
    lines.append(
        "# Valgfrit: læg et mistænkeligt opslagsmønster i loggen, så DPO'en ser afvigelser /\n"
        "# optional: seed a snooping pattern so the DPO console shows anomalies"
    )
    lines.append(
        f"DPO=$(curl -s -X POST {base}/dev/token -H 'Content-Type: application/json' "
        '-d \'{"username": "dpo"}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
        f'curl -s -X POST {base}/v1/audit/demo/snooping-pattern -H "Authorization: Bearer $DPO"'
    )
    lines.append("")
    lines.append("Stop med Ctrl-C / stop with Ctrl-C")
    return "\n".join(lines)


async def run_demo(
    host: str = "127.0.0.1", port: int = 8000, sim_port: int = DEFAULT_SIMULATOR_PORT
) -> None:
    settings = demo_settings(host, port, sim_port)
    servers = [
        uvicorn.Server(uvicorn.Config(SIMULATORS[name](), host=host, port=p, log_level="warning"))
        for name, p in simulator_ports(sim_port).items()
    ]
    gateway = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="info")
    )
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        await asyncio.sleep(0.05)
        if any(t.done() for t in tasks):
            raise SystemExit("a simulator failed to start (is the port in use?)")
    gateway_task = asyncio.create_task(gateway.serve())
    while not gateway.started:
        await asyncio.sleep(0.05)
        if gateway_task.done():
            for s in servers:
                s.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            raise SystemExit("the gateway failed to start")
    print(banner(settings, sim_port), flush=True)
    await gateway_task
    for s in servers:
        s.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)
