"""The HTTP service: the CLI's verify, stamp and register over HTTP, the C2PA Soft
Binding Resolution API, and the web page. ``create_app(home, settings)``.

Every answer is the library's own result as JSON (a verify report here equals
``provenance verify --json``); every failure, an unexpected one included, is one
JSON error whose status comes from the exception's type (:mod:`.errors`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from provenance.config import Home
from provenance.errors import ProvenanceError
from provenance.service import routes, softbinding
from provenance.service.common import Service
from provenance.service.errors import error_body, error_response
from provenance.service.limits import BodyLimit
from provenance.service.settings import ServiceSettings
from provenance.version import __version__

STATIC = Path(__file__).parent / "static"
_HTTP_CODES = {404: "not-found", 405: "method-not-allowed"}
_log = logging.getLogger("provenance.service")


def create_app(home: Home, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    # FastAPI's /docs page loads Swagger UI from a CDN: blank on an offline newsroom server, and a
    # third party's script on theirs (a walkthrough); fastapi-offline serves the same from the package
    app: FastAPI = FastAPIOffline(
        title="provenance",
        version=__version__,
        description="Verify, stamp and register images; C2PA Soft Binding Resolution API.",
    )
    app.state.service = Service(home, settings)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"])
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes, upload_s=settings.timeout_s)

    @app.exception_handler(ProvenanceError)
    async def provenance_error(_: Request, exc: ProvenanceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return JSONResponse(error_body(422, "invalid", f"{where}: {first.get('msg', 'invalid request')}"), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http-error")
        said = str(exc.detail)
        if exc.status_code in (404, 405) and said in ("Not Found", "Method Not Allowed"):  # name what was asked
            said = f"{'no such path' if exc.status_code == 404 else 'not allowed'}: {request.method} {request.url.path}"
        return JSONResponse(error_body(exc.status_code, code, said), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        _log.error("unexpected error", exc_info=exc)
        return error_response(exc)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, str]:  # FastAPI models the annotation: a plain dict, not a TypedDict
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes.router)
    app.include_router(softbinding.router)
    return app
