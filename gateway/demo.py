"""``tvaers demo``: the gateway, three department simulators, a witness and the dev identity
provider.

All in one process, each on its own port, on embedded defaults (SQLite, regorus). The witness
(``gateway.witness``) has its own key and SQLite file under ``data_dir/witness`` and cosigns the
audit log's checkpoints, as another authority's witness would.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from datetime import UTC, datetime, timedelta

import uvicorn

from connectors.simulators import SIMULATORS
from connectors.simulators.digitalpost import create_app as digital_post_app
from gateway.app import create_app
from gateway.audit.log.lifecycle import audit_signer
from gateway.audit.proofs.cosignature import Cosigner
from gateway.config import Settings
from gateway.devtools.demo_representatives import DEMO_REPRESENTATIVE
from gateway.devtools.demo_users import DEMO_TEAM, demo_users
from gateway.keys import load_checked_keys
from gateway.witness.app import create_witness_app
from gateway.witness.config import FollowedLog, WitnessConfig

DEFAULT_SIMULATOR_PORT = 8101
DEPARTMENTS = ("jobcenter", "social", "health")


def simulator_ports(first: int = DEFAULT_SIMULATOR_PORT) -> dict[str, int]:
    """Ports of the three simulators: ``first``, ``first + 1``, ``first + 2``."""
    return {name: first + i for i, name in enumerate(DEPARTMENTS)}


def digital_post_port(first: int = DEFAULT_SIMULATOR_PORT) -> int:
    """The Digital Post simulator listens right after the three department simulators."""
    return first + len(DEPARTMENTS)


def witness_port(sim_port: int = DEFAULT_SIMULATOR_PORT) -> int:
    """The demo witness listens just after the Digital Post simulator."""
    return sim_port + len(DEPARTMENTS) + 1


def demo_witness(settings: Settings) -> WitnessConfig:
    """The demo witness: its key (made on first run) and database in ``data_dir/witness``."""
    directory = settings.data_dir / "witness"
    key_file = directory / "witness.key"
    if key_file.exists():
        cosigner = Cosigner.parse(key_file.read_text(encoding="utf-8"))
    else:
        from gateway.witness.cli import write_secret

        cosigner = Cosigner.generate("witness.demo.tvaers/w1")
        write_secret(key_file, cosigner.signer_key() + "\n")
    log_key = audit_signer(settings.audit_origin, load_checked_keys(settings).audit_key).verifier()
    logs = {settings.audit_origin: FollowedLog(settings.audit_origin, (log_key,))}
    return WitnessConfig(cosigner, directory / "witness.sqlite3", logs)


def demo_settings(host: str, port: int, sim_port: int = DEFAULT_SIMULATOR_PORT) -> Settings:
    base = Settings()
    ports = simulator_ports(sim_port)
    urls = {
        "jobcenter": f"http://{host}:{ports['jobcenter']}",
        "social": f"http://{host}:{ports['social']}",
        "health": f"http://{host}:{ports['health']}/fhir",
    }
    # The demo's department systems are simulators, and every section says so.
    connectors = {
        name: {**base.connectors.get(name, {}), "base_url": url, "simulator": True}
        for name, url in urls.items()
    }
    digital_post = f"http://{host}:{digital_post_port(sim_port)}/memo/messages"
    return base.model_copy(
        update={
            "host": host,
            "port": port,
            "connectors": connectors,
            "digital_post_url": base.digital_post_url or digital_post,
        }
    )


def with_witness(settings: Settings, witness: WitnessConfig, url: str) -> Settings:
    """``settings`` with the demo witness configured."""
    entry = {"url": url, "key": str(witness.cosigner.verifier())}
    return settings.model_copy(update={"witnesses": [entry]})


def curl_commands(base: str, cpr: str, digital_post: str = "") -> list[tuple[str, str]]:
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
            # Ordinary data: active at once. Health data recorded by jobcenter staff would wait
            # for the health department's or the citizen's confirmation (docs/consent.md).
            "categories": ["social.services"],
            "recipient_departments": ["jobcenter"],
            "valid_until": until,
            "collection_method": "written_form",
            "evidence_ref": "Samtykkeerklæring j.nr. 2026-0042",
        },
        ensure_ascii=False,
    )
    view = json.dumps({"cpr": cpr, "purpose": "tvaerfagligt_team"})
    emergency = json.dumps(
        {
            "cpr": cpr,
            "purpose": "noedadgang",
            "justification": "Borgeren er fundet bevidstløs; akut behov for kontakt og trivsel.",
        },
        ensure_ascii=False,
    )

    def login(variable: str, username: str) -> str:
        return (
            f"{variable}=$(curl -s -X POST {base}/dev/token -H 'Content-Type: application/json' "
            f'-d \'{{"username": "{username}"}}\' '
            "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
        )

    coordinator = login("KTOKEN", "koordinator-jobcenter")
    citizen = login("BTOKEN", "borger-1")
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
        (
            "4. Nødadgang, og borgeren får besked / break-glass, and the citizen is told",
            f"{coordinator}\n"
            f'curl -s -X POST {base}/v1/views -H "Authorization: Bearer $KTOKEN" '
            f'-H "Content-Type: application/json" -d {shlex.quote(emergency)} | {show}\n'
            f"{citizen}\n"
            f"for i in $(seq 30); do curl -s {digital_post} | grep -q nødadgang && break; "
            "sleep 1; done  # wait for the break-glass letter (delivered within seconds)\n"
            f'curl -s {base}/v1/me/notices -H "Authorization: Bearer $BTOKEN" | {show}\n'
            f"curl -s {digital_post} | {show}",
        ),
    ]


def _login(base: str, variable: str, username: str) -> str:
    return (
        f"{variable}=$(curl -s -X POST {base}/dev/token -H 'Content-Type: application/json' "
        f'-d \'{{"username": "{username}"}}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
    )


def scope_commands(
    base: str, *, meeting_cpr: str, represented_cpr: str, expired_cpr: str
) -> list[tuple[str, str]]:
    """Steps 6 and 7 (issue 14): a consent for one meeting of the team, and a representative."""
    show = "python3 -m json.tool --no-ensure-ascii"
    json_header = '-H "Content-Type: application/json"'
    meeting = json.dumps(
        {
            "cpr": meeting_cpr,
            "purpose": "tvaerfagligt_team",
            "categories": ["health.wellbeing", "social.services"],
            "recipient_departments": ["jobcenter", "social", "health"],
            # No valid_until: the purpose's meeting length (catalogue) from now.
            "scope": {"teams": [DEMO_TEAM], "label": "Rundbordssamtale i dag"},
            "collection_method": "citizen_portal",
        },
        ensure_ascii=False,
    )
    view = json.dumps(
        {"cpr": meeting_cpr, "purpose": "tvaerfagligt_team", "categories": ["health.wellbeing"]}
    )
    until = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()

    def for_citizen(cpr: str) -> str:
        return json.dumps(
            {
                "cpr": cpr,
                "purpose": "tvaerfagligt_team",
                "categories": ["health.wellbeing"],
                "recipient_departments": ["jobcenter"],
                "valid_until": until,
                "collection_method": "citizen_portal",
            }
        )

    return [
        (
            "6. Samtykke til ét møde i teamet / a consent for one meeting of the team",
            f"{_login(base, 'MTOKEN', 'borger-3')}\n"
            f'curl -s -X POST {base}/v1/consents -H "Authorization: Bearer $MTOKEN" '
            f"{json_header} -d {shlex.quote(meeting)} | {show}\n"
            "# i teamet / in the team:\n"
            f"{_login(base, 'KTOKEN', 'koordinator-jobcenter')}\n"
            f'curl -s -X POST {base}/v1/views -H "Authorization: Bearer $KTOKEN" '
            f"{json_header} -d {shlex.quote(view)} | {show}\n"
            "# ikke i teamet / not in the team (outside_consent_scope):\n"
            f"{_login(base, 'STOKEN', 'sagsbehandler-jobcenter')}\n"
            f'curl -s -X POST {base}/v1/views -H "Authorization: Bearer $STOKEN" '
            f"{json_header} -d {shlex.quote(view)} | {show}",
        ),
        (
            "7. En fuldmægtig giver samtykke for en borger / a representative grants a consent",
            f"{_login(base, 'RTOKEN', DEMO_REPRESENTATIVE)}\n"
            f'curl -s {base}/v1/me/represented -H "Authorization: Bearer $RTOKEN" | {show}\n'
            f'curl -s -X POST {base}/v1/consents -H "Authorization: Bearer $RTOKEN" '
            f"{json_header} -d {shlex.quote(for_citizen(represented_cpr))} | {show}\n"
            "# fuldmagten er udløbet / the authority has expired (404):\n"
            f'curl -s -X POST {base}/v1/consents -H "Authorization: Bearer $RTOKEN" '
            f"{json_header} -d {shlex.quote(for_citizen(expired_cpr))} | {show}\n"
            "# borgerens Min log / the citizen's own log:\n"
            f"{_login(base, 'ATOKEN', 'borger-1')}\n"
            f'curl -s "{base}/v1/me/access-log?limit=3" -H "Authorization: Bearer $ATOKEN" '
            f"| {show}",
        ),
    ]


def receipt_commands(base: str, citizen: str, witness_key: str) -> str:
    """Step 5: a citizen's receipt, verified offline with the log's and the witness's keys."""
    return (
        "sleep 3  # vidnet medsignerer om få sekunder / the witness cosigns within seconds\n"
        f"CITIZEN=$(curl -s -X POST {base}/dev/token -H 'Content-Type: application/json' "
        f'-d \'{{"username": "{citizen}"}}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
        f'EVENT_ID=$(curl -s {base}/v1/me/access-log -H "Authorization: Bearer $CITIZEN" '
        '| python3 -c \'import json,sys; print([i for i in json.load(sys.stdin)["items"] '
        'if i["status"] == "sequenced"][-1]["event_id"])\')\n'
        f'curl -s {base}/v1/me/access-log/$EVENT_ID/receipt -H "Authorization: Bearer $CITIZEN" '
        "-o kvittering.tlog-proof\n"
        f'curl -s {base}/v1/me/access-log/$EVENT_ID/entry -H "Authorization: Bearer $CITIZEN" '
        "-o post.json\n"
        f"curl -s {base}/v1/audit/public-key -H 'Accept: text/plain' -o log.pub\n"
        "tvaers audit verify receipt kvittering.tlog-proof --entry post.json --key log.pub "
        f"--witness '{witness_key}'"
    )


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
        f"  Simulator {'Digital Post':<10} http://{settings.host}:{digital_post_port(sim_port)}"
        "  (MeMo-postkasse, simulator, ikke ægte)",
        *(
            f"  Vidne / witness ({w['key'].split('+')[0]}) {w['url']}  nøgle / key: {w['key']}"
            for w in settings.witnesses
        ),
        "",
        'Demobrugere / demo users (token: POST /dev/token {"username": ...}):',
    ]
    for user in users:
        what = user.department or "borger"
        roles = ",".join(user.roles)
        extra = f"CPR {user.cpr} (syntetisk)" if user.cpr else roles
        if user.teams:
            extra += f"  team {','.join(user.teams)}"
        if user.username == DEMO_REPRESENTATIVE:
            extra += "  fuldmægtig for borger-1, værge for borger-2"
        lines.append(f"  {user.username:<26} {user.name:<22} {what:<14} {extra}")
    lines.append("")
    digital_post = f"http://{settings.host}:{digital_post_port(sim_port)}/memo/messages"
    for title, command in curl_commands(base, citizen.cpr, digital_post):
        lines.append(f"# {title}")
        lines.append(command)
        lines.append("")
    for witness in settings.witnesses:
        lines.append(
            "# 5. Borgerens kvittering verificeret offline med vidnets nøgle / the citizen's "
            "receipt verified offline with the witness's key"
        )
        lines.append(receipt_commands(base, citizen.username, witness["key"]))
        lines.append("")
    people = [u for u in users if u.kind == "citizen" and u.username.startswith("borger-")]
    assert all(p.cpr for p in people)
    for title, command in scope_commands(
        base,
        meeting_cpr=str(people[2].cpr),
        represented_cpr=str(people[0].cpr),
        expired_cpr=str(people[2].cpr),
    ):
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
    witness = demo_witness(settings)
    settings = with_witness(settings, witness, f"http://{host}:{witness_port(sim_port)}")
    servers = [
        uvicorn.Server(uvicorn.Config(SIMULATORS[name](), host=host, port=p, log_level="warning"))
        for name, p in simulator_ports(sim_port).items()
    ]
    servers.append(
        uvicorn.Server(
            uvicorn.Config(
                digital_post_app(), host=host, port=digital_post_port(sim_port), log_level="warning"
            )
        )
    )
    servers.append(
        uvicorn.Server(
            uvicorn.Config(
                create_witness_app(witness),
                host=host,
                port=witness_port(sim_port),
                log_level="warning",
            )
        )
    )
    gateway = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=host, port=port, log_level="info")
    )
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        await asyncio.sleep(0.05)
        if any(t.done() for t in tasks):
            raise SystemExit("a simulator or the witness failed to start (is the port in use?)")
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
