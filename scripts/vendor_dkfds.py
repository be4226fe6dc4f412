"""Vendor Det Fælles Designsystem (npm ``dkfds``) into gateway/web/static/vendor/dkfds/.

Run by hand when updating DKFDS (needs npm and the npm registry); the result is committed,
like htmx, so neither CI nor a running gateway needs npm or any network:

    python scripts/vendor_dkfds.py 11.2.0

It copies the minified CSS and JS (their trailing source-map comments removed: the maps are
not vendored), exactly the fonts and images the CSS refers to (``url(../...)``), the SVG icon
sprite and the licence, and writes ``SHA256SUMS`` (``sha256sum -c`` format).
tests/web/test_vendor.py checks every file against it, and SHA256SUMS against the table in
gateway/web/static/vendor/README.md (update that row with the printed hash).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "gateway" / "web" / "static" / "vendor" / "dkfds"
URL = re.compile(r"url\((?P<q>['\"]?)(?P<path>\.\./[^)'\"?#]+)[^)]*\)")
MAP_COMMENT = re.compile(r"\n?/[*/]# sourceMappingURL=[^\n]*\s*$")


def strip_map(text: str) -> str:
    return MAP_COMMENT.sub("\n", text)


def referenced(css: str) -> list[str]:
    """Paths (relative to dist/) of every file the stylesheet loads."""
    return sorted({m["path"].removeprefix("../") for m in URL.finditer(css)})


def main(version: str) -> None:
    with tempfile.TemporaryDirectory(prefix="dkfds-") as tmp:
        subprocess.run(
            ["npm", "pack", f"dkfds@{version}", "--silent"], cwd=tmp, check=True, text=True
        )
        with tarfile.open(Path(tmp) / f"dkfds-{version}.tgz") as archive:
            archive.extractall(tmp, filter="data")
        dist = Path(tmp) / "package" / "dist"
        if TARGET.exists():
            shutil.rmtree(TARGET)
        css = strip_map((dist / "css" / "dkfds.min.css").read_text(encoding="utf-8"))
        js = strip_map((dist / "js" / "dkfds.min.js").read_text(encoding="utf-8"))
        files = {"css/dkfds.min.css": css.encode(), "js/dkfds.min.js": js.encode()}
        for rel in [*referenced(css), "img/all-svg-icons.svg", "LICENSE.md"]:
            files[rel] = (dist / rel).read_bytes()
        sums = []
        for rel, data in sorted(files.items()):
            path = TARGET / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {rel}\n")
        (TARGET / "SHA256SUMS").write_text("".join(sums), encoding="utf-8")
    digest = hashlib.sha256((TARGET / "SHA256SUMS").read_bytes()).hexdigest()
    print(f"{len(files)} files; dkfds/SHA256SUMS sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "11.2.0")
