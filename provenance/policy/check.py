"""``check``: a publishing policy applied to images, from their verify reports.

An image passes only when every rule passes; a "review" (rights) holds it for a
person; any "fail" refuses it. An unreadable file fails. An empty policy fails
everything with a message saying so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TypedDict, cast

from provenance.policy.rules import CHECKS, Outcome, Policy, RuleResult
from provenance.report import VerifyReport, VerifyReportJSON


class RuleResultJSON(TypedDict):
    rule: str
    outcome: Outcome
    reason: str
    evidence: list[str]


class CheckResultJSON(TypedDict):
    """``CheckResult.to_dict()``: what ``check --json`` prints and /v1/check answers."""

    file: str
    status: Outcome
    rules: list[RuleResultJSON]
    summary: str
    unreadable: bool
    exit_code: int


@dataclass
class CheckResult:
    file: str
    status: Outcome
    rules: list[RuleResult] = field(default_factory=list)
    summary: str = ""

    unreadable: bool = False

    @property
    def exit_code(self) -> int:
        """0 pass; 1 refused or held for review; 4 the file could not be read."""
        return 0 if self.status == "pass" else 4 if self.unreadable else 1

    def to_dict(self) -> CheckResultJSON:
        return cast("CheckResultJSON", {**asdict(self), "exit_code": self.exit_code})


def check_report(policy: Policy, report: VerifyReportJSON | VerifyReport, caption: str | None = None) -> CheckResult:
    """Apply ``policy`` to one verify report: ``verify_path``'s, or its ``to_dict()`` (as scan rows
    and the service carry it)."""
    if isinstance(report, VerifyReport):
        report = report.to_dict()
    file = str(report.get("file"))
    if report.get("error"):
        reason = f"the file could not be checked: {report['error']}"
        return CheckResult(file, "fail", [RuleResult("readable", "fail", reason)], reason, unreadable=True)
    if not policy.rules:
        reason = f"the policy {policy.name} has no rules, so it refuses everything (add [[rule]] tables)"
        return CheckResult(file, "fail", [RuleResult("empty-policy", "fail", reason)], reason)
    results = [CHECKS[rule.kind](rule, policy, report, caption) for rule in policy.rules]
    outcomes = {r.outcome for r in results}
    status: Outcome = "fail" if "fail" in outcomes else "review" if "review" in outcomes else "pass"
    if status == "pass":
        summary = "passes: " + "; ".join(r.reason for r in results)
    else:
        summary = f"{'refused' if status == 'fail' else 'held for review'}: " + "; ".join(
            f"{r.rule}: {r.reason}" for r in results if r.outcome != "pass"
        )
    return CheckResult(file, status, results, summary)
