"""The C2PA Soft Binding Resolution API over this registry, shaped like its
published OpenAPI document: other Content Credentials tools send a watermark
value, a fingerprint or the image itself and get manifest ids back, then fetch
the manifest store (``application/c2pa``) by id.

Algorithms: our watermarks (``org.provenance.wm-2``, ``-wm-1``, ``-wm-0``:
the value is the record id's bytes in base64, exactly the soft-binding
assertion's value) and our fingerprints (``org.provenance.pdq-256`` and
``org.provenance.phash-64``: the hash bytes in base64, matched within the
calibrated match thresholds). Only records that hold a manifest are returned.
"""

from __future__ import annotations

import base64
import binascii

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from provenance import fingerprint, watermark
from provenance.credentials.claims import SCHEME_FOR_ALG, record_id_from_soft_binding
from provenance.fingerprint import BITS, PDQ, PHASH, THRESHOLDS, Fingerprint
from provenance.registry import Record, Registry
from provenance.service.common import Service, form_parts, json_response, upload_image
from provenance.service.errors import BadValue, NotFound, UnsupportedAlgorithm
from provenance.service.responses import Matches, SoftBindingMatch, SupportedAlgorithms

router = APIRouter(tags=["C2PA Soft Binding Resolution API"])
WATERMARK_ALGS = tuple(SCHEME_FOR_ALG)
FINGERPRINT_ALGS = {"org.provenance.pdq-256": PDQ, "org.provenance.phash-64": PHASH}


class SoftBindingQuery(BaseModel):
    alg: str
    value: str


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    if service.settings.require_token:
        service.authorise(request, "verify")
    return service


def _match(record: Record, score: int) -> SoftBindingMatch:
    return {"manifestId": record.manifest_label or record.record_id, "similarityScore": score}


def _score(algorithm: str, distance: int) -> int:
    return max(0, round(100 * (1 - distance / BITS[algorithm])))


def _by_fingerprint(registry: Registry, print_: Fingerprint) -> list[tuple[Record, int]]:
    limit = THRESHOLDS[print_.algorithm].match
    return [(rec, _score(print_.algorithm, d)) for rec, d in registry.search(print_, limit) if rec.manifest]


def _by_binding(registry: Registry, alg: str, value: str) -> list[tuple[Record, int]]:
    if alg in WATERMARK_ALGS:
        record_id = record_id_from_soft_binding(value)
        if record_id is None:
            raise BadValue(f"value is not a base64 {alg} record id")
        record = registry.get(record_id)
        return [(record, 100)] if record is not None and record.manifest else []
    if alg in FINGERPRINT_ALGS:
        algorithm = FINGERPRINT_ALGS[alg]
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise BadValue("value is not base64") from None
        if len(raw) * 8 != BITS[algorithm]:
            raise BadValue(f"a {alg} value is {BITS[algorithm] // 8} bytes, not {len(raw)}")
        return _by_fingerprint(registry, Fingerprint(algorithm, raw.hex()))
    raise UnsupportedAlgorithm(f"alg {alg!r} is not supported (see /services/supportedAlgorithms)")


def _answer(found: list[tuple[Record, int]], max_results: int) -> Response:
    best: dict[str, SoftBindingMatch] = {}
    for record, score in sorted(found, key=lambda item: -item[1]):
        match = _match(record, score)
        best.setdefault(match["manifestId"], match)
    answer: Matches = {"matches": list(best.values())[: max(1, max_results)]}
    return json_response(answer)


def _lookup(service: Service, alg: str, value: str, max_results: int) -> Response:
    registry = service.registry()
    if registry is None:
        return json_response({"matches": []})
    with registry:
        return _answer(_by_binding(registry, alg, value), max_results)


@router.get("/services/supportedAlgorithms", summary="Soft binding algorithms this service resolves")
async def supported(request: Request) -> Response:
    _service(request)
    algorithms: SupportedAlgorithms = {
        "watermarks": [{"alg": alg} for alg in WATERMARK_ALGS],
        "fingerprints": [{"alg": alg} for alg in FINGERPRINT_ALGS],
    }
    return json_response(algorithms)


@router.get("/matches/byBinding", summary="Manifest ids for a soft binding value")
async def by_binding(request: Request, alg: str, value: str, maxResults: int = 10) -> Response:
    service = _service(request)
    return await service.run(lambda: _lookup(service, alg, value, maxResults))


@router.post("/matches/byBinding", summary="Manifest ids for a (large) soft binding value")
async def by_large_binding(request: Request, query: SoftBindingQuery, maxResults: int = 10) -> Response:
    service = _service(request)
    return await service.run(lambda: _lookup(service, query.alg, query.value, maxResults))


@router.post("/matches/byContent", summary="Manifest ids for an image (its watermark and fingerprints)")
async def by_content(request: Request, alg: str | None = None, maxResults: int = 10) -> Response:
    service = _service(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        parts, _ = await form_parts(request, 2)
        name, data = (parts.get("file") or [("upload", b"")])[0]
    else:
        name, data = "upload", await request.body()
    image = upload_image(name, data)
    if alg is not None and alg not in WATERMARK_ALGS and alg not in FINGERPRINT_ALGS:
        raise UnsupportedAlgorithm(f"alg {alg!r} is not supported (see /services/supportedAlgorithms)")

    def work() -> Response:
        pixels = image.pixels()
        registry = service.registry()
        if registry is None:
            return json_response({"matches": []})
        found: list[tuple[Record, int]] = []
        with registry:
            if alg is None or alg in WATERMARK_ALGS:
                reading = watermark.detect(pixels)
                wanted = SCHEME_FOR_ALG.get(alg) if alg else None
                if reading.record_id and (wanted is None or reading.scheme == wanted):
                    record = registry.get(reading.record_id)
                    if record is not None and record.manifest:
                        found.append((record, 100))
            for print_ in fingerprint.compute(pixels):
                named = next((a for a, algorithm in FINGERPRINT_ALGS.items() if algorithm == print_.algorithm), None)
                if alg is None or alg == named:
                    found += _by_fingerprint(registry, print_)
        return _answer(found, maxResults)

    return await service.run(work)


@router.get("/manifests/{manifestId}", summary="The C2PA manifest store for a manifest id")
async def manifest(request: Request, manifestId: str, returnActiveManifest: bool = False) -> Response:
    service = _service(request)
    del returnActiveManifest  # we keep whole stores; the active manifest is inside
    registry = service.registry()
    record = None
    if registry is not None:
        with registry:
            record = registry.find_by_manifest(manifestId)
    if record is None or not record.manifest:
        raise NotFound(f"no manifest {manifestId}")
    return Response(record.manifest, media_type="application/c2pa")
