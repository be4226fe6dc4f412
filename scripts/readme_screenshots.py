"""Copy the README's screenshots from the browser tests' output into docs/screenshots/.

    make screenshots     # runs tests/e2e (which save test-artifacts/screenshots/), then this

Every name below is ``<test screenshot name>-<da|en>-<wide|narrow>`` (1280 px desktop,
320 px phone), as ``tests/e2e/conftest.py``'s ``screenshot()`` saves it. A missing file is an
error: the README must never point at a picture that the tests no longer take.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "test-artifacts" / "screenshots"
TARGET = ROOT / "docs" / "screenshots"

README_SHOTS = [
    "04-request-da-wide",
    "04-request-en-narrow",
    "05-overview-consent-da-narrow",
    "10-min-log-en-wide",
    "staff-request-preview-da-wide",
    "staff-overview-da-narrow",
    "staff-dpo-en-wide",
    "staff-dpo-dates-da-narrow",
    "a11y-statement-da-wide",
    "a11y-statement-en-narrow",
    "staff-cpr-error-da-wide",
    "portal-receipt-verified-en-wide",
    "portal-receipt-verified-da-narrow",
    "staff-my-requests-en-narrow",
    "staff-my-requests-da-wide",
    "api-docs-en-wide",
]


def main() -> int:
    missing = [n for n in README_SHOTS if not (SOURCE / f"{n}.png").is_file()]
    if missing:
        print("missing (run the browser tests first):", ", ".join(missing), file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for old in TARGET.glob("*.png"):
        old.unlink()
    for name in README_SHOTS:
        shutil.copyfile(SOURCE / f"{name}.png", TARGET / f"{name}.png")
    print(f"{len(README_SHOTS)} screenshots copied to {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
