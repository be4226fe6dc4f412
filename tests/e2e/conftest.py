"""Browser tests: the app served by uvicorn on a free port, driven by Debian's Chromium.

Fixtures for every e2e test (portal and staff console):
- ``live`` (package): the running app — ``live.base_url``, ``live.token(username)``,
  ``live.api(username)`` (an ``httpx.Client`` with that user's bearer token).
- ``browser`` (package): Chromium at ``/usr/bin/chromium`` via Playwright (never downloaded).
- ``page``: a fresh browser context + page, 1280 px wide; ``narrow_page``: 320 px.
- helpers below: ``login(page, live, username)``, ``switch_language(page)``,
  ``screenshot(page, name)`` (both widths, into ``test-artifacts/screenshots/``),
  ``assert_accessible(page)`` (vendored axe-core: no serious or critical violations).
Every page also fails the test on a CSP violation or a page error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
AXE = REPO / "gateway" / "web" / "static" / "vendor" / "axe.min.js"
WIDTHS = {"narrow": 320, "wide": 1280}


@dataclass
class Live:
    base_url: str
    process: subprocess.Popen[str]
    simulators: dict[str, str] = field(default_factory=dict)  # department → simulator URL
    _tokens: dict[str, str] = field(default_factory=dict)

    def set_simulator(self, department: str, **config: Any) -> None:
        """Reconfigure a department simulator (latency, faults) at run time."""
        url = f"{self.simulators[department]}/_simulator/config"
        current = httpx.get(url).json()
        httpx.put(url, json={**current, **config}).raise_for_status()

    def token(self, username: str) -> str:
        if username not in self._tokens:
            response = httpx.post(f"{self.base_url}/dev/token", json={"username": username})
            response.raise_for_status()
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    def api(self, username: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.token(username)}"},
            timeout=10.0,
        )


@pytest.fixture(scope="package")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TVAERS_")}
    # Every browser test logs in from 127.0.0.1: the per-address login limit (tested in
    # tests/web) would otherwise throttle the suite itself.
    env["TVAERS_WEB_LOGIN_RATE_LIMIT"] = "10000"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.serve", str(data_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        process.stdout.close()
        pytest.fail("the e2e server did not start")
    started = json.loads(line)
    try:
        yield Live(base_url=started["base_url"], process=process, simulators=started["simulators"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


# Package scope, not session: sync Playwright keeps an event loop running in this thread while
# it is open, which would stop pytest-asyncio from running the async tests that come after.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium missing: run `make test` (it installs Debian's chromium)")
    with playwright_sync.sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _new_page(browser: Any, width: int) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    yield from _new_page(browser, WIDTHS["wide"])


@pytest.fixture
def narrow_page(browser: Any) -> Iterator[Any]:
    yield from _new_page(browser, WIDTHS["narrow"])


def login(page: Any, live: Live, username: str, *, next_path: str = "/portal") -> None:
    """Log in through the real code + PKCE flow by picking the demo user on /dev/authorize."""
    page.goto(f"{live.base_url}/auth/login?next={next_path}")
    page.get_by_test_id(f"choose-{username}").click()
    page.wait_for_url(f"{live.base_url}{next_path}*")


def switch_language(page: Any) -> None:
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state("load")


def current_lang(page: Any) -> str:
    lang: str = page.evaluate("document.documentElement.lang")
    return lang


def screenshot(page: Any, name: str) -> list[Path]:
    """Save the page at 320 px and 1280 px wide (full page), named by language and width.

    Only for ``make screenshots`` (``TVAERS_SCREENSHOTS=1``): the pictures are the README's, no
    test looks at them, and fifty full-page PNGs cost Chromium seconds of CPU in every run.
    """
    if os.environ.get("TVAERS_SCREENSHOTS") != "1":
        return []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    saved = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        path = SCREENSHOTS / f"{name}-{current_lang(page)}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    page.set_viewport_size(original)
    return saved


def assert_accessible(page: Any) -> None:
    """Run the vendored axe-core (WCAG 2.0/2.1 A and AA rules): no serious or critical issues.

    Injected through the DevTools protocol (``evaluate``), which the page's CSP does not
    govern — the page itself never loads axe.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {runOnly: {type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }"""
    )
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {json.dumps(bad, ensure_ascii=False, indent=1)}"
