"""Every vendored browser file matches the hash in gateway/web/static/vendor/README.md."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[2] / "gateway" / "web" / "static" / "vendor"
ROW = re.compile(
    r"^\| (?P<file>[\w.-]+) \| (?P<package>[\w.-]+) \| (?P<version>[\d.]+) \|.*"
    r"\| (?P<sha>[0-9a-f]{64}) \|$"
)


def manifest() -> dict[str, str]:
    rows = {}
    for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match["file"]] = match["sha"]
    return rows


def test_every_vendored_file_is_listed_with_its_hash() -> None:
    listed = manifest()
    present = {p.name for p in VENDOR.iterdir() if p.name != "README.md"}
    assert present == set(listed), "vendor/ and its README table disagree"
    for name, sha in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == sha, name


def test_no_vendored_file_reaches_for_a_cdn() -> None:
    for name in ("swagger-ui-bundle.js", "redoc.standalone.js", "swagger-ui.css"):
        text = (VENDOR / name).read_text(encoding="utf-8", errors="replace")
        assert "cdn.redoc.ly" not in text, name
        # The source maps are not vendored: no trailing line may point the browser at one.
        assert "sourceMappingURL" not in text.rstrip().splitlines()[-1], name
