"""The API's interactive documentation, complete without the internet.

Border posts and many deployments have no internet, and ``/docs`` is where users paste their
tokens, so the page loads nothing from another host: Swagger UI's script and stylesheet come
from the ``fastapi-offline`` package (a runtime dependency that ships them) and are served here
under ``/docs/assets/``, the start-up script is ours (``/static/swagger-init.js``), and the page's
content policy allows only this origin (Swagger UI sets inline styles, so styles may be inline;
scripts may not). FastAPI's own ``/docs`` and ``/redoc`` (which load from a CDN) are switched
off in :func:`api.app.create_app`; ReDoc is not kept, one reader of the schema is enough.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

router = APIRouter(include_in_schema=False)

ASSETS: dict[str, str] = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
"""The files of ``fastapi_offline/static`` this page uses, and their media types."""

DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
"""Only this origin; inline styles (Swagger UI sets them), never inline or foreign scripts."""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shondhan API</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""


def _asset_dir() -> Path:
    return Path(str(files("fastapi_offline").joinpath("static")))


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> Response:
    """Swagger UI over ``/openapi.json``, every file from this server."""
    return HTMLResponse(
        _PAGE,
        headers={
            "Content-Security-Policy": DOCS_CSP,
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        },
    )


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files (a fixed list; anything else is 404)."""
    media = ASSETS.get(name)
    if media is None:
        return Response("not found", status_code=404, media_type="text/plain")
    response = FileResponse(_asset_dir() / name, media_type=media)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
