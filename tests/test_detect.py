from __future__ import annotations

import pytest

from provenance import detect
from provenance.detect.metadata import Metadata
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


def test_captured_needs_a_trusted_signer_an_untrusted_claim_is_reported_not_believed() -> None:
    # issue 19 case 13: any self-made key could sign "captured"
    untrusted = detect.credential_signals(_cred("valid", "digitalCapture"), "C2PA manifest")
    report = detect.verdict(untrusted)
    assert report.verdict == "no-evidence"
    assert [s.strength for s in untrusted] == ["info"]
    assert "claims the image was captured" in untrusted[0].evidence
    assert "signer is not trusted" in untrusted[0].evidence
    trusted_signer = _cred("valid", "digitalCapture")
    trusted_signer.trust = "trusted"
    assert detect.verdict(detect.credential_signals(trusted_signer, "m")).verdict == "captured"


def test_an_ai_claim_of_a_manifest_that_does_not_match_the_file_is_reported_not_counted() -> None:
    """The manifest may have been moved from another picture: its claim is shown, not believed."""
    for state, why in (("invalid", "moved from another picture"), ("truncated", "the file is incomplete (cut short")):
        signals = detect.credential_signals(_cred(state, "trainedAlgorithmicMedia"), "m")
        assert [s.strength for s in signals] == ["info"]
        assert why in signals[0].evidence
        assert detect.verdict(signals).verdict == "no-evidence"
    cut = detect.credential_signals(_cred("truncated", "trainedAlgorithmicMedia"), "m")[0].evidence
    assert "moved from another picture" not in cut  # a damaged download is not a suspected forgery
    intact = detect.credential_signals(_cred("valid", "trainedAlgorithmicMedia"), "m")
    assert detect.verdict(intact).verdict == "ai-generated"


def test_watermark_signal_needs_a_registry_record_of_an_ai_image() -> None:
    mark = WatermarkReport(found=True, scheme="provenance-wm-0", record_id="0000000001")
    twin = Record("0000000001", "twin", "alice", "00", model="tiny")
    original = Record("0000000001", "original", "alice", "00")
    assert detect.watermark_signals(mark, twin)[0].model == "tiny"
    assert detect.watermark_signals(mark, original) == []
    assert detect.watermark_signals(mark, None) == []


def test_registry_sentences_name_the_model_or_say_none_was_stated_without_a_dangling_made() -> None:
    """The look-alike sentence read "(record X, made, model not stated)": a bare "made" followed by
    the clause meant for "stamped as AI-generated"."""
    unstated = Record("00000000000000aa", "stamped", "alice", "00")
    named = Record("00000000000000bb", "twin", "alice", "00", model="tiny")
    made_from = [s.evidence for s in detect.look_alike_signals([(unstated, True), (named, True)])]
    assert made_from[0].startswith(
        "An AI image made from this picture is registered (record 00000000000000aa, model not stated);"
    )
    assert made_from[1].startswith("A twin of this picture is registered (record 00000000000000bb, made with tiny);")
    similar = detect.look_alike_signals([(unstated, False)])[0].evidence
    assert "00000000000000aa, declares it AI-generated, model not stated;" in similar
    by_hash = [s.evidence for s in detect.registry_signals([unstated, named])]
    assert by_hash == [
        "The picture matches registry record 00000000000000aa by perceptual hash: an AI image (model not stated).",
        "The picture matches registry record 00000000000000bb by perceptual hash: an AI image (made with tiny).",
    ]
    assert not any("made," in text for text in [*made_from, similar, *by_hash])


# Issue 19, case 7: only a *trained* model is AI. Each IPTC term -> the verdict a signed
# manifest saying it supports (and an unsigned XMP one, which can never say captured).
IPTC_MEANING = [
    ("trainedAlgorithmicMedia", "ai-generated", "ai-generated"),
    ("compositeWithTrainedAlgorithmicMedia", "ai-edited", "ai-edited"),
    ("algorithmicMedia", "no-evidence", "no-evidence"),
    ("compositeSynthetic", "no-evidence", "no-evidence"),
    ("algorithmicallyEnhanced", "captured", "no-evidence"),
    ("digitalCapture", "captured", "no-evidence"),
    ("computationalCapture", "captured", "no-evidence"),
    ("compositeCapture", "captured", "no-evidence"),
    ("minorHumanEdits", "captured", "no-evidence"),
    ("composite", "no-evidence", "no-evidence"),
    ("digitalCreation", "no-evidence", "no-evidence"),
    ("dataDrivenMedia", "no-evidence", "no-evidence"),
    ("screenCapture", "no-evidence", "no-evidence"),
    ("humanEdits", "no-evidence", "no-evidence"),
    ("someFutureTerm", "no-evidence", "no-evidence"),
]


@pytest.mark.parametrize(("term", "signed", "unsigned"), IPTC_MEANING, ids=[t[0] for t in IPTC_MEANING])
def test_each_iptc_source_type_means_what_iptc_says(term: str, signed: str, unsigned: str) -> None:
    signals = detect.credential_signals(_cred("trusted", term), "C2PA manifest")
    assert detect.verdict(signals).verdict == signed
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"'
        f' Iptc4xmpExt:DigitalSourceType="{IPTC}{term}"/></rdf:RDF></x:xmpmeta>'
    )
    assert detect.verdict(detect.metadata_signals(Metadata(xmp=xmp))).verdict == unsigned


def test_algorithmic_media_is_reported_as_computer_made_not_ai() -> None:
    signals = detect.credential_signals(_cred("trusted", "algorithmicMedia"), "C2PA manifest")
    assert [s.strength for s in signals] == ["info"]
    assert "not by a trained AI model" in signals[0].evidence
    assert signals[0].model is None
    assert detect.verdict(signals).verdict == "no-evidence"
