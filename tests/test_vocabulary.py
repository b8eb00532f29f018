"""One vocabulary: every surface takes its verdict words from provenance/verdicts.py.

The source tree is searched for the words themselves (a label kept as a string of
its own, a meaning, a verdict colour): finding one anywhere else means a surface
keeps its own copy, and copies drift.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any, cast

import pytest

from provenance import verdicts
from provenance.policy import check_report, load_policy
from provenance.report import VerifyReportJSON
from provenance.scan import ScanRow, reports
from provenance.scan.run import ScanSummary
from tests.conftest import ROOT, SAMPLES, run_cli

HOME = ROOT / "provenance" / "verdicts.py"


def _sources() -> list[Path]:
    """Every module and static file a verdict word could hide in."""
    found = [*(ROOT / "provenance").rglob("*.py"), *(ROOT / "cli").rglob("*.py")]
    found += [p for p in (ROOT / "provenance" / "service" / "static").iterdir() if p.is_file()]
    found += list((ROOT / "provenance" / "scan").glob("*.html"))
    return sorted(p for p in found if p != HOME and "__pycache__" not in p.parts)


def _words() -> list[verdicts.Word]:
    return [w for table in verdicts.AXES.values() for w in table.values()] + list(verdicts.EXIT.values())


def _literal(text: str) -> re.Pattern[str]:
    """``text`` as a whole string literal, in Python or JavaScript quotes."""
    return re.compile(r"""(["'`])""" + re.escape(text) + r"\1")


def test_the_verdict_words_live_in_one_module() -> None:
    sources = {path: path.read_text(encoding="utf-8") for path in _sources()}
    assert len(sources) > 40
    found = []
    for word in _words():
        labels = [word.label] if len(word.label.split()) >= 2 else []  # one-word labels are ordinary English
        for path, text in sources.items():
            where = path.relative_to(ROOT)
            found += [f"{where}: label {word.label!r}" for label in labels if _literal(label).search(text)]
            if word.meaning and word.meaning in text:
                found.append(f"{where}: meaning of {word.state!r}")
    for tone, (_, colour) in verdicts.TONE_COLOURS.items():
        for path, text in sources.items():
            if colour.lower() in text.lower():
                found.append(f"{path.relative_to(ROOT)}: colour of tone {tone!r} ({colour})")
    assert found == [], "verdict words kept outside provenance/verdicts.py:\n" + "\n".join(found)


def test_the_search_would_find_a_copy() -> None:
    """The search above is real: a table like the page used to keep is found."""
    copy = 'const CREDENTIALS = { trusted: ["ok", "Signed by a trusted signer"] };'
    assert _literal(verdicts.word("credentials", "trusted").label).search(copy)
    assert not _literal("Signed by a trusted signer").search('"Signed by a trusted signer, and more"')


def _report(**parts: Any) -> VerifyReportJSON:
    """A report as a scan reads it back from JSON: parts may hold states this version does not know."""
    base: VerifyReportJSON = {
        "file": "/archive/x.png",
        "credentials": {"state": "absent"},
        "watermark": {"found": False},
        "ownership": {"verdict": "no-match"},
        "ai": {"verdict": "no-evidence"},
        "summary": "s",
        "exit_code": 3,
        "error": None,
    }
    return cast("VerifyReportJSON", {**base, **parts})


def test_states_read_every_report_the_same_way() -> None:
    assert verdicts.states(_report()) == {
        "credentials": "absent",
        "watermark": "none",
        "ownership": "no-match",
        "ai": "no-evidence",
    }
    recovered = _report(credentials={"state": "absent", "recovered_manifest": {"state": "trusted"}})
    assert verdicts.states(recovered)["credentials"] == "recovered"  # reports from before the state existed
    broken = _report(credentials={"state": "absent", "recovered_manifest": {"state": "invalid"}})
    assert verdicts.states(broken)["credentials"] == "invalid"
    assert verdicts.states(_report(credentials={"state": "recovered"}))["credentials"] == "recovered"
    ours = {"found": True, "scheme": "provenance-wm-1", "agrees_with_manifest": True}
    assert verdicts.states(_report(watermark=ours))["watermark"] == "ours"
    grafted = {**ours, "agrees_with_manifest": False}
    assert verdicts.states(_report(watermark=grafted))["watermark"] == "mismatch"
    assert verdicts.states(_report(watermark={"found": False, "state": "declared"}))["watermark"] == "declared"
    assert verdicts.states(_report(error="boom")) == verdicts.UNCHECKED


def _summary(rows: list[ScanRow]) -> ScanSummary:
    return ScanSummary(len(rows), 0, len(rows), 0.1, reports.counts(rows), 3, None)


def test_scan_reports_show_labels_meanings_and_colours(tmp_path: Path) -> None:
    recovered = _report(
        file="/archive/stripped.png",
        credentials={"state": "absent", "recovered": True, "recovered_via": "watermark",
                     "recovered_manifest": {"state": "trusted", "signer": "Daily Planet Signer", "trust": "trusted"}},
        exit_code=0,
    )  # fmt: skip
    novel = _report(file="/archive/novel.png", credentials={"state": "brand-new-state"})
    rows: list[ScanRow] = [{"path": r["file"], "report": r} for r in (recovered, novel)]
    summary = _summary(rows)
    for suffix in ("csv", "json", "html"):
        reports.write(tmp_path / f"r.{suffix}", rows, summary)
    table = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text())))
    word = verdicts.word("credentials", "recovered")
    assert table[0]["credentials"] == "recovered"
    assert table[0]["credentials_label"] == word.label
    assert table[0]["signer"] == "Daily Planet Signer"
    assert table[0]["exit_label"] == verdicts.exit_word(0).label
    assert table[1]["credentials_label"] == "brand-new-state"  # unknown states keep their own name
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["vocabulary"] == verdicts.vocabulary()
    page = (tmp_path / "r.html").read_text()
    assert word.label in page
    assert word.meaning.replace("'", "&#x27;") in page
    assert word.colour in page
    assert "signed by Daily Planet Signer" in page
    assert "brand-new-state" in page
    assert verdicts.TONE_COLOURS["none"][1] in page  # the unknown state in the neutral colour


def test_an_altered_copy_is_never_shown_as_a_pass(tmp_path: Path) -> None:
    """A copy whose parts differ from its registered picture (exit 3) showed its recovered
    credentials and its ownership with their green, passing words: every surface now shows the
    vocabulary's qualified word, in the warning tone, from one table."""
    placed = {"state": "altered", "shown": 1.0, "agree": 40, "detailed": 75}
    match = {
        "record_id": "r1",
        "owner": "Daily Planet",
        "relation": "same-as",
        "strength": "exact",
        "matched_by": "watermark",
        "placement": placed,
    }
    altered = _report(
        credentials={"state": "recovered", "recovered_manifest": {"state": "trusted"}, "placement": placed},
        ownership={"verdict": "registered", "matches": [match]},
        exit_code=3,
    )  # fmt: skip
    assert verdicts.placement_state(altered) == "altered"
    assert verdicts.placement_state(_report()) is None
    by_match = _report(ownership={"verdict": "registered", "matches": [match]})
    assert verdicts.placement_state(by_match) == "altered"
    table = verdicts.vocabulary()["altered"]
    for axis in verdicts.QUALIFIED_WHEN_ALTERED:
        # the passes, and what reads as neutral fact about the picture (a registered twin: derived)
        passing = [s for s, w in verdicts.AXES[axis].items() if w.tone in ("ok", "info")]
        assert passing
        assert sorted(table[axis]) == sorted(passing)
        for state in passing:
            shown = verdicts.shown_word(axis, state, "altered")
            assert shown.tone == "warn"
            assert shown.label != verdicts.word(axis, state).label
            assert table[axis][state]["label"] == shown.label
            assert verdicts.shown_word(axis, state, "crop") == verdicts.word(axis, state)
    assert (
        verdicts.shown_word("ownership", "derived", "altered").label
        == "Derived from a registered original, but altered"
    )
    assert verdicts.shown_word("ai", "captured", "altered") == verdicts.word("ai", "captured")
    rows: list[ScanRow] = [{"path": altered["file"], "report": altered}]
    reports.write(tmp_path / "r.html", rows, _summary(rows))
    page = (tmp_path / "r.html").read_text()
    for axis, state in (("credentials", "recovered"), ("ownership", "registered")):
        assert verdicts.shown_word(axis, state, "altered").label in page
    reports.write(tmp_path / "r.csv", rows, _summary(rows))  # the CSV's label columns say the same
    (row,) = csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text()))
    for axis, state in (("credentials", "recovered"), ("ownership", "registered")):
        assert row[axis] == state
        assert row[f"{axis}_label"] == verdicts.shown_word(axis, state, "altered").label
        assert row[f"{axis}_label"].endswith(", but altered")
    assert row["ai_label"] == verdicts.word("ai", "no-evidence").label


def test_the_policy_check_speaks_the_vocabulary(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.toml"
    policy_file.write_text(
        'name = "p"\nour_owners = ["Us"]\n[[rule]]\nkind = "require-provenance"\n'
        '[[rule]]\nkind = "refuse-invalid"\n[[rule]]\nkind = "ai-disclosure"\n'
    )
    policy = load_policy(policy_file)
    truncated = check_report(policy, _report(credentials={"state": "truncated"}))
    reasons = {r.rule: r.reason for r in truncated.rules}
    assert truncated.status == "fail"
    assert verdicts.word("credentials", "truncated").label in reasons["refuse-invalid"]
    assert verdicts.word("credentials", "truncated").label in reasons["require-provenance"]
    # a damaged file is no evidence of tampering: amber, not the red of broken credentials, and still a fail
    assert verdicts.word("credentials", "truncated").colour != verdicts.word("credentials", "invalid").colour
    assert verdicts.EXIT[verdicts.ExitCode.UNREADABLE].colour != verdicts.EXIT[verdicts.ExitCode.BROKEN].colour
    unreadable = check_report(policy, _report(credentials={"state": "unreadable"}))
    assert {r.rule: r.outcome for r in unreadable.rules}["refuse-invalid"] == "fail"
    edited = check_report(policy, _report(ai={"verdict": "ai-edited", "signals": []}))
    reason = next(r.reason for r in edited.rules if r.rule == "ai-disclosure")
    assert verdicts.word("ai", "ai-edited").label in reason
    assert "there is no caption to disclose it" in reason  # not "no caption does not disclose it"


@pytest.mark.parametrize("command", ["scan", "verify", "register", "check"])
def test_help_names_the_exit_codes_in_the_vocabulary_words(command: str, keyed_home: Path) -> None:
    result = run_cli(command, "--help", home=keyed_home)
    assert result.code == 0
    text = " ".join(result.stdout.split())
    assert verdicts.exit_word(2).label in text
    assert verdicts.exit_word(4).label in text
    if command == "scan":
        for code in (1, 3, 5):
            assert verdicts.exit_word(code).label in text
        assert verdicts.word("ai", "ai-generated").label in text
    if command == "verify":  # every state of every verdict, with its words
        for word in (w for table in verdicts.AXES.values() for w in table.values()):
            assert f"{word.state} {word.label}: {' '.join(word.meaning.split())}" in text


def test_the_service_serves_the_vocabulary_and_the_states(keyed_home: Path) -> None:
    pytest.importorskip("fastapi", reason="the service extra is not installed")
    from fastapi.testclient import TestClient

    from provenance.config import Home
    from provenance.service import ServiceSettings, create_app

    client = TestClient(create_app(Home(keyed_home), ServiceSettings()))
    assert client.get("/v1/vocabulary").json() == verdicts.vocabulary()
    photo = ROOT / "samples" / "rocket.jpg"
    answer = client.post("/v1/verify?states=true", files={"file": (photo.name, photo.read_bytes())}).json()
    assert answer["states"] == verdicts.states(answer)
    assert answer["placement"] == verdicts.placement_state(answer)
    plain = client.post("/v1/verify", files={"file": (photo.name, photo.read_bytes())}).json()
    assert "states" not in plain


def test_the_ownership_line_never_restates_its_word(tmp_path: Path) -> None:
    """The text report's ownership line: the word, then what the summary adds ("No registry:
    No registry to check against." said it twice)."""
    lonely = run_cli("verify", SAMPLES / "rocket.jpg", home=tmp_path / "empty")
    line = next(x for x in lonely.stdout.splitlines() if x.strip().startswith("Ownership"))
    assert line.split(None, 1)[1] == "No registry to check against."
    registered = tmp_path / "registered"
    assert run_cli("register", SAMPLES / "coffee.png", "--owner", "alice", home=registered).code == 0
    other = run_cli("verify", SAMPLES / "rocket.jpg", home=registered)
    line = next(x for x in other.stdout.splitlines() if x.strip().startswith("Ownership"))
    words = line.split(None, 1)[1]
    assert words.startswith(verdicts.word("ownership", "no-match").label)
    assert words.lower().count("no registered") == 1, words
