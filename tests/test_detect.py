from __future__ import annotations

from provenance import detect
from provenance.registry import Record
from provenance.report import Action, CredentialReport, WatermarkReport

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"


def _cred(state: str, source_type: str) -> CredentialReport:
    return CredentialReport(
        state=state,  # type: ignore[arg-type]
        actions=[Action("c2pa.created", "cam", IPTC + source_type)],
    )


def test_no_signals_is_no_evidence_never_fake() -> None:
    report = detect.verdict([])
    assert report.verdict == "no-evidence"


def test_trained_algorithmic_media_is_ai_generated_and_explained() -> None:
    signals = detect.credential_signals(_cred("valid", "trainedAlgorithmicMedia"), "C2PA manifest")
    assert detect.verdict(signals).verdict == "ai-generated"
    assert "trained AI model" in signals[0].evidence


def test_composite_with_ai_is_ai_edited() -> None:
    signals = detect.credential_signals(_cred("trusted", "compositeWithTrainedAlgorithmicMedia"), "m")
    assert detect.verdict(signals).verdict == "ai-edited"


def test_captured_only_from_a_valid_manifest() -> None:
    valid = detect.credential_signals(_cred("trusted", "digitalCapture"), "m")
    assert detect.verdict(valid).verdict == "captured"
    broken = detect.credential_signals(_cred("invalid", "digitalCapture"), "m")
    assert detect.verdict(broken).verdict == "no-evidence"


def test_invalid_manifest_ai_claim_is_kept_with_a_caveat() -> None:
    signals = detect.credential_signals(_cred("invalid", "trainedAlgorithmicMedia"), "m")
    assert "invalid" in signals[0].evidence


def test_watermark_signal_needs_a_registry_record_of_an_ai_image() -> None:
    mark = WatermarkReport(found=True, scheme="provenance-wm-0", record_id="0000000001")
    twin = Record("0000000001", "twin", "alice", "00", model="tiny")
    original = Record("0000000001", "original", "alice", "00")
    assert detect.watermark_signals(mark, twin)[0].model == "tiny"
    assert detect.watermark_signals(mark, original) == []
    assert detect.watermark_signals(mark, None) == []
