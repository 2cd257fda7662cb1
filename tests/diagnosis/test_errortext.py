"""Reading AccessDenied messages: every documented phrase, prefixes, trailing policy ARNs, and non-messages."""

from __future__ import annotations

import pytest

from glue_iam_kit.diagnosis.errortext import ErrorTextError, parse_error_text

USER = "arn:aws:iam::111122223333:user/dev-user"
ROLE = "arn:aws:iam::111122223333:role/etl-runtime"
BASE = f"User: {USER} is not authorized to perform: iam:PassRole on resource: {ROLE} "


@pytest.mark.parametrize("because,kind,policy_type", [
    ("because no identity-based policy allows the iam:PassRole action", "implicit", "identity"),
    ("because no resource-based policy allows the iam:PassRole action", "implicit", "resource"),
    ("because no permissions boundary allows the iam:PassRole action", "implicit", "boundary"),
    ("because no session policy allows the iam:PassRole action", "implicit", "session"),
    ("because no VPC endpoint policy allows the iam:PassRole action", "implicit", "vpc-endpoint"),
    ("with an explicit deny in a service control policy", "explicit", "scp"),
    ("with an explicit deny in a permissions boundary", "explicit", "boundary"),
    ("with an explicit deny in an identity-based policy", "explicit", "identity"),
    ("with an explicit deny in a resource-based policy", "explicit", "resource"),
    ("with an explicit deny in a sessions policy", "explicit", "session"),
    ("with an explicit deny in a VPC endpoint policy", "explicit", "vpc-endpoint"),
    ("with an explicit deny in the role trust policy", "explicit", "trust"),
    ("because no identity-based policy allows the iam:PassRole action.", "implicit", "identity"),
])
def test_causes(because, kind, policy_type):
    e = parse_error_text(BASE + because)
    assert (e.principal, e.action, e.resource, e.account) == (USER, "iam:PassRole", ROLE, "111122223333")
    assert (e.kind, e.policy_type) == (kind, policy_type)
    assert e.role_name == "etl-runtime" and e.principal_name == "dev-user" and e.principal_type == "user"


def test_trailing_policy_arn():
    scp = "arn:aws:organizations::111122223333:policy/o-abc/service_control_policy/p-123"
    e = parse_error_text(BASE + f"with an explicit deny in a service control policy: {scp}")
    assert e.policy_arn == scp and e.policy_type == "scp"


def test_console_text_over_several_lines_with_prefix():
    text = ("Failed to update job\nupdateJob: AccessDeniedException:\nUser: " + USER +
            "\nis not authorized to perform: iam:PassRole\non resource: " + ROLE +
            "\nbecause no identity-based policy allows the iam:PassRole action")
    e = parse_error_text(text)
    assert e.operation == "updateJob" and e.resource == ROLE and e.kind == "implicit"


def test_sdk_prefix_and_assumed_role():
    text = ("An error occurred (AccessDeniedException) when calling the UpdateJob operation: User: "
            "arn:aws:sts::111122223333:assumed-role/ci-deployer/session-1 is not authorized to perform: "
            f"iam:PassRole on resource: {ROLE} because no identity-based policy allows the iam:PassRole action")
    e = parse_error_text(text)
    assert e.operation == "UpdateJob" and e.principal_type == "assumed-role"


def test_without_resource_or_cause():
    e = parse_error_text(f"User: {USER} is not authorized to perform: glue:GetJobs")
    assert e.resource == "" and e.kind == "unknown"


@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("Job failed: S3 bucket not found", "not an AccessDenied message"),
    # the terminal's note and report.md's could-not-check both say what the text is instead
    ("An error occurred (ThrottlingException) when calling the UpdateJob operation: Rate exceeded",
     "^a ThrottlingException, not an AccessDenied message$"),
    ("An error occurred (ExpiredToken) when calling the GetJob operation", "^an ExpiredToken, not an AccessDenied"),
    ("An error occurred (AccessDenied) when calling the PutObject operation: Access Denied",
     "^an access denial that names no principal, action or resource"),
    ("An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized "
     "to perform this operation. Encoded authorization failure message: abc", "^an access denial that names no"),
    ("An error occurred (AcmeInternalException)", "^not an AccessDenied message"),  # a code of theirs: not named
    ("User: arn:aws:iam::111122223333:user/x has been disabled", "not 'is not authorized"),
    ("User: arn:aws:iam::abc:user/x is not authorized to perform: iam:PassRole", "not an IAM ARN with an account"),
])
def test_not_a_message(text, message):
    with pytest.raises(ErrorTextError, match=message):
        parse_error_text(text)


S3_PREFIX = "User: arn:aws:sts::111122223333:assumed-role/etl/GlueJobRunnerSession is not authorized to perform: " \
            "s3:GetObject on resource: "
S3_KEYS = [
    # (the resource as the message writes it, what follows it, the ARN, kind)
    ('arn:aws:s3:::b/raw data/orders 2026.csv', " because no identity-based policy allows the s3:GetObject action",
     "arn:aws:s3:::b/raw data/orders 2026.csv", "implicit"),
    ('"arn:aws:s3:::b/it\'s $HOME/été.csv"', " with an explicit deny in a service control policy\n(Service: S3)",
     "arn:aws:s3:::b/it's $HOME/été.csv", "explicit"),
    ("arn:aws:s3:::b/a  b.csv", " (Service: Amazon S3; Status Code: 403)", "arn:aws:s3:::b/a  b.csv", "unknown"),
    ("arn:aws:s3:::b/k.csv", ".", "arn:aws:s3:::b/k.csv", "unknown"),
]


@pytest.mark.parametrize("written,after,arn,kind", S3_KEYS, ids=["space", "quotes-dollar", "trailer", "full-stop"])
def test_an_s3_key_runs_to_the_cause_or_the_end_of_its_line(written, after, arn, kind):
    parsed = parse_error_text(S3_PREFIX + written + after)
    assert (parsed.resource, parsed.kind) == (arn, kind)
