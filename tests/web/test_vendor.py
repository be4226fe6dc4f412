"""Every vendored browser file matches the hash in gateway/web/static/vendor/README.md.

Single files have a row each; the DKFDS tree (vendor/dkfds/) has one row for its SHA256SUMS,
which in turn names every file of the tree.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "gateway" / "web" / "static"
VENDOR = STATIC / "vendor"
DKFDS = VENDOR / "dkfds"
ROW = re.compile(
    r"^\| (?P<file>[\w./-]+) \| (?P<package>[\w.-]+) \| (?P<version>[\d.]+) \|.*"
    r"\| (?P<sha>[0-9a-f]{64}) \|$"
)


def manifest() -> dict[str, str]:
    rows = {}
    for line in (VENDOR / "README.md").read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows[match["file"]] = match["sha"]
    return rows


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dkfds_sums() -> dict[str, str]:
    sums = {}
    for line in (DKFDS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    return sums


def test_every_vendored_file_is_listed_with_its_hash() -> None:
    listed = manifest()
    present = {p.name for p in VENDOR.iterdir() if p.is_file() and p.name != "README.md"}
    present.add("dkfds/SHA256SUMS")
    assert present == set(listed), "vendor/ and its README table disagree"
    for name, sha in listed.items():
        assert sha256(VENDOR / name) == sha, name


def test_every_dkfds_file_matches_its_sha256sums_line() -> None:
    sums = dkfds_sums()
    present = {
        p.relative_to(DKFDS).as_posix()
        for p in DKFDS.rglob("*")
        if p.is_file() and p.name != "SHA256SUMS"
    }
    assert present == set(sums), "vendor/dkfds/ and its SHA256SUMS disagree"
    for name, digest in sums.items():
        assert sha256(DKFDS / name) == digest, name


def test_the_dkfds_stylesheet_loads_only_vendored_files() -> None:
    """Every url() in DKFDS's CSS is a file we ship: no CDN, no font or icon 404s."""
    css = (DKFDS / "css" / "dkfds.min.css").read_text(encoding="utf-8")
    urls = set(re.findall(r"url\((['\"]?)([^)'\"]+)\1\)", css))
    assert urls, "the stylesheet should refer to its fonts and icons"
    for _quote, url in urls:
        assert not re.match(r"^(https?:)?//", url), url
        if url.startswith("data:"):
            continue
        target = (DKFDS / "css" / url.split("?")[0].split("#")[0]).resolve()
        assert target.is_file(), url
        assert DKFDS in target.parents, url


def test_no_vendored_file_reaches_for_a_cdn() -> None:
    for path in (
        VENDOR / "swagger-ui-bundle.js",
        VENDOR / "redoc.standalone.js",
        VENDOR / "swagger-ui.css",
        DKFDS / "css" / "dkfds.min.css",
        DKFDS / "js" / "dkfds.min.js",
    ):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert "cdn.redoc.ly" not in text, path.name
        # The source maps are not vendored: no trailing line may point the browser at one.
        assert "sourceMappingURL" not in text.rstrip().splitlines()[-1], path.name


def test_every_page_loads_dkfds_and_starts_it_from_a_file() -> None:
    base = (STATIC.parent / "templates" / "base.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="/static/vendor/dkfds/css/dkfds.min.css">' in base
    assert '<script src="/static/vendor/dkfds/js/dkfds.min.js" defer></script>' in base
    assert '<script src="/static/js/dkfds-init.js" defer></script>' in base
    assert "DKFDS.init(" in (STATIC / "js" / "dkfds-init.js").read_text(encoding="utf-8")
    # No inline script anywhere: every <script> either has src= or is inert JSON.
    for template in (STATIC.parent / "templates").rglob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", template.read_text(encoding="utf-8")):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
