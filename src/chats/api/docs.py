"""The API's OpenAPI document and its browsable page, for signed-in staff only (issue 12).

The page serves Swagger UI's files itself (the `swagger-ui-bundle-v2` package ships
them): it works offline and loads nothing from another host, under a CSP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response

from chats.api.deps import CurrentStaff
from chats.api.headers import page_policy
from chats.errors import ChatsError

router = APIRouter(include_in_schema=False)
OPENAPI_URL: Final = "/api/openapi.json"
DOCS_URL: Final = "/api/docs"
_ASSETS: Final = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript",
                  "favicon-32x32.png": "image/png"}
_INIT_JS: Final = """\
// Starts Swagger UI on the page; a file of its own because the page allows no inline script.
window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'OPENAPI_URL',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
""".replace("OPENAPI_URL", OPENAPI_URL)
_PAGE: Final = f"""\
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="robots" content="noindex">
<title>CHATS API</title>
<link rel="stylesheet" href="{DOCS_URL}/swagger-ui.css">
<link rel="icon" type="image/png" href="{DOCS_URL}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{DOCS_URL}/swagger-ui-bundle.js"></script>
<script src="{DOCS_URL}/init.js"></script>
</body>
</html>
"""


def _swagger_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    return Path(str(swagger_ui_path))


@router.get(OPENAPI_URL)
async def openapi(_auth: CurrentStaff, request: Request) -> JSONResponse:
    """The OpenAPI document of every HTTP call."""
    return JSONResponse(request.app.openapi())


@router.get(DOCS_URL)
async def docs_page(_auth: CurrentStaff, request: Request) -> HTMLResponse:
    """Swagger UI over the OpenAPI document."""
    # As strict as the console's: Swagger UI sets its styles through the CSSOM.
    policy = page_policy(request.app.state.settings.public_origin(), "'self'")
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": policy,
                                        "Cache-Control": "no-cache"})


@router.get(f"{DOCS_URL}/init.js")
async def docs_init(_auth: CurrentStaff) -> Response:
    """The script that starts Swagger UI."""
    return Response(_INIT_JS, media_type="text/javascript")


@router.get(DOCS_URL + "/{name}")
async def docs_asset(name: str, _auth: CurrentStaff) -> FileResponse:
    """One of Swagger UI's own files."""
    if name not in _ASSETS:
        raise ChatsError("not_found")
    return FileResponse(_swagger_dir() / name, media_type=_ASSETS[name],
                        headers={"Cache-Control": "private, max-age=86400"})
