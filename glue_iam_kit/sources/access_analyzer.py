"""IAM Access Analyzer's ``ValidatePolicy`` (read-only: it only checks the document it is given, against IAM's
grammar and AWS's best practices — "Pass role with star in resource", a missing ``iam:PassedToService``, ...).
The AWS opinion of a proposed fix, shown beside it (IAM User Guide, "IAM Access Analyzer policy validation").
moto does not implement it: tests use botocore's Stubber."""

from __future__ import annotations

import json
from typing import Any

# ValidatePolicy's policyType for a policy attached to a user, group or role (and a permissions boundary).
IDENTITY_POLICY = "IDENTITY_POLICY"


def fetch_policy_findings(target: Any, document: dict[str, Any], policy_type: str = IDENTITY_POLICY) \
        -> list[dict[str, str]]:
    """Access Analyzer's findings on *document*: {finding_type, issue_code, details, learn_more} each (raises
    CouldNotCheck: AccessDenied, throttled, unreachable)."""
    findings = target.paginate("accessanalyzer", "validate_policy", "findings",
                               policyDocument=json.dumps(document), policyType=policy_type)
    return [{"finding_type": f.get("findingType", ""), "issue_code": f.get("issueCode", ""),
             "details": f.get("findingDetails", ""), "learn_more": f.get("learnMoreLink", "")} for f in findings]
