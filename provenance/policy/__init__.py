"""Publishing policy: rules a newsroom's CMS applies before publishing an image."""

from provenance.policy.check import CheckResult, CheckResultJSON, check_report
from provenance.policy.rules import Policy, load_policy

__all__ = ["CheckResult", "CheckResultJSON", "Policy", "check_report", "load_policy"]
