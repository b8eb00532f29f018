"""HTTP errors as one JSON shape: ``{"error": {"status", "code", "message"}}``."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from provenance.errors import (
    CredentialError,
    InputError,
    KeyMaterialError,
    ProvenanceError,
    RegistryError,
    UsageError,
    WatermarkError,
)


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def error_response(status: int, code: str, message: str, *, retry_after: int | None = None) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    body: dict[str, Any] = {"error": {"status": status, "code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def from_provenance(exc: ProvenanceError) -> ServiceError:
    """Our error root, mapped to an HTTP status with the same one-line message."""
    message = exc.diagnostics()
    if isinstance(exc, InputError):
        unsupported = "not a supported image" in message or "unrecognised" in message
        return ServiceError(415 if unsupported else 422, "unsupported" if unsupported else "unreadable", message)
    if isinstance(exc, KeyMaterialError):
        return ServiceError(503, "no-signing-identity", message)
    if isinstance(exc, RegistryError):
        return ServiceError(503, "registry", message)
    if isinstance(exc, (CredentialError, WatermarkError)):
        return ServiceError(422, "cannot-stamp", message)
    if isinstance(exc, UsageError):
        return ServiceError(400, "bad-request", message)
    return ServiceError(400, "bad-request", message)
