"""HTTP errors: one JSON shape, ``{"error": {"status", "code", "message"}}``, and
the status from the exception's type.

The service raises the toolkit's own errors: the library's (an unreadable input, a
registry that cannot be written) and the request errors below, all under
:class:`~provenance.errors.ProvenanceError`. :data:`HTTP_STATUS` is the one table
from type to status and code; the nearest class in an exception's MRO decides, and
anything else is a 500 with the same shape (the app's catch-all handler).
"""

from __future__ import annotations

from starlette.responses import JSONResponse

from provenance.errors import (
    CredentialError,
    InputError,
    KeyMaterialError,
    MissingExtraError,
    ModelError,
    OutputExistsError,
    ProvenanceError,
    RegistryError,
    UnsupportedFormatError,
    UsageError,
    WatermarkError,
)
from provenance.service.responses import ErrorBody
from provenance.verdicts import ExitCode


class RequestError(ProvenanceError):
    """A request the service refuses; the subclass says why (and so the status)."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadRequest(RequestError):
    """A parameter is wrong."""


class BadUrl(BadRequest):
    """A URL to fetch is not http(s), or names a host that is not public."""


class BadValue(BadRequest):
    """A soft-binding value cannot be decoded."""


class UnsupportedAlgorithm(BadRequest):
    """A soft-binding algorithm this service does not resolve."""


class Unauthorised(RequestError):
    """No token, or an unknown or revoked one."""


class Forbidden(RequestError):
    """A token whose scope does not allow this."""


class FetchDisabled(Forbidden):
    """A URL to fetch, without --allow-fetch."""


class NotFound(RequestError):
    """No such record or manifest."""


class NoPolicy(RequestError):
    """/v1/check without a configured publishing policy."""


class TooLarge(RequestError):
    """A body or fetched image over the upload limit."""

    exit_code = ExitCode.UNREADABLE  # as the CLI's "too large"


class UnsupportedMedia(RequestError):
    """A request body that is not multipart/form-data where one is needed."""


class Invalid(RequestError):
    """A request that lacks what it needs (no file, no owner)."""


class TooManyPixels(RequestError):
    """An image whose header declares more pixels than the limit."""

    exit_code = ExitCode.UNREADABLE  # as the CLI's "too large"


class FetchFailed(RequestError):
    """The URL to fetch could not be fetched, or did not answer 200."""


class Busy(RequestError):
    """The queue is full."""


class Timeout(RequestError):
    """The work took longer than the limit."""

    exit_code = ExitCode.UNREADABLE  # as the CLI's file that takes longer than its limit


class SlowUpload(RequestError):
    """A request body that did not arrive within the time allowed (a stalled or trickling client)."""


HTTP_STATUS: dict[type[BaseException], tuple[int, str]] = {
    # the library's errors
    ProvenanceError: (400, "bad-request"),
    UsageError: (400, "bad-request"),
    OutputExistsError: (409, "exists"),
    InputError: (422, "unreadable"),
    UnsupportedFormatError: (415, "unsupported"),
    CredentialError: (422, "cannot-stamp"),
    WatermarkError: (422, "cannot-stamp"),
    KeyMaterialError: (503, "no-signing-identity"),
    RegistryError: (503, "registry"),
    ModelError: (503, "no-model"),
    MissingExtraError: (501, "not-installed"),
    # the service's own
    RequestError: (400, "bad-request"),
    BadRequest: (400, "bad-request"),
    BadUrl: (400, "bad-url"),
    BadValue: (400, "bad-value"),
    UnsupportedAlgorithm: (400, "unsupported-alg"),
    Unauthorised: (401, "unauthorised"),
    Forbidden: (403, "forbidden"),
    FetchDisabled: (403, "fetch-disabled"),
    NotFound: (404, "not-found"),
    NoPolicy: (409, "no-policy"),
    SlowUpload: (408, "upload-timeout"),
    TooLarge: (413, "too-large"),
    UnsupportedMedia: (415, "unsupported"),
    Invalid: (422, "invalid"),
    TooManyPixels: (422, "too-many-pixels"),
    FetchFailed: (502, "fetch-failed"),
    Busy: (503, "busy"),
    Timeout: (504, "timeout"),
}
INTERNAL = (500, "internal")


def status_for(exc: BaseException) -> tuple[int, str]:
    """HTTP status and code of an exception, by its type (nearest class in its MRO)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return INTERNAL


def message_for(exc: BaseException) -> str:
    """The one-line message: ours explain themselves; anything else names only its type."""
    if isinstance(exc, ProvenanceError):
        return exc.diagnostics()
    return f"internal error ({type(exc).__name__}); the server log has the details"


def error_body(status: int, code: str, message: str) -> ErrorBody:
    return {"error": {"status": status, "code": code, "message": message}}


def error_response(exc: BaseException) -> JSONResponse:
    """Any exception as the documented JSON error, with Retry-After when it says so."""
    status, code = status_for(exc)
    retry_after = exc.retry_after if isinstance(exc, RequestError) else None
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse(error_body(status, code, message_for(exc)), status_code=status, headers=headers)
