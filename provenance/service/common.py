"""What the routes share: the service state, upload handling, JSON answers."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from provenance.config import Home
from provenance.credentials import home_organisation
from provenance.credentials.trust import TrustPolicy, build_policy
from provenance.errors import InputError, UnsupportedFormatError
from provenance.imaging import LoadedImage, sniff_mime
from provenance.policy import Policy, load_policy
from provenance.registry import Registry, read_home_registry
from provenance.runtime import keep_freed_memory, single_threaded
from provenance.service.errors import BadRequest, Forbidden, Unauthorised, UnsupportedMedia
from provenance.service.gate import Gate
from provenance.service.settings import ServiceSettings
from provenance.service.tokens import check_token

T = TypeVar("T")

# Estimated memory of one check per declared pixel, and a floor per piece of work, for the
# gate's memory budget. Measured (benchmarks/hostile.py, benchmarks/results/hostile.md): a
# 7000 x 7000 verify peaks about 9 B/pixel over the service's own memory; stamping marks and
# re-reads the picture in float32 several times over.
VERIFY_BYTES_PER_PIXEL = 10
STAMP_BYTES_PER_PIXEL = 40
_BASE_COST = 8 * 1024 * 1024


def memory_cost(pixels: int, size: int, per_pixel: int) -> int:
    """Estimated bytes one piece of work holds: its pixels' share, twice the file, a floor."""
    return _BASE_COST + pixels * per_pixel + 2 * size


def _own(home: Home) -> tuple[str, ...]:
    """This home's organisation, as a policy's default ``our_owners``."""
    organisation = home_organisation(home)
    return (organisation,) if organisation else ()


class Service:
    """What the routes share: home, settings, trust policy, the work gate."""

    def __init__(self, home: Home, settings: ServiceSettings) -> None:
        self.home = home
        self.settings = settings
        self.policy: TrustPolicy = build_policy(home)
        self.publishing: Policy | None = (
            load_policy(Path(settings.policy), default_owners=_own(home)) if settings.policy else None
        )
        single_threaded()  # many requests at once: one BLAS thread each (provenance/runtime.py)
        keep_freed_memory()
        self.gate = Gate(settings.max_concurrent, settings.max_queue, settings.timeout_s, settings.memory_budget)

    def registry(self) -> Registry | None:
        return read_home_registry(self.home)

    def authorise(self, request: Request, scope: str) -> None:
        """401 without a valid token, 403 with a token of another scope."""
        header = request.headers.get("authorization", "")
        presented = header[7:].strip() if header.lower().startswith("bearer ") else None
        registry = self.registry()
        if registry is None:
            outcome = "missing" if presented is None else "invalid"
        else:
            with registry:
                outcome = check_token(registry, presented, scope)
        if outcome in ("missing", "invalid"):
            word = "needs a token" if outcome == "missing" else "has an unknown or revoked token"
            raise Unauthorised(f"this request {word} (Authorization: Bearer pvt_...)")
        if outcome == "forbidden":
            raise Forbidden(f"this token's scope does not allow {scope}")

    async def run(self, func: Callable[[], T], cost: int = 0) -> T:
        """Run blocking work through the gate (``cost``: its estimated memory in bytes); its
        errors reach the app's handlers as they are."""
        return await self.gate.run(func, cost)


def upload_image(name: str, data: bytes) -> LoadedImage:
    """An uploaded file as an image: 422 when it is empty (as the CLI's "empty file", exit 4),
    415 when it is not one we read."""
    if not data:
        raise InputError(f"{name}: empty file")
    mime = sniff_mime(data[:32])
    if mime is None:
        raise UnsupportedFormatError(f"{name}: not a supported image (unrecognised file format)")
    return LoadedImage(path=Path(name), data=data, mime=mime)


def safe_name(name: str | None, fallback: str = "upload") -> str:
    """A plain file name from a client's (no folders, no control characters)."""
    base = Path(name or "").name.replace("\x00", "")
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    return cleaned[:200] if cleaned not in ("", ".", "..") else fallback


Files = dict[str, list[tuple[str, bytes]]]


async def form_parts(
    request: Request, limit: int, accepts: Sequence[str] = ("file",), repeated: Sequence[str] = ()
) -> tuple[Files, dict[str, str]]:
    """Uploaded files by form field, and the plain form fields; a field not in ``accepts`` (its
    first name is the upload's) is refused, 400 naming it: a misspelt ``sourcetype=captured`` was
    dropped without a word and a camera photo signed as AI, which cannot be unsigned (a
    walkthrough). A file field given twice is refused too unless it is in ``repeated`` (a batch's):
    ``/v1/verify`` answered 200 for the first of two files and dropped the second (a walkthrough's
    CMS believed both checked). More files than ``limit`` are refused in this module's words."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMedia(f"send images as multipart/form-data (field '{accepts[0]}')")
    files: Files = {}
    fields: dict[str, str] = {}
    try:
        async with request.form(max_files=limit, max_fields=32) as form:  # closes the spooled uploads
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files.setdefault(key, []).append((safe_name(value.filename), await value.read()))
                elif key in fields:  # which one was meant cannot be told: the last one won without a word
                    raise BadRequest(f"the form field {key!r} is given twice: send it once")
                else:
                    fields[key] = str(value)
    except StarletteHTTPException as exc:  # the form parser's own limits, said as this service says them
        said = str(exc.detail).rstrip(".")
        if "files" in said.lower():
            one = "this endpoint takes one file (several: POST /v1/verify/batch)"
            said = f"too many files: this endpoint takes at most {limit}" if repeated else one
        raise BadRequest(said[:1].lower() + said[1:]) from None
    unknown = sorted({*files, *fields} - set(accepts))
    if unknown:
        raise BadRequest(f"unknown form field{'s' if len(unknown) > 1 else ''} {_names(unknown)}: {_takes(accepts)}")
    if twice := sorted(key for key, sent in files.items() if len(sent) > 1 and key not in repeated):
        raise BadRequest(
            f"the form field {twice[0]!r} is given {len(files[twice[0]])} times: this endpoint takes one file"
            " (several: POST /v1/verify/batch)"
        )
    return files, fields


def only_query(request: Request, accepts: Sequence[str] = ()) -> None:
    """Refuse a query parameter the endpoint does not take (400 naming it): ``?pixel=deep`` for
    ``?pixels=deep`` was ignored without a word."""
    unknown = sorted(set(request.query_params) - set(accepts))
    if unknown:
        said = f"this endpoint takes {_names(accepts)}" if accepts else "this endpoint takes no query parameters"
        raise BadRequest(f"unknown query parameter{'s' if len(unknown) > 1 else ''} {_names(unknown)}: {said}")


def _names(names: Iterable[str]) -> str:
    return ", ".join(repr(n) for n in names)


def _takes(accepts: Sequence[str]) -> str:
    return f"this endpoint takes {_names(accepts)}"


def json_response(payload: object) -> Response:
    return Response(json.dumps(payload, indent=2), media_type="application/json")


def temp_folder() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="provenance-service-")
