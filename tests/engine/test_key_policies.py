"""A KMS key policy is the only way in (PolicySet.resource_required): identity policies count only when the key
policy delegates to the account (AWS KMS Developer Guide, "Key policies in AWS KMS")."""

from __future__ import annotations

import pytest

from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import PolicySource, parse_policy

ROLE = "arn:aws:iam::111122223333:role/etl-runtime-role"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
IDENTITY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}]}


def _key_policy(principal: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": principal},
                                                    "Action": "kms:*", "Resource": "*"}]}


@pytest.mark.parametrize("key_principal,identity,required,expect,blocked_by", [
    ("arn:aws:iam::111122223333:root", True, True, "allowed", None),  # delegated to IAM: identity decides
    ("arn:aws:iam::111122223333:root", False, True, "implicitDeny", "identity"),
    (ROLE, False, True, "allowed", None),  # the key policy names the role: it grants on its own
    ("arn:aws:iam::444455556666:root", True, True, "implicitDeny", "resource"),  # no way in for this account
    ("arn:aws:iam::444455556666:root", True, False, "allowed", None),  # an S3 bucket policy: identity suffices
])
def test_key_policy_semantics(key_principal, identity, required, expect, blocked_by):
    ps = PolicySet(identity=(parse_policy(IDENTITY, PolicySource("id", "inline")),) if identity else (),
                   resource=parse_policy(_key_policy(key_principal), PolicySource("key policy", "kms-key", "resource")),
                   resource_required=required)
    d = evaluate_request(ps, Request("kms:Decrypt", KEY, ROLE))
    assert (d.decision, d.blocked_by) == (expect, blocked_by)
