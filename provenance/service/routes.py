"""``/v1``: verify (one or a batch, upload or URL), stamp, register, records."""

from __future__ import annotations

import dataclasses
import io
import re
import warnings
from functools import partial
from pathlib import Path
from typing import cast
from urllib.parse import quote, urlparse

from fastapi import APIRouter, Request
from fastapi.responses import Response
from PIL import Image

from provenance import verdicts
from provenance.credentials._c2pa import thumbnail_uris
from provenance.credentials.keys import resolve_identity
from provenance.errors import InputError, ProvenanceError
from provenance.imaging import FORMAT_FOR_SUFFIX, MIME_FOR_FORMAT, LoadedImage
from provenance.policy import CheckResultJSON, check_report
from provenance.register import register_paths
from provenance.service.common import (
    STAMP_BYTES_PER_PIXEL,
    VERIFY_BYTES_PER_PIXEL,
    Service,
    form_parts,
    json_response,
    memory_cost,
    only_query,
    safe_name,
    temp_folder,
    upload_image,
)
from provenance.service.errors import (
    BadRequest,
    FetchDisabled,
    Invalid,
    NoPolicy,
    NotFound,
    TooManyPixels,
    message_for,
    status_for,
)
from provenance.service.responses import (
    BatchAnswer,
    BatchFailure,
    RecordAnswer,
    RegisterAnswer,
    RegisterItem,
    VerifyAnswer,
)
from provenance.twin import stamp_file
from provenance.verify import VerifyOptions, verify_loaded

router = APIRouter(prefix="/v1", tags=["v1"])
_PIXEL_MODES = {"auto": "auto", "metadata-only": "never", "deep": "always"}


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def _check_pixels(image: LoadedImage, service: Service) -> int:
    """Refuse decompression bombs from their header, before anything decodes them (422);
    the pixel count the header declares (0 when it cannot be read: verify reports that)."""
    limit = service.settings.max_pixels
    pixels = _declared_pixels(image.data)
    if pixels > limit:
        raise TooManyPixels(f"{image.path.name}: over the {limit}-pixel limit")
    return pixels


def _declared_pixels(data: bytes) -> int:
    """Width x height from the header alone (nothing decoded); 0 when unreadable."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
    except Image.DecompressionBombError:
        return 2 * Image.MAX_IMAGE_PIXELS + 1 if Image.MAX_IMAGE_PIXELS else 1 << 40  # Pillow's own bomb limit
    except Exception:  # noqa: BLE001 - unreadable files are verify's to report
        return 0
    return int(width * height)


def _admit(image: LoadedImage, service: Service, per_pixel: int = VERIFY_BYTES_PER_PIXEL) -> int:
    """The pixel check, then the work's estimated memory (bytes) for the gate's budget."""
    return memory_cost(_check_pixels(image, service), len(image.data), per_pixel)


def _verify(service: Service, image: LoadedImage, pixels: str, thumbnails: bool, states: bool) -> VerifyAnswer:
    options = VerifyOptions(policy=service.policy, pixels=_PIXEL_MODES[pixels], look_beside=False)
    report = verdicts.with_shown(verify_loaded(image, home=service.home, options=options).to_dict())
    payload = cast("VerifyAnswer", report)  # the report, plus what the query asks for below
    ownership = payload.get("ownership")
    if ownership and ownership.get("registry"):  # where the server keeps it is not a caller's business
        ownership["registry"] = Path(str(ownership["registry"])).name
    if payload.get("error"):
        raise InputError(str(payload["error"]))
    if thumbnails:
        payload["thumbnails"] = thumbnail_uris(image.mime, image.data, _recovered_store(service, payload))
    if states:
        payload["states"] = verdicts.states(payload)
        payload["placement"] = verdicts.placement_state(payload)
    return payload


def _recovered_store(service: Service, report: VerifyAnswer) -> bytes | None:
    """The manifest store recovered from the registry for a stripped copy (its thumbnails are
    the page's ingredients' pictures), found by its manifest label; None for any other file."""
    recovered = (report.get("credentials") or {}).get("recovered_manifest") or {}
    label = recovered.get("manifest_label")
    registry = service.registry() if label else None
    if registry is None or not label:
        return None
    with registry:
        record = registry.find_by_manifest(str(label))
    return record.manifest if record is not None else None


@router.get("/vocabulary", summary="The verdict vocabulary: each state's label, meaning, tone and colour; exit codes")
async def vocabulary() -> Response:
    return json_response(verdicts.vocabulary())


async def _fetch(service: Service, url: str) -> tuple[str, bytes]:
    """Fetch an image URL for /v1/verify (only with --allow-fetch; public http(s) hosts only)."""
    from provenance.service.fetch import fetch_public

    data = await fetch_public(url, limit=service.settings.max_upload_bytes, timeout_s=service.settings.fetch_timeout_s)
    return safe_name(urlparse(url).path.rsplit("/", 1)[-1], "fetched"), data


@router.post("/verify", summary="Verify one image (multipart 'file', or JSON {'url': ...} with --allow-fetch)")
async def verify(request: Request, pixels: str = "auto", thumbnails: bool = False, states: bool = False) -> Response:
    service = _service(request)
    if service.settings.require_token:
        service.authorise(request, "verify")
    only_query(request, ("pixels", "thumbnails", "states"))
    if pixels not in _PIXEL_MODES:
        raise BadRequest(f"pixels must be one of {', '.join(_PIXEL_MODES)}")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:  # a body cut short or not JSON: the client's to fix, not "fetching is off"
            raise BadRequest('the body is not JSON: send {"url": "https://..."}') from None
        if not service.settings.allow_fetch:
            raise FetchDisabled("fetching URLs is off (start the service with --allow-fetch)")
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str):
            raise Invalid('JSON body must be {"url": "https://..."}')
        name, data = await _fetch(service, url)
    else:
        files, _ = await form_parts(request, 2)
        if not files.get("file"):
            raise Invalid("no file: send the image in the multipart field 'file'")
        name, data = files["file"][0]
    image = upload_image(name, data)
    cost = _admit(image, service)
    return json_response(await service.run(lambda: _verify(service, image, pixels, thumbnails, states), cost))


@router.post("/verify/batch", summary="Verify several images (multipart field 'files', repeated)")
async def verify_batch(request: Request, pixels: str = "auto") -> Response:
    service = _service(request)
    if service.settings.require_token:
        service.authorise(request, "verify")
    only_query(request, ("pixels",))
    if pixels not in _PIXEL_MODES:
        raise BadRequest(f"pixels must be one of {', '.join(_PIXEL_MODES)}")
    parts, _ = await form_parts(request, service.settings.max_batch, ("files", "file"), repeated=("files", "file"))
    files = parts.get("files", []) + parts.get("file", [])
    if not files:
        raise Invalid("no files: send images in the repeated multipart field 'files'")
    results: BatchAnswer = {"results": []}
    for name, data in files:
        try:
            image = upload_image(name, data)
            cost = _admit(image, service)
            results["results"].append(await service.run(partial(_verify, service, image, pixels, False, False), cost))
        except ProvenanceError as exc:
            status, code = status_for(exc)
            failure: BatchFailure = {
                "file": name,
                "error": message_for(exc),
                "status": status,
                "code": code,
                "exit_code": int(exc.exit_code),
            }
            results["results"].append(failure)
    return json_response(results)


# the stamp's options as the form names them: the library's errors name the CLI's flags, which an
# HTTP client cannot send (a walkthrough's CMS read "no --source-type says what it is"); a flag
# with its value is the field with that value, a switch is the field set to true
_FIELDS = {
    "--source-type": "source_type",
    "--allow-contradiction": "allow_contradiction",
    "--no-ai-training": "no_ai_training",
    "--edit": "edits",
}
_SWITCHES = ("--allow-contradiction", "--no-ai-training")
_SOURCE_TYPES = ("ai", "captured", "edited", "composite", "digital-art")
_IN_WORDS = (
    # "pass --allow-contradiction" -> "send allow_contradiction=true"
    (
        re.compile(r"\b([Pp])ass (" + "|".join(map(re.escape, _SWITCHES)) + r")\b"),
        lambda m: f"{'S' if m.group(1) == 'P' else 's'}end {_FIELDS[m.group(2)]}=true",
    ),
    # "--source-type captured" -> "source_type=captured"
    (re.compile(r"--source-type (" + "|".join(_SOURCE_TYPES) + r")\b"), lambda m: f"source_type={m.group(1)}"),
    (re.compile(r"\b([Pp])ass (source_type=)"), lambda m: f"{'S' if m.group(1) == 'P' else 's'}end {m.group(2)}"),
    # "no --source-type says" -> "no field source_type says"; any other flag -> "the field ..."
    (re.compile(r"\bno (--[a-z-]+)\b"), lambda m: f"no field {_FIELDS.get(m.group(1), m.group(1))}"),
    (
        re.compile("|".join(re.escape(flag) + r"\b" for flag in sorted(_FIELDS, key=len, reverse=True))),
        lambda m: f"the field {_FIELDS[m.group(0)]}",
    ),
)


def _fields_said(text: str) -> str:
    """``text`` with the CLI's flags said as the stamp form's fields."""
    for pattern, words in _IN_WORDS:
        text = pattern.sub(words, text)
    return text


def _in_fields(err: ProvenanceError, folder: Path) -> ProvenanceError:
    """``err`` with the stamp's flags named as the form's fields, and the upload by the name it
    was sent by, not the server's path for it (a walkthrough read /tmp/provenance-service-...)."""
    err.message = _fields_said(_unfoldered(err.message, folder))
    err.hint = _fields_said(_unfoldered(err.hint, folder)) if err.hint else None
    err.args = (err.message,)
    return err


def _unfoldered(text: str, folder: Path) -> str:
    """``text`` without the work folder's path before the names of the files in it."""
    return re.sub(re.escape(str(folder)) + r"/(?:[^/\s]+/)?", "", text)


_YES, _NO = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _yes(value: str | None, field: str = "") -> bool:
    """A yes/no form field; anything else is refused, naming it (``no_ai_training=maybe`` turned the
    opt-out off without a word)."""
    said = (value or "").strip().lower()
    if said not in _YES + _NO:
        raise BadRequest(f"the field {field} must be true or false, not {value!r}")
    return said in _YES


def _attachment(filename: str) -> str:
    """A Content-Disposition for ``filename``: plain ASCII, and the name itself as RFC 6266 gives it."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


# the stamp's form: the upload, then its fields (anything else is refused, 400 naming it)
STAMP_FIELDS = (
    "file",
    "user",
    "model",
    "format",
    "source",
    "source_type",
    "edits",
    "caption",
    "credit",
    "owner",
    "no_ai_training",
    "allow_contradiction",
)


@router.post(
    "/stamp",
    summary="Stamp an image (token: stamp). Fields: file, user; optional model, format, source, source_type "
    "(ai, captured, edited, composite), edits (comma-separated), caption, credit, owner, no_ai_training,"
    " allow_contradiction (sign what the file or its record contradicts, as the CLI's --allow-contradiction)",
)
async def stamp(request: Request) -> Response:
    service = _service(request)
    service.authorise(request, "stamp")
    parts, fields = await form_parts(request, 2, STAMP_FIELDS)
    files, sources = parts.get("file", []), parts.get("source", [])
    for upload in ("file", "source"):
        if upload in fields:  # a text where a file belongs was dropped without a word
            raise BadRequest(f"the field {upload!r} must be a file upload, not text")
        if len(parts.get(upload, [])) > 1:
            raise BadRequest(f"send one {upload!r}: {len(parts[upload])} were sent")
    if not files:
        raise Invalid("no file: send the image in the multipart field 'file'")
    no_ai_training = _yes(fields.get("no_ai_training"), "no_ai_training")
    allow_contradiction = _yes(fields.get("allow_contradiction"), "allow_contradiction")
    user = fields.get("user", "").strip()
    if not user:
        raise Invalid("user: the author to record is required")
    name, data = files[0]
    image = upload_image(name, data)
    fmt = fields.get("format", "").lower().lstrip(".") or {"image/jpeg": "jpg", "image/webp": "webp"}.get(
        image.mime, "png"
    )
    if f".{fmt}" not in FORMAT_FOR_SUFFIX:
        raise Invalid("format must be png, jpg or webp")

    def work() -> tuple[bytes, str, str | None, str]:
        with temp_folder() as tmp:
            folder = Path(tmp)
            # each file in its own folder under the name it was sent by: an error names the upload
            src, out = folder / "in" / name, folder / "out" / f"{Path(name).stem}-stamped.{fmt}"
            src.parent.mkdir()
            out.parent.mkdir()
            src.write_bytes(data)
            source_path = None
            if sources:
                source_path = folder / "source" / sources[0][0]
                source_path.parent.mkdir()
                source_path.write_bytes(sources[0][1])
            identity = resolve_identity(service.home, None, None)
            source_type = fields.get("source_type") or None  # none: AI, unless its EXIF names a camera
            try:
                result = stamp_file(
                    src,
                    out,
                    user=user,
                    model=fields.get("model") or None,  # none given: none invented
                    identity=identity,
                    home=service.home,
                    source=source_path,
                    source_type=source_type,
                    edits=tuple(e.strip() for e in fields.get("edits", "").split(",") if e.strip()),
                    caption=fields.get("caption"),
                    credit=fields.get("credit"),
                    owner=fields.get("owner"),
                    ai_training=False if no_ai_training else None,
                    allow_contradiction=allow_contradiction,
                )
            except ProvenanceError as err:
                raise _in_fields(err, folder) from None
            return out.read_bytes(), result.record_id, result.source_record_id, out.name

    cost = _admit(image, service, STAMP_BYTES_PER_PIXEL)
    stamped, record_id, source_id, filename = await service.run(work, cost)
    headers = {"X-Provenance-Record-Id": record_id, "Content-Disposition": _attachment(filename)}
    if source_id:
        headers["X-Provenance-Source-Record-Id"] = source_id
    return Response(stamped, media_type=MIME_FOR_FORMAT[FORMAT_FOR_SUFFIX[f".{fmt}"]], headers=headers)


@router.post("/register", summary="Register originals (multipart 'files', form 'owner'; token: register)")
async def register(request: Request) -> Response:
    service = _service(request)
    service.authorise(request, "register")
    accepts = ("files", "file", "owner", "title", "source_url", "allow_contradiction")
    parts, fields = await form_parts(request, service.settings.max_batch, accepts, repeated=("files", "file"))
    files = parts.get("files", []) + parts.get("file", [])
    owner = fields.get("owner", "").strip()
    if not files or not owner:
        raise Invalid("send images in the multipart field 'files' and an 'owner'")
    allow = _yes(fields.get("allow_contradiction"), "allow_contradiction")

    def work() -> list[RegisterItem]:
        with temp_folder() as tmp:
            paths = []
            for index, (name, data) in enumerate(files):
                path = Path(tmp) / f"{index:03d}" / name
                path.parent.mkdir()
                path.write_bytes(data)
                paths.append(path)
            results = register_paths(
                paths,
                owner=owner,
                home=service.home,
                title=fields.get("title"),
                source_url=fields.get("source_url"),
                allow_contradiction=allow,
            )
        out = []
        for result, (name, _) in zip(results, files, strict=True):
            item = cast("RegisterItem", dataclasses.asdict(result))  # RegisterResult's fields
            item["path"] = name
            # the upload by the name it was sent by, not the server's path for it; flags as the form's fields
            if item["error"]:
                item["error"] = _fields_said(_unfoldered(item["error"], Path(tmp)))
            if item["warning"]:
                item["warning"] = _fields_said(_unfoldered(item["warning"], Path(tmp)))
            out.append(item)
        return out

    # one file at a time: the largest one's cost (pictures whose header cannot be read: by size)
    cost = max(memory_cost(_declared_pixels(data), len(data), STAMP_BYTES_PER_PIXEL) for _, data in files)
    answer: RegisterAnswer = {"results": await service.run(work, cost)}
    return json_response(answer)


@router.post("/check", summary="Check an image against the publishing policy (serve --policy FILE)")
async def check(request: Request) -> Response:
    service = _service(request)
    if service.settings.require_token:
        service.authorise(request, "verify")
    policy = service.publishing
    if policy is None:
        raise NoPolicy("no publishing policy is configured (start with --policy FILE)")
    only_query(request)
    parts, fields = await form_parts(request, 2, ("file", "caption"))
    if not parts.get("file"):
        raise Invalid("no file: send the image in the multipart field 'file'")
    name, data = parts["file"][0]
    image = upload_image(name, data)
    caption = fields.get("caption")
    cost = _admit(image, service)

    def work() -> CheckResultJSON:
        options = VerifyOptions(policy=service.policy, look_beside=False)
        report = verify_loaded(image, home=service.home, options=options).to_dict()
        return check_report(policy, report, caption).to_dict()

    return json_response(await service.run(work, cost))


@router.get("/records/{record_id}", summary="One registry record (without its manifest bytes)")
async def record(request: Request, record_id: str) -> Response:
    service = _service(request)
    if not re.fullmatch(r"[0-9a-fA-F]{1,64}", record_id):  # a bad parameter (400), not an absent record
        raise BadRequest(
            f"{record_id!r} is not a record id: record ids are hexadecimal digits, such as 9c1e0f6b5a2d4e77"
        )
    registry = service.registry()
    found = None
    if registry is not None:
        with registry:
            found = registry.get(record_id)
    if found is None:
        raise NotFound(f"no record {record_id}")
    data = cast("RecordAnswer", found.public_fields())
    data["links"] = {"manifest": f"/manifests/{data['manifest_id']}"} if found.manifest else {}
    return json_response(data)
