"""The HTTP service: the CLI's verify, stamp and register over HTTP, the C2PA Soft
Binding Resolution API, and the web page. ``create_app(home, settings)``.

Every answer is the library's own result as JSON (a verify report here equals
``provenance verify --json``); every failure is one JSON error with a status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from provenance import __version__
from provenance.config import Home
from provenance.errors import ProvenanceError
from provenance.service import routes, softbinding
from provenance.service.common import Service
from provenance.service.errors import ServiceError, error_response, from_provenance
from provenance.service.limits import BodyLimit
from provenance.service.settings import ServiceSettings

STATIC = Path(__file__).parent / "static"


def create_app(home: Home, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    app = FastAPI(
        title="provenance",
        version=__version__,
        description="Verify, stamp and register images; C2PA Soft Binding Resolution API.",
    )
    app.state.service = Service(home, settings)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"])
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, retry_after=exc.retry_after)

    @app.exception_handler(ProvenanceError)
    async def provenance_error(_: Request, exc: ProvenanceError) -> JSONResponse:
        mapped = from_provenance(exc)
        return error_response(mapped.status, mapped.code, mapped.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(422, "invalid", f"{where}: {first.get('msg', 'invalid request')}")

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__}

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes.router)
    app.include_router(softbinding.router)
    return app
