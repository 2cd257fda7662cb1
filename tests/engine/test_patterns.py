"""IAM's wildcard and variable rules, directly (the case tables cover them through the evaluator too)."""

from __future__ import annotations

import pytest

from glue_iam_kit.engine.patterns import ACTION, RESOURCE, STRING, Unresolved, arn_like, compile_pattern


@pytest.mark.parametrize("pattern,flavour,value,expected", [
    ("iam:PassRole", ACTION, "IAM:PASSROLE", True),
    ("iam:*", ACTION, "iam:PassRole", True),
    ("iam:Pass?ole", ACTION, "iam:PassRole", True),
    ("*", ACTION, "glue:UpdateJob", True),
    ("iam:Get*", ACTION, "iam:PassRole", False),
    ("arn:aws:iam::*:role/AWSGlueServiceRole*", RESOURCE, "arn:aws:iam::111122223333:role/AWSGlueServiceRoleX", True),
    ("arn:aws:iam::*:role/AWSGlueServiceRole*", RESOURCE, "arn:aws:iam::111122223333:role/etl", False),
    ("arn:aws:iam::*:role/AWSGlueServiceRole*", RESOURCE, "arn:aws:iam::111122223333:role/awsglueservicerolex", False),
    ("arn:aws:s3:::b*", RESOURCE, "arn:aws:s3:::bucket/key", True),
    ("arn:aws:logs:*:*:log-group:a*b", RESOURCE, "arn:aws:logs:r:1:log-group:a:b", False),
    ("arn:aws:logs:*:*:log-group:a*:x", RESOURCE, "arn:aws:logs:r:1:log-group:abc:d:x", True),
    ("a?c", RESOURCE, "a:c", False),
    ("*", RESOURCE, "anything:at:all", True),
    ("a.b", STRING, "axb", False),
    ("a*", STRING, "a\nb", True),
])
def test_wildcards(pattern, flavour, value, expected):
    assert compile_pattern(pattern, flavour).matches(value) is expected


def test_variables_resolve_literally_and_report_missing():
    p = compile_pattern("arn:aws:s3:::home/${aws:username}/*", RESOURCE)
    values = {"aws:username": "a*"}
    assert p.matches("arn:aws:s3:::home/a*/x", values.get)
    assert not p.matches("arn:aws:s3:::home/ab/x", values.get)
    with pytest.raises(Unresolved) as exc:
        p.matches("arn:aws:s3:::home/a/x", {}.get)
    assert exc.value.key == "aws:username"


def test_defaults_with_quotes():
    p = compile_pattern("${aws:username, 'it''s'}", STRING)
    assert p.substituted({}.get) == "it's"


def test_malformed_variable_never_resolves():
    with pytest.raises(Unresolved):
        compile_pattern("x-${aws:user name}", STRING).matches("x-", {"aws:user name": "y"}.get)


@pytest.mark.parametrize("pattern,value,expected", [
    ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:role/x", True),
    ("arn:aws:iam::*:role/*", "arn:aws:iam::111122223333:user/x", False),
    ("arn:*:iam::*:*", "arn:aws-cn:iam::1:role/x", True),
    ("arn:aws:*", "arn:aws:iam::1:role/x", False),
])
def test_arn_like(pattern, value, expected):
    assert arn_like(pattern, value) is expected
