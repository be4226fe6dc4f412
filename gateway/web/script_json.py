"""JSON embedded in an HTML ``<script>`` block, safe whatever the data holds.

Inside ``<script>`` the HTML parser ends the block at the first ``</script``, whatever JSON
quoting says, so audit data such as a purpose ``</script><i hx-post=… hx-trigger=load>`` would
become live markup (and htmx would act on it with the reader's session). Escaping ``<``, ``>``
and ``&`` as JSON ``\\u`` escapes keeps the text inert and the JSON identical after
``JSON.parse``; U+2028/U+2029 are escaped too, for readers that treat the block as script.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_TABLE = str.maketrans(_ESCAPES)


def escape_script_json(text: str) -> Markup:
    """Already-serialised JSON, made safe to place between ``<script>`` tags."""
    return Markup(text.translate(_TABLE))  # noqa: S704 (escaped just above)


def script_json(value: Any) -> Markup:
    """``value`` as JSON, safe to place between ``<script>`` tags (a Jinja filter)."""
    return escape_script_json(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
