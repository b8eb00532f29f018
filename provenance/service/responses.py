"""The service's answers as JSON types: what each route returns, field by field.

A verify answer is the library's own report (``VerifyReport.to_dict()``, typed as
:class:`~provenance.report.VerifyReportJSON`) plus what the query asked for; the
others mirror their dataclasses (``RegisterResult``, ``Record``, ``CheckResult``),
as tests/test_report_types.py checks.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from provenance.report import ShownReportJSON


class VerifyAnswer(ShownReportJSON, total=False):
    """/v1/verify: the report, with ``?thumbnails=true`` the manifest store's thumbnails
    as data URIs, with ``?states=true`` each axis's state and, for an image found to be a
    registered picture, what it is relative to it (``verdicts.placement_state``: whole, crop or
    altered; with altered, the page shows the words of ``verdicts.shown_word``)."""

    thumbnails: dict[str, str]
    states: dict[str, str]
    placement: str | None


class BatchFailure(TypedDict):
    """A file of /v1/verify/batch the service refused or could not verify: the error's message,
    HTTP status and code as /v1/verify would answer them, and the exit code ``provenance verify``
    gives the same file (so a client reads every item's ``exit_code``)."""

    file: str
    error: str
    status: int
    code: str
    exit_code: int


class BatchAnswer(TypedDict):
    results: list[VerifyAnswer | BatchFailure]


class RegisterItem(TypedDict):
    """One file of /v1/register (``RegisterResult``; ``path`` is the uploaded name)."""

    path: str
    status: Literal["registered", "already-registered", "refused", "error"]
    record_id: str | None
    owner: str | None
    low_quality: bool
    error: str | None
    warning: str | None


class RegisterAnswer(TypedDict):
    results: list[RegisterItem]


class FingerprintJSON(TypedDict):
    algorithm: str
    value: str
    quality: int | None


class RecordAnswer(TypedDict):
    """/v1/records/{id}: a registry ``Record`` without its manifest and picture bytes."""

    record_id: str
    kind: str
    owner: str
    sha256: str
    fingerprints: list[FingerprintJSON]
    title: str | None
    model: str | None
    source_record_id: str | None
    source_url: str | None
    created_at: str
    generation: dict[str, Any] | None  # a twin's generation record, as its manifest holds it (free-form JSON)
    manifest_label: str | None
    input_sha256: str | None
    manifest_id: str | None
    detail_reference: Literal["claim-thumbnail", "reference", "none"]  # what copies are compared with at full detail
    keypoints_kept: int | None  # keypoints kept to find crops of it by (None: registered before they were kept)
    links: dict[str, str]


class ErrorDetail(TypedDict):
    status: int
    code: str
    message: str


class ErrorBody(TypedDict):
    """Every failure: ``{"error": {"status", "code", "message"}}``."""

    error: ErrorDetail


class SoftBindingMatch(TypedDict):
    """One match of the C2PA Soft Binding Resolution API (its OpenAPI names)."""

    manifestId: str
    similarityScore: int


class Matches(TypedDict):
    matches: list[SoftBindingMatch]


class Algorithm(TypedDict):
    alg: str


class SupportedAlgorithms(TypedDict):
    watermarks: list[Algorithm]
    fingerprints: list[Algorithm]
