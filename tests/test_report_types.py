"""The JSON types that reports, scan rows, policy checks and service answers travel as
stay in step with the dataclasses they serialise: same fields, same types."""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any

import pytest

from provenance import report, verdicts
from provenance.policy.check import CheckResult, CheckResultJSON, RuleResultJSON
from provenance.policy.rules import RuleResult
from provenance.register import RegisterResult
from provenance.registry import Record
from provenance.service import responses

# Each dataclass of provenance/report.py and the TypedDict of its JSON form.
PAIRS: dict[type[Any], type[Any]] = {
    report.StatusCode: report.StatusCodeJSON,
    report.Ingredient: report.IngredientJSON,
    report.Certificate: report.CertificateJSON,
    report.Timestamp: report.TimestampJSON,
    report.CawgIdentity: report.CawgIdentityJSON,
    report.Cawg: report.CawgJSON,
    report.Action: report.ActionJSON,
    report.SoftBinding: report.SoftBindingJSON,
    report.CredentialReport: report.CredentialJSON,
    report.WatermarkReport: report.WatermarkJSON,
    report.OwnershipMatch: report.OwnershipMatchJSON,
    report.OwnershipReport: report.OwnershipJSON,
    report.Signal: report.SignalJSON,
    report.AIReport: report.AIJSON,
    report.Placement: report.PlacementJSON,
    report.VerifyReport: report.VerifyReportJSON,
    RuleResult: RuleResultJSON,
}
_RENAMED = {cls.__name__: typed.__name__ for cls, typed in PAIRS.items()}


def _annotation(text: str) -> str:
    """A dataclass field's annotation with its dataclass names replaced by their JSON types'."""
    return re.sub(r"\b\w+\b", lambda m: _RENAMED.get(m.group(0), m.group(0)), text)


def _typed_fields(typed: type[Any]) -> dict[str, str]:
    return {
        name: hint.__forward_arg__ if isinstance(hint, typing.ForwardRef) else str(hint)
        for name, hint in typed.__annotations__.items()
    }


@pytest.mark.parametrize("cls", list(PAIRS), ids=lambda c: c.__name__)
def test_each_json_type_has_its_dataclass_fields_and_types(cls: type[Any]) -> None:
    fields = {f.name: _annotation(str(f.type)) for f in dataclasses.fields(cls)}
    assert _typed_fields(PAIRS[cls]) == fields


def test_report_json_types_allow_partial_reports() -> None:
    """Error rows and checkpoints of older versions lack keys: readers use .get."""
    assert all(not typed.__required_keys__ for typed in PAIRS.values() if typed is not RuleResultJSON)


def test_the_check_result_json_is_its_fields_and_exit_code() -> None:
    fields = [f.name for f in dataclasses.fields(CheckResult)]
    assert list(CheckResultJSON.__annotations__) == [*fields, "exit_code"]
    result = CheckResult("a.png", "pass", [RuleResult("r", "pass", "fine")], "passes")
    assert list(result.to_dict()) == [*fields, "exit_code"]


def test_service_answers_mirror_their_dataclasses() -> None:
    assert list(responses.RegisterItem.__annotations__) == [f.name for f in dataclasses.fields(RegisterResult)]
    kept = (
        "manifest",
        "thumbnail",
        "reference",
        "keypoints",
    )  # bytes: said by manifest_id, detail_reference, keypoints_kept
    record = [f.name for f in dataclasses.fields(Record) if f.name not in kept]
    expected = [*record, "manifest_id", "detail_reference", "keypoints_kept", "links"]
    assert list(responses.RecordAnswer.__annotations__) == expected
    assert set(responses.VerifyAnswer.__annotations__) == {*report.VerifyReportJSON.__annotations__,
                                                           "as_shown", "thumbnails", "states", "placement"}  # fmt: skip


def test_vocabulary_words_are_their_fields_and_colour() -> None:
    fields = [f.name for f in dataclasses.fields(verdicts.Word)]
    assert list(verdicts.WordJSON.__annotations__) == [*fields, "colour"]
    word = verdicts.word("credentials", "trusted")
    assert verdicts.vocabulary()["axes"]["credentials"]["trusted"] == {
        **dataclasses.asdict(word),
        "colour": word.colour,
    }
