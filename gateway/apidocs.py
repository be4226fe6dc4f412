"""``/docs`` (Swagger UI) and ``/redoc`` (Redoc), served from vendored copies.

FastAPI's own pages load both from a CDN, which the Content-Security-Policy blocks (and no
network is a fine place to read API docs from). These pages load the same libraries from
``/static/vendor/`` (pinned and hashed, see its README) and start them from a same-origin
script, so no inline script is needed.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{head}
</head>
<body>
<div id="{element}" data-spec-url="/openapi.json"></div>
{scripts}
</body>
</html>
"""


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI: try the API in the browser."""
    return HTMLResponse(
        _PAGE.format(
            title="Tværs API — Swagger UI",
            head='<link rel="stylesheet" href="/static/vendor/swagger-ui.css">',
            element="swagger-ui",
            scripts='<script src="/static/vendor/swagger-ui-bundle.js"></script>\n'
            '<script src="/static/js/apidocs.js"></script>',
        )
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    """Redoc: the API reference."""
    return HTMLResponse(
        _PAGE.format(
            title="Tværs API — Redoc",
            head="",
            element="redoc",
            scripts='<script src="/static/vendor/redoc.standalone.js"></script>\n'
            '<script src="/static/js/apidocs.js"></script>',
        )
    )
