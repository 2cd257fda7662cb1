"""Property tests (hypothesis) on the evaluator and the anonymiser."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue_iam_kit.engine.context import context_from_mapping
from glue_iam_kit.engine.evaluator import PolicySet, Request, evaluate_request
from glue_iam_kit.engine.policy import PolicySource, parse_policy

ACTIONS = ["iam:PassRole", "iam:*", "iam:Pass*", "iam:?assRole", "glue:*", "glue:UpdateJob", "*", "s3:GetObject"]
RESOURCES = ["*", "arn:aws:iam::111122223333:role/etl", "arn:aws:iam::*:role/AWSGlueServiceRole*",
             "arn:aws:iam::111122223333:role/*", "arn:aws:s3:::b/*", "arn:aws:iam::111122223333:role/${aws:username}"]
CONDITIONS = [
    {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}},
    {"StringLike": {"iam:PassedToService": "*.amazonaws.com"}},
    {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
    {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"Null": {"aws:TokenIssueTime": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
    {"ForAllValues:StringLike": {"aws:TagKeys": ["t*"]}},
    {"StringNotEqualsIfExists": {"iam:PassedToService": "ec2.amazonaws.com"}},
]


@st.composite
def statements(draw, effect=None):
    s = {"Effect": effect or draw(st.sampled_from(["Allow", "Deny"]))}
    acts = draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3))
    s["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = acts
    res = draw(st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2))
    s["NotResource" if draw(st.booleans()) and draw(st.booleans()) else "Resource"] = res
    if draw(st.booleans()):
        s["Condition"] = draw(st.sampled_from(CONDITIONS))
    return s


def _doc(stmts):
    return {"Version": "2012-10-17", "Statement": stmts}


@st.composite
def policy_sets(draw):
    identity = draw(st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=0, max_size=3))
    boundary = draw(st.one_of(st.none(), st.lists(statements(), min_size=1, max_size=3)))
    scps = draw(st.lists(st.lists(statements(), min_size=1, max_size=3), min_size=0, max_size=2))
    return identity, boundary, scps


@st.composite
def requests(draw):
    ctx = {}
    if draw(st.booleans()):
        ctx["iam:PassedToService"] = draw(st.sampled_from(["glue.amazonaws.com", "ec2.amazonaws.com"]))
    if draw(st.booleans()):
        ctx["aws:MultiFactorAuthPresent"] = draw(st.booleans())
    if draw(st.booleans()):
        ctx["aws:SourceIp"] = draw(st.sampled_from(["203.0.113.9", "198.51.100.1"]))
    if draw(st.booleans()):
        ctx["aws:TagKeys"] = draw(st.lists(st.sampled_from(["team", "env"]), max_size=2))
    if draw(st.booleans()):
        ctx["aws:username"] = "etl"
    action = draw(st.sampled_from(["iam:PassRole", "glue:UpdateJob", "s3:GetObject"]))
    resource = draw(st.sampled_from(["arn:aws:iam::111122223333:role/etl", "arn:aws:iam::111122223333:role/"
                                     "AWSGlueServiceRoleX", "arn:aws:s3:::b/k"]))
    ctx_obj = context_from_mapping(ctx)
    if "aws:SourceIp" in ctx:  # typed as the simulator's ip
        from glue_iam_kit.engine.context import context_value

        ctx_obj = ctx_obj.with_values(context_value("aws:SourceIp", ctx["aws:SourceIp"], "ip"))
    return Request(action, resource, "arn:aws:iam::111122223333:user/alice", ctx_obj)


def compile_set(identity, boundary, scps) -> PolicySet:
    return PolicySet(
        identity=tuple(parse_policy(_doc(s), PolicySource(f"p{i}", "custom")) for i, s in enumerate(identity)),
        boundary=(parse_policy(_doc(boundary), PolicySource("b", "boundary", "boundary")),) if boundary else (),
        scp_levels=tuple((parse_policy(_doc(level), PolicySource(f"s{n}", "scp", "scp", scp_level=n)),)
                         for n, level in enumerate(scps)),
    )


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(policy_sets(), requests())
def test_no_exception_on_well_formed_policies(ps, req):
    d = evaluate_request(compile_set(*ps), req)
    assert d.decision in ("allowed", "explicitDeny", "implicitDeny")


def before_and_after(ps, req, statement, where):
    """The decision, then the decision with *statement* added to one of the identity policies."""
    identity, boundary, scps = ps
    before = evaluate_request(compile_set(identity, boundary, scps), req)
    more = [list(p) for p in identity] or [[]]
    more[where % len(more)].append(statement)
    return before, evaluate_request(compile_set(more, boundary, scps), req)


@SETTINGS
@given(policy_sets(), requests(), statements(effect="Deny"), st.integers(min_value=0))
def test_adding_a_deny_never_allows(ps, req, deny, where):
    before, after = before_and_after(ps, req, deny, where)
    assert not (after.allowed and not before.allowed)


@SETTINGS
@given(policy_sets(), requests(), statements(effect="Allow"), st.integers(min_value=0))
def test_adding_an_allow_never_denies(ps, req, allow, where):
    before, after = before_and_after(ps, req, allow, where)
    assert not (before.allowed and not after.allowed)


@SETTINGS
@given(policy_sets(), requests(), st.randoms(use_true_random=False))
def test_order_never_changes_the_decision(ps, req, rnd):
    identity, boundary, scps = ps
    before = evaluate_request(compile_set(identity, boundary, scps), req)
    shuffled = [rnd.sample(p, len(p)) for p in identity]
    rnd.shuffle(shuffled)
    after = evaluate_request(compile_set(shuffled, boundary and rnd.sample(boundary, len(boundary)),
                                         [rnd.sample(level, len(level)) for level in scps]), req)
    assert (after.decision, after.blocked_by) == (before.decision, before.blocked_by)


def test_shuffle_helper_is_deterministic():
    assert random.Random(1).sample([1, 2, 3], 3) == random.Random(1).sample([1, 2, 3], 3)
