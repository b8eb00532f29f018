"""Batch verification: engines agree, kills resume exactly once, reports are usable."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provenance import verdicts
from provenance.config import Home
from provenance.report import VerifyReportJSON
from provenance.scan import Scanner, ScanOptions
from tests.conftest import ROOT, SAMPLES, run_cli
from tests.corpus import build_corpus

# every kind of file the corpus holds (signed, photos, fixtures, broken) and enough attacked copies that a
# scan is stopped half way (1,000 until 2026-12-07: these tests took a fifth of CI's time for no more cover)
TOTAL = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("scan")
    folder = base / "archive"
    kinds = build_corpus(folder, base / "home", TOTAL)
    assert sum(kinds.values()) == TOTAL
    assert kinds["broken"] == 5
    assert kinds["signed"] >= 5
    assert kinds["attacked"] > 300
    return folder, base / "home"


def _reports(path: Path) -> dict[str, VerifyReportJSON]:
    lines = path.read_text().splitlines()
    reports: list[VerifyReportJSON] = [json.loads(line) for line in lines]
    by_file = {str(r["file"]): r for r in reports}
    assert len(by_file) == len(reports), "an image appears twice"
    return by_file


def test_local_and_ray_engines_give_the_same_results(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    folder, home = corpus
    local = run_cli("scan", folder, "--jobs", "2", "--report", tmp_path / "local.jsonl", home=home, timeout=900)
    ray = run_cli(
        "scan", folder, "--engine", "ray", "--jobs", "2", "--report", tmp_path / "ray.jsonl", home=home, timeout=900
    )
    by_local, by_ray = _reports(tmp_path / "local.jsonl"), _reports(tmp_path / "ray.jsonl")
    # the most serious per-file code: 4 for the unreadable files, 1 when a reference fixture's
    # manifest is broken (present only with ../shared/fixtures)
    codes = {int(r["exit_code"]) for r in by_local.values()}
    assert 4 in codes
    assert local.code == ray.code == (1 if 1 in codes else 4), local.stderr
    assert len(by_local) == TOTAL
    assert by_local.keys() == by_ray.keys()
    for name, report in by_local.items():
        assert by_ray[name] == report, name
    verdicts = {r.get("credentials", {}).get("state") for r in by_local.values() if not r["error"]}
    assert {"trusted", "absent"} <= verdicts
    errors = {Path(str(r["file"])).name.split("-")[0] for r in by_local.values() if r["error"]}
    broken = [r for name, r in by_local.items() if Path(name).name.startswith("broken-")]
    assert all(r["error"] and r["exit_code"] == 4 for r in broken)
    assert errors <= {"broken", "fixture"}  # some reference fixtures are damaged on purpose
    assert "Traceback" not in local.stderr + ray.stderr


def test_sigkill_then_resume_gives_each_image_exactly_once(corpus: tuple[Path, Path], tmp_path: Path) -> None:
    folder, home = corpus
    report = tmp_path / "run.jsonl"
    checkpoint = tmp_path / "run.jsonl.checkpoint.jsonl"
    env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    args = [sys.executable, "-m", "provenance_cli.main", "scan", str(folder), "--jobs", "2", "--report", str(report)]
    quiet = subprocess.DEVNULL
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=quiet, stderr=quiet, start_new_session=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if checkpoint.exists() and checkpoint.read_bytes().count(b"\n") >= TOTAL // 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not report.exists()
    done_before = checkpoint.read_bytes().count(b"\n")
    assert TOTAL // 2 <= done_before < TOTAL
    resumed = run_cli("scan", folder, "--jobs", "2", "--report", report, "--resume", "--json", home=home, timeout=900)
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] >= TOTAL // 2
    assert summary["resumed"] + summary["scanned"] == TOTAL
    by_file = _reports(report)
    assert len(by_file) == TOTAL
    assert set(by_file) == {str(p.resolve()) for p in folder.iterdir()}
    assert resumed.code == verdicts.most_serious(int(r["exit_code"]) for r in by_file.values()), resumed.stderr
    assert not checkpoint.exists(), "the checkpoint outlived the finished report"


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_says_where_the_work_is_kept_and_how_to_finish(
    corpus: tuple[Path, Path], tmp_path: Path, stop: signal.Signals
) -> None:
    """A walkthrough's Ctrl-C printed only "provenance: aborted": nothing said that --resume would
    finish the scan from its checkpoint. A service manager's stop (SIGTERM) ended it silently."""
    folder, home = corpus
    report = tmp_path / "run.jsonl"
    checkpoint = tmp_path / "run.jsonl.checkpoint.jsonl"
    env = {**os.environ, "PROVENANCE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    # Ctrl-C reaches the scan as it reaches a terminal's process: Python's handler for SIGINT in place,
    # though a test run started in the background (make test &, some CI runners) has SIGINT ignored
    start = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
        " from provenance_cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    args = [sys.executable, "-c", start, "scan", str(folder), "--jobs", "1", "--report", str(report)]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        if checkpoint.exists() and checkpoint.read_bytes().count(b"\n") >= 20:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan finished before it could be interrupted"
    proc.send_signal(stop)  # Ctrl-C, or a service manager's stop, reaches this process
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert f"files done are kept in {checkpoint}; the same command with --resume does the rest" in err, err
    assert proc.returncode == 130, err  # interrupted, as the README's exit codes say (not 2, a usage error)
    assert "Traceback" not in err
    assert not report.exists()
    if stop == signal.SIGTERM:
        return
    # --resume with nothing to resume scans from the start (it was a usage error: a cron job had
    # to look for the checkpoint before choosing the flag)
    fresh, few = tmp_path / "fresh.json", tmp_path / "few"
    few.mkdir()
    for name in sorted(p.name for p in folder.iterdir() if p.name.startswith("signed-"))[:3]:
        shutil.copy(folder / name, few / name)
    first = run_cli("scan", few, "--jobs", "1", "--report", fresh, "--resume", home=home, timeout=900)
    assert first.code != 2, first.stderr
    assert "no checkpoint to resume from: scanning every file" in first.stderr
    assert fresh.exists()


def test_torn_checkpoint_line_is_dropped_and_redone(tmp_path: Path, keyed_home: Path) -> None:
    folder = tmp_path / "few"
    folder.mkdir()
    for sample in ("chelsea.png", "rocket.jpg", "coffee.png"):
        shutil.copy(SAMPLES / sample, folder / sample)
    report = tmp_path / "r.json"
    home = Home(keyed_home)
    first = Scanner([folder], home, ScanOptions(report=report, jobs=1))
    rows = first.run()
    next(rows)
    rows.close()  # stopped after one image, as a crash would
    checkpoint = tmp_path / "r.json.checkpoint.jsonl"
    whole = checkpoint.read_bytes()
    checkpoint.write_bytes(whole + b'{"path": "/half/written')  # a torn line from a kill mid-write
    with pytest.raises(Exception, match="checkpoint of an earlier scan"):
        Scanner([folder], home, ScanOptions(report=report, jobs=1))
    again = Scanner([folder], home, ScanOptions(report=report, jobs=1, resume=True))
    assert (again.resumed, len(again.todo)) == (1, 2)
    assert checkpoint.read_bytes() == whole
    for _ in again.run():
        pass
    summary = again.finish()
    data = json.loads(report.read_text())
    assert [Path(r["file"]).name for r in data["results"]] == ["chelsea.png", "coffee.png", "rocket.jpg"]
    assert summary.exit_code == 3


def test_a_second_scan_of_the_same_checkpoint_is_refused_while_the_first_writes(
    tmp_path: Path, keyed_home: Path
) -> None:
    """Two `--resume` runs of one report appended the same images side by side, and the first to
    finish deleted the checkpoint the other was still writing; `--force` deleted it under a
    running scan. The scan that writes a checkpoint holds a lock on it; the others are refused."""
    folder = tmp_path / "few"
    folder.mkdir()
    for sample in ("chelsea.png", "rocket.jpg", "coffee.png"):
        shutil.copy(SAMPLES / sample, folder / sample)
    report = tmp_path / "r.json"
    checkpoint = tmp_path / "r.json.checkpoint.jsonl"
    home = Home(keyed_home)
    first = Scanner([folder], home, ScanOptions(report=report, jobs=1))
    rows = first.run()
    next(rows)  # one image done and checkpointed; the scan goes on
    kept = checkpoint.read_bytes()
    for options in (ScanOptions(report=report, jobs=1, resume=True), ScanOptions(report=report, jobs=1, force=True)):
        with pytest.raises(Exception, match="another scan is writing this checkpoint now"):
            Scanner([folder], home, options)
    assert checkpoint.read_bytes() == kept  # neither touched it
    for _ in rows:
        pass
    assert first.finish().files == 3
    assert not checkpoint.exists()
    assert len(json.loads(report.read_text())["results"]) == 3

    # from the command line: one line, exit 2, while another process holds the checkpoint
    import fcntl

    checkpoint.write_bytes(kept)
    with checkpoint.open("ab") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        refused = run_cli("scan", folder, "--report", report, "--resume", "--force", home=keyed_home)
    assert refused.code == 2, refused.stderr
    assert "another scan is writing this checkpoint now" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert checkpoint.read_bytes() == kept
    resumed = run_cli("scan", folder, "--report", report, "--resume", "--force", "--json", home=keyed_home)
    assert json.loads(resumed.stdout)["resumed"] == 1, resumed.stderr
    assert not checkpoint.exists()


def test_a_scan_that_checkpointed_nothing_leaves_no_checkpoint(tmp_path: Path, keyed_home: Path) -> None:
    """The lock creates the checkpoint when the scan starts; stopped before any image, it is not
    left behind to block the next run with "a checkpoint of an earlier scan is here"."""
    from provenance.scan.checkpoint import Checkpoint

    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(SAMPLES / "rocket.jpg", folder / "rocket.jpg")
    report = tmp_path / "r.json"
    scan = Scanner([folder], Home(keyed_home), ScanOptions(report=report, jobs=1))
    assert scan.checkpoint is not None
    scan.checkpoint.claim(start_over=True)  # what the scan's rows do first
    assert scan.checkpoint.path.exists()  # created and locked
    scan.checkpoint.close()  # what they do last, here stopped before their first image
    assert not scan.checkpoint.path.exists()
    Scanner([folder], Home(keyed_home), ScanOptions(report=report, jobs=1))  # not refused
    held = Checkpoint(tmp_path / "other.jsonl")
    held.claim(start_over=True)
    held.append({"path": "/a"})  # type: ignore[typeddict-item]
    held.close()
    assert held.path.read_bytes() == b'{"path":"/a"}\n'  # a checkpoint with rows stays


def test_a_linked_file_is_reported_by_the_name_in_the_folder(tmp_path: Path, keyed_home: Path) -> None:
    """A walkthrough's folder of links into an archive was reported by the archive's names, which
    the desk could not find in its folder. A link is reported by its own name; a file reached both
    itself and through a link is scanned once, by its own name."""
    archive, desk = tmp_path / "archive", tmp_path / "desk"
    archive.mkdir()
    desk.mkdir()
    shutil.copy(SAMPLES / "rocket.jpg", archive / "a1b2c3.jpg")
    shutil.copy(SAMPLES / "coffee.png", desk / "coffee.png")
    (desk / "rocket-today.jpg").symlink_to(archive / "a1b2c3.jpg")
    (desk / "zz-coffee-again.png").symlink_to(desk / "coffee.png")
    scan = Scanner([desk], Home(keyed_home), ScanOptions(jobs=1))
    assert sorted(scan.files) == [str(desk / "coffee.png"), str(desk / "rocket-today.jpg")]
    rows = list(scan.run())
    assert sorted(str(row["report"]["file"]) for row in rows) == sorted(scan.files)
    # the name left out is said (an archivist's 520 entries gave 519 rows without a word)
    assert scan.finish().same_file == [[str(desk / "zz-coffee-again.png"), str(desk / "coffee.png")]]
    said = run_cli("scan", desk, home=keyed_home)
    assert (
        f"same file    1 name for a file already listed, scanned once: {desk / 'zz-coffee-again.png'} is" in said.stdout
    )


def test_reports_exit_codes_and_fail_on(tmp_path: Path, keyed_home: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "rocket.jpg", folder / "photo.jpg")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    stamped = folder / "stamped.png"
    assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", stamped, "--user", "u", home=keyed_home).code == 0
    plain = run_cli("scan", folder, "--report", tmp_path / "r.csv", home=keyed_home)
    assert plain.code == 4
    with (tmp_path / "r.csv").open(newline="") as handle:
        rows = {Path(r["file"]).name: r for r in csv.DictReader(handle)}
    assert rows["stamped.png"]["credentials"] == "trusted"
    assert rows["stamped.png"]["ai"] == "ai-generated"
    assert rows["photo.jpg"]["credentials"] == "absent"
    assert rows["broken.png"]["credentials"] == "unreadable"
    assert "AI" in plain.stdout
    assert "report" in plain.stdout
    assert "Scanned 3 files in" in plain.stdout  # files, not images: one of them does not decode
    assert run_cli("scan", folder, "--fail-on", "ai", home=keyed_home).code == 1
    one = run_cli("scan", folder / "photo.jpg", "--fail-on", "ai", "--fail-on", "broken", home=keyed_home)
    assert one.code == 0
    assert "Scanned 1 file in" in one.stdout
    assert run_cli("scan", folder / "photo.jpg", "--fail-on", "absent", home=keyed_home).code == 1
    again = run_cli("scan", folder, "--report", tmp_path / "r.csv", home=keyed_home)
    assert again.code == 2
    assert "already exists" in again.stderr
    wrong = run_cli("scan", folder, "--report", tmp_path / "r.pdf", home=keyed_home)
    assert wrong.code == 2
    assert ".json, .jsonl, .csv or .html" in wrong.stderr


CHROMIUM = Path("/usr/bin/chromium")


def test_html_report_opens_in_chromium_and_filters_by_verdict(tmp_path: Path, keyed_home: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    folder = tmp_path / "in"
    folder.mkdir()
    for sample in ("rocket.jpg", "coffee.png"):
        shutil.copy(SAMPLES / sample, folder / sample)
    (folder / "a<b>&c.png").write_bytes(b"not an image")
    for name in ("one", "two"):
        out = folder / f"stamped-{name}.png"
        assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", out, "--user", "u", home=keyed_home).code == 0
    report = tmp_path / "report.html"
    assert run_cli("scan", folder, "--report", report, home=keyed_home).code == 4
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        page = browser.new_page()
        page.goto(report.as_uri())
        rows = page.locator("#results tbody tr")
        assert rows.count() == 5
        assert page.locator("#results tbody tr:visible").count() == 5
        assert page.locator("img.thumb").count() == 4  # every readable image has a thumbnail
        page.select_option("#filter-ai", "ai-generated")
        visible = page.locator("#results tbody tr:visible")
        assert visible.count() == 2
        assert all("stamped-" in visible.nth(i).inner_text() for i in range(2))
        assert page.locator("#shown").inner_text() == "2"
        page.select_option("#filter-ai", "")
        page.select_option("#filter-credentials", "unreadable")
        assert page.locator("#results tbody tr:visible").count() == 1
        assert "a<b>&c.png" in page.locator("#results tbody tr:visible").inner_text()  # escaped, shown as text
        page.select_option("#filter-credentials", "")
        page.click("th[data-key=file]")
        first = page.locator("#results tbody tr").first.get_attribute("data-file") or ""
        assert Path(first).name == "a<b>&c.png"
        page.click("th[data-key=severity]")  # the exit column: most serious first, not by number
        codes = [rows.nth(i).get_attribute("data-exit") for i in range(rows.count())]
        assert codes == ["4", "3", "3", "0", "0"], codes
        with page.expect_popup() as popup:
            page.locator("#results tbody tr", has_text="stamped-one").locator("a.json").click()
        opened = json.loads(popup.value.locator("body").inner_text())
        assert opened["credentials"]["state"] == "trusted"
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        browser.close()


def test_register_with_the_ray_engine_matches_local_registration(tmp_path: Path, keyed_home: Path) -> None:
    folder = tmp_path / "originals"
    folder.mkdir()
    for sample in ("chelsea.png", "rocket.jpg", "coffee.png"):
        shutil.copy(SAMPLES / sample, folder / sample)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)
    other = tmp_path / "other-home"
    local = run_cli("register", folder, "--owner", "desk", "--json", home=other)
    ray = run_cli("register", folder, "--owner", "desk", "--json", "--engine", "ray", "--jobs", "2", home=keyed_home)
    assert local.code == ray.code == 4, ray.stderr
    by_engine = []
    for home in (other, keyed_home):
        from provenance.registry import read_home_registry

        registry = read_home_registry(Home(home))
        assert registry is not None
        with registry:
            records = list(registry.iter_records())
        by_engine.append({r.sha256: [(f.algorithm, f.value) for f in r.fingerprints] for r in records})
    assert by_engine[0] == by_engine[1]
    assert len(by_engine[0]) == 3
    statuses = sorted(json.loads(line)["status"] for line in ray.stdout.splitlines())
    assert statuses == ["error", "registered", "registered", "registered"]
    again = run_cli("register", folder, "--owner", "desk", "--json", "--engine", "ray", "--jobs", "2", home=keyed_home)
    assert sorted(json.loads(line)["status"] for line in again.stdout.splitlines()).count("already-registered") == 3


class _FakeRay:
    """Records ray.init's arguments; raises what a cluster would."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.kwargs: dict[str, object] = {}
        self.error = error

    def is_initialized(self) -> bool:
        return False

    def init(self, **kwargs: object) -> None:
        self.kwargs = kwargs
        if self.error is not None:
            raise self.error


def test_a_local_ray_listens_on_loopback_only_and_joins_nothing() -> None:
    from provenance.scan.engines import _ray_init

    ray = _FakeRay()
    assert _ray_init(ray, 2, None) is True
    assert ray.kwargs["_node_ip_address"] == "127.0.0.1"
    assert ray.kwargs["include_dashboard"] is False
    assert ray.kwargs["address"] == "local"  # never RAY_ADDRESS or a running cluster
    joined = _FakeRay()
    _ray_init(joined, 2, "ray://cluster:10001")
    assert joined.kwargs["address"] == "ray://cluster:10001"
    assert "_node_ip_address" not in joined.kwargs


def test_rays_note_on_its_log_level_is_not_written_and_the_rest_is(capfd: pytest.CaptureFixture[str]) -> None:
    """Ray's core writes its log level to stderr past Python whatever the level (a walkthrough saw
    it above the scan's progress); that note is dropped, anything else Ray writes is kept."""
    import os

    from provenance.scan.engines import _ray_init

    class NoisyRay(_FakeRay):
        def init(self, **kwargs: object) -> None:
            os.write(2, b"[2026-12-07 08:20:45,544 I 1 1] logging.cc:303: Set ray log level from environment"
                     b" variable RAY_BACKEND_LOG_LEVEL to 3\n")  # fmt: skip
            os.write(2, b"something Ray had to say\n")
            super().init(**kwargs)

    assert _ray_init(NoisyRay(), 2, None) is True
    err = capfd.readouterr().err
    assert "something Ray had to say" in err
    assert "logging.cc" not in err


def test_joining_a_cluster_that_wants_a_token_names_the_cause() -> None:
    from provenance.errors import UsageError
    from provenance.scan.engines import _ray_init

    class InvalidAuthToken(Exception):
        pass

    try:
        try:
            raise InvalidAuthToken("the token presented is not valid for this cluster")
        except InvalidAuthToken as inner:
            raise ConnectionError("Failed to connect to GCS at 10.0.0.5:6379") from inner
    except ConnectionError as outer:
        error = outer
    with pytest.raises(UsageError) as caught:
        _ray_init(_FakeRay(error), 2, "10.0.0.5:6379")
    line = caught.value.diagnostics()
    assert "Failed to connect" in line
    assert "InvalidAuthToken: the token presented is not valid" in line
    assert "RAY_AUTH_TOKEN" in line
    assert "\n" not in line


def test_a_fail_on_exit_names_the_condition_not_a_verify_code(tmp_path: Path, keyed_home: Path) -> None:
    """Under --fail-on, 1 means the condition asked for was found: the HTML header, the JSON
    summary and the CLI's last line used to call it "exit code 1 (provenance broken)"."""
    folder = tmp_path / "in"
    folder.mkdir()
    assert run_cli("stamp", SAMPLES / "chelsea.png", "-o", folder / "ai.png", "--user", "u", home=keyed_home).code == 0
    page = tmp_path / "scan.html"
    result = run_cli("scan", folder, "--report", page, "--fail-on", "ai", home=keyed_home)
    assert result.code == 1, result.stderr
    broken = verdicts.exit_word(1).label
    assert result.stdout.strip().splitlines()[-1].split() == [
        "exit",
        "1",
        "(1",
        "file",
        "matched",
        "--fail-on",
        "ai)",
    ]
    header = page.read_text(encoding="utf-8")
    assert "exit code 1 (1 file matched --fail-on ai)" in header
    assert f"exit code 1 ({broken})" not in header
    summary = tmp_path / "scan.json"
    assert (
        run_cli("scan", folder, "--report", summary, "--fail-on", "ai", "--fail-on", "absent", home=keyed_home).code
        == 1
    )
    assert json.loads(summary.read_text())["summary"]["exit_reason"] == "1 file matched --fail-on ai"
    passed = run_cli("scan", folder, "--fail-on", "broken", "--json", home=keyed_home)
    assert passed.code == 0
    assert json.loads(passed.stdout)["exit_reason"] == "no file matched --fail-on broken"
    plain = run_cli("scan", folder, "--json", home=keyed_home)  # no --fail-on: the most serious verify code's words
    said = json.loads(plain.stdout)
    n = sum(count for key, count in said["counts"]["exit"].items() if int(key) == plain.code)
    # the most serious verify code's words, and how many files gave it (a walkthrough read the bare label)
    assert said["exit_reason"] == f"{verdicts.exit_word(plain.code).label}: {verdicts.counted(n, 'file')}"


def test_a_csv_row_does_not_give_an_inconclusive_look_alike_one_owner_or_its_placement() -> None:
    """A walkthrough's blurred twin: the CSV's owner was the photo's owner (its first match, listed
    same-as but inconclusive) and its placement 'altered', from a comparison with the photo, while
    verify named the twin. An inconclusive match names every owner it could be, and no placement."""
    from provenance.scan import reports

    report = {
        "file": "blurred.jpg",
        "exit_code": 3,
        "credentials": {"state": "absent"},
        "watermark": {"found": False, "state": "none"},
        "ownership": {
            "verdict": "similar",
            "matches": [
                {"relation": "same-as", "owner": "Daily Planet", "strength": "inconclusive",
                 "matched_by": "fingerprint-ambiguous", "placement": {"state": "altered"}},
                {"relation": "similar-to", "owner": "Art Desk", "strength": "inconclusive",
                 "matched_by": "fingerprint-unmarked"},
            ],
        },
        "ai": {"verdict": "no-evidence", "signals": []},
    }  # fmt: skip
    row = reports.flat(report)  # type: ignore[arg-type]
    assert row["owner"] == "Daily Planet / Art Desk"
    assert row["placement"] is None


def test_a_csv_cell_a_spreadsheet_would_run_as_a_formula_is_text(tmp_path: Path) -> None:
    """A walkthrough: a signer named '=HYPERLINK(...)' in its certificate became a live link in
    the desk's spreadsheet. Cells from the file (its name, its signer, words quoting them) that
    start a formula start with ' instead; the JSON report keeps the name as signed."""
    home = tmp_path / "home"
    evil = '=HYPERLINK("http://evil.example","Trusted")'
    assert run_cli("keys", "init", "--org", evil, home=home).code == 0
    folder = tmp_path / "in"
    folder.mkdir()
    made = run_cli("stamp", SAMPLES / "chelsea.png", "-o", folder / "-wire.png", "--user", "x", home=home)
    assert made.code == 0, made.stderr
    scanned = run_cli("scan", folder, "--report", tmp_path / "r.csv", "--report", tmp_path / "r.json", home=home)
    assert scanned.code in (0, 3), scanned.stderr
    with (tmp_path / "r.csv").open(newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["signer"].startswith(f"'{evil}"), row["signer"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values()), row
    assert row["exit_code"] in ("0", "3")  # numbers stay numbers
    signer = json.loads((tmp_path / "r.json").read_text())["results"][0]["credentials"]["signer"]
    assert signer.startswith(evil)
