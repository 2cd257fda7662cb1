"""Every shape an AccessDenied arrives in — console, AWS CLI v1/v2, boto3, JS v2/v3, Java v1/v2, Go v1/v2,
Terraform, CloudFormation, raw JSON bodies, the newer form naming the policy ARN — reads to the same parts."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.diagnosis.errortext import ErrorTextError, parse_error_text

U = "arn:aws:iam::111122223333:user/dev-user"
S = "arn:aws:sts::111122223333:assumed-role/ci-deployer/GitHubActions"
R = "arn:aws:iam::111122223333:role/etl-runtime"
MSG = f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} because no identity-based policy " \
      "allows the iam:PassRole action"
EXPLICIT = f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} with an explicit deny in a " \
           "service control policy"
SCP = "arn:aws:organizations::999988887777:policy/o-abc123/service_control_policy/p-def456"

# (id, text, principal, operation, kind, policy type, policy ARN)
SHAPES = [
    ("console", f"Failed to update job\nupdateJob: AccessDeniedException:\n{MSG}", U, "updateJob", "implicit",
     "identity", ""),
    ("console, one line", f"updateJob: AccessDeniedException: {MSG}", U, "updateJob", "implicit", "identity", ""),
    ("AWS CLI v2", f"An error occurred (AccessDeniedException) when calling the UpdateJob operation: {MSG}", U,
     "UpdateJob", "implicit", "identity", ""),
    ("AWS CLI v1 with a blank line", f"\nAn error occurred (AccessDeniedException) when calling the CreateJob "
     f"operation: {MSG}\n", U, "CreateJob", "implicit", "identity", ""),
    ("boto3 traceback line", f"botocore.errorfactory.AccessDeniedException: An error occurred "
     f"(AccessDeniedException) when calling the UpdateJob operation: {MSG}", U, "UpdateJob", "implicit", "identity",
     ""),
    ("boto3 ClientError", f"botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling "
     f"the StartJobRun operation: {MSG}", U, "StartJobRun", "implicit", "identity", ""),
    ("JS v2", f"AccessDeniedException: {MSG}\n    at Request.extractError (/app/node_modules/aws-sdk/lib/protocol/"
     "json.js:52:27) {\n  code: 'AccessDeniedException',\n  statusCode: 400\n}", U, "", "implicit", "identity", ""),
    ("JS v3", f"AccessDeniedException: {MSG}\n    at throwDefaultError (/app/node_modules/@smithy/smithy-client/"
     "dist-cjs/index.js:838:20)", U, "", "implicit", "identity", ""),
    ("JS v3 serialised", json.dumps({"name": "AccessDeniedException", "$fault": "client",
                                      "$metadata": {"httpStatusCode": 400}, "message": MSG}), U, "", "implicit",
     "identity", ""),
    ("Java v1", f"com.amazonaws.services.glue.model.AccessDeniedException: {MSG} (Service: AWSGlue; Status Code: "
     "400; Error Code: AccessDeniedException; Request ID: 1a2b3c; Proxy: null)", U, "", "implicit", "identity", ""),
    ("Java v1 without a cause", f"com.amazonaws.services.glue.model.AccessDeniedException: User: {U} is not "
     f"authorized to perform: iam:PassRole on resource: {R} (Service: AWSGlue; Status Code: 400; Error Code: "
     "AccessDeniedException; Request ID: 1a2b3c; Proxy: null)", U, "", "unknown", "unknown", ""),
    ("Java v2", f"software.amazon.awssdk.services.glue.model.AccessDeniedException: {MSG} (Service: Glue, Status "
     "Code: 400, Request ID: 1a2b3c)", U, "", "implicit", "identity", ""),
    ("Go v1", f"AccessDeniedException: {MSG}\n\tstatus code: 400, request id: 1a2b3c", U, "", "implicit",
     "identity", ""),
    ("Go v2", f"operation error Glue: UpdateJob, https response error StatusCode: 400, RequestID: 1a2b3c, "
     f"AccessDeniedException: {MSG}", U, "UpdateJob", "implicit", "identity", ""),
    ("Terraform", f"Error: updating Glue Job (nightly-sales-etl): AccessDeniedException: {MSG}\n\n  with "
     "aws_glue_job.nightly,\n  on main.tf line 12, in resource \"aws_glue_job\" \"nightly\":", U, "UpdateJob",
     "implicit", "identity", ""),
    ("Terraform create", f"Error: creating Glue Crawler (sales): AccessDeniedException: {MSG}", U, "CreateCrawler",
     "implicit", "identity", ""),
    ("CloudFormation", f"Resource handler returned message: \"{MSG} (Service: Glue, Status Code: 400, Request ID: "
     "1a2b3c)\" (RequestToken: 4d5e6f, HandlerErrorCode: AccessDenied)", U, "", "implicit", "identity", ""),
    ("raw JSON body", json.dumps({"__type": "AccessDeniedException", "Message": MSG}), U, "", "implicit",
     "identity", ""),
    ("raw JSON body, lower-case key", json.dumps({"__type": "AccessDeniedException", "message": MSG}), U, "",
     "implicit", "identity", ""),
    ("raw JSON with no cause", json.dumps({"__type": "AccessDeniedException", "Message": f"User: {U} is not "
     f"authorized to perform: iam:PassRole on resource: {R}"}), U, "", "unknown", "unknown", ""),
    ("a role session", f"An error occurred (AccessDeniedException) when calling the UpdateJob operation: User: {S} "
     f"is not authorized to perform: iam:PassRole on resource: {R} because no identity-based policy allows the "
     "iam:PassRole action", S, "UpdateJob", "implicit", "identity", ""),
    ("explicit SCP", EXPLICIT, U, "", "explicit", "scp", ""),
    ("explicit SCP naming the policy", f"{EXPLICIT}: {SCP}", U, "", "explicit", "scp", SCP),
    ("explicit SCP naming the policy, then a full stop", f"{EXPLICIT}: {SCP}.", U, "", "explicit", "scp", SCP),
    ("naming the policy, Java suffix", f"{EXPLICIT}: {SCP} (Service: AWSGlue; Status Code: 400; Error Code: "
     "AccessDeniedException; Request ID: x)", U, "", "explicit", "scp", SCP),
    ("boundary", f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} because no permissions "
     "boundary allows the iam:PassRole action", U, "", "implicit", "boundary", ""),
    ("session policy", f"User: {S} is not authorized to perform: iam:PassRole on resource: {R} because no session "
     "policy allows the iam:PassRole action", S, "", "implicit", "session", ""),
    ("explicit identity", f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} with an explicit "
     "deny in an identity-based policy", U, "", "explicit", "identity", ""),
    ("explicit identity naming the policy", f"User: {U} is not authorized to perform: iam:PassRole on resource: {R}"
     " with an explicit deny in an identity-based policy: arn:aws:iam::111122223333:policy/RequireMFA", U, "",
     "explicit", "identity", "arn:aws:iam::111122223333:policy/RequireMFA"),
    ("resource-based", f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} because no "
     "resource-based policy allows the iam:PassRole action", U, "", "implicit", "resource", ""),
    ("VPC endpoint", f"User: {U} is not authorized to perform: iam:PassRole on resource: {R} because no VPC "
     "endpoint policy allows the iam:PassRole action", U, "", "implicit", "vpc-endpoint", ""),
    ("quoted in a log line", f"ERROR deploy failed: '{MSG}'", U, "", "implicit", "identity", ""),
    ("in double quotes", f"message=\"{MSG}\"", U, "", "implicit", "identity", ""),
]


@pytest.mark.parametrize("shape,text,principal,operation,kind,policy_type,policy_arn", SHAPES,
                         ids=[s[0] for s in SHAPES])
def test_every_shape_reads_the_same(shape, text, principal, operation, kind, policy_type, policy_arn):
    e = parse_error_text(text)
    assert (e.principal, e.action, e.resource, e.account) == (principal, "iam:PassRole", R, "111122223333")
    assert (e.operation, e.kind, e.policy_type, e.policy_arn) == (operation, kind, policy_type, policy_arn)
    assert e.role_name == "etl-runtime"


def test_there_are_thirty_shapes_or_more():
    assert len(SHAPES) >= 30


@pytest.mark.parametrize("text,says", [
    ("Access Denied", "an access denial that names no principal"),  # a denial, if a bare one
    ("User: arn:aws:iam::111122223333:user/x did something", "is not authorized to perform"),
    ("User: arn:aws:iam::nope:user/x is not authorized to perform: iam:PassRole", "not an IAM ARN"),
    ("{\"__type\": \"AccessDeniedException\", \"Message\": \"denied\"}", "an access denial that names no"),
])
def test_bad_text_gets_one_precise_line(text, says):
    with pytest.raises(ErrorTextError, match=says) as exc:
        parse_error_text(text)
    assert "\n" not in str(exc.value)


def test_an_unreadable_error_text_is_said_not_swallowed(tmp_path, capsys):
    from glue_iam_kit.cli import main
    from glue_iam_kit.files import write_json_atomic
    from glue_iam_kit.sources.synthetic import synthetic_snapshot

    write_json_atomic(tmp_path / "s.json", synthetic_snapshot(users=2, roles=2, groups=1, policies=1))
    (tmp_path / "error.txt").write_text("Access Denied (Service: AWSGlue; Status Code: 400)")
    code = main(["investigate", "--snapshot", str(tmp_path / "s.json"), "--error-text", str(tmp_path / "error.txt"),
                 "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    # a denial, if a bare one: said as such, never "not an AccessDenied message"
    assert code == 1 and "could not read the error text: an access denial that names no principal" in err
    assert err.count("\n") == 1
