"""The PassRole matrix equals pair-by-pair evaluation (explicit denies, boundaries, variables, SCPs included);
its writers, summaries, picture and CLI."""

from __future__ import annotations

import copy
import random

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.engine.evaluator import Request, evaluate_request
from glue_iam_kit.engine.patterns import RESOURCE, compile_pattern
from glue_iam_kit.errors import KitError
from glue_iam_kit.matrix import MATRIX_COLUMNS, MatrixAccount, compute_matrix, evaluate_matrix
from glue_iam_kit.matrix.summary import (
    find_overbroad_grants,
    heatmap_grid,
    plot_heatmap,
    summarise_principals,
    summarise_roles,
)
from glue_iam_kit.principals import gather_scps
from glue_iam_kit.principals.context import request_context, role_values
from glue_iam_kit.sources.snapshot import SnapshotTarget
from glue_iam_kit.sources.synthetic import synthetic_snapshot


@pytest.fixture(scope="module")
def small():
    return SnapshotTarget(synthetic_snapshot(users=40, roles=60, groups=6, policies=14))


def _pair_by_pair(target, pairs, service="glue.amazonaws.com", mfa="absent"):
    """The plain evaluator, one request per pair: the reference the matrix must equal."""
    account = MatrixAccount(target)
    by_arn = {pp.arn: pp for pp in account.principals}
    scps = gather_scps(target)
    out = {}
    for principal, role in pairs:
        pp = by_arn[principal]
        tags = role_values(account.role_tags[account.role_index[role]])
        d = evaluate_request(pp.policy_set(scps), Request("iam:PassRole", role, pp.arn,
                                                            request_context(pp, service, mfa, tags)))
        out[(principal, role)] = (d.decision, d.blocked_by or "", "; ".join(sorted(t.label for t in d.deciding)))
    return out


@pytest.mark.parametrize("mfa", ["absent", "present", "false"])
def test_matrix_equals_pair_by_pair_on_every_pair(small, mfa):
    frame = evaluate_matrix(small, mfa=mfa)
    assert list(frame.columns) == MATRIX_COLUMNS
    principals, roles = frame.principal_arn.unique(), frame.role_arn.unique()
    assert len(frame) == len(principals) * len(roles) == 100 * 60
    expected = _pair_by_pair(small, [(p, r) for p in principals for r in roles], mfa=mfa)
    got = {(p, r): (d, b, s) for p, r, d, b, s in frame.itertuples(index=False)}
    assert got == expected
    decisions = set(frame.decision)
    assert {"allowed", "explicitDeny", "implicitDeny"} <= decisions
    assert "boundary" in set(frame.blocked_by)
    assert frame.statements.str.contains("iam:PassRole|statement", regex=True).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_matrix_equals_pair_by_pair_on_a_random_sample(seed):
    target = SnapshotTarget(synthetic_snapshot(users=150, roles=300, groups=12, policies=30, seed=seed))
    matrix = compute_matrix(target)
    frame = matrix.to_frame()
    rng = random.Random(seed)
    rows = [frame.iloc[i] for i in rng.sample(range(len(frame)), 1500)]
    # Make sure the sample has the interesting rows too: explicit denies, boundaries and own-sandbox grants.
    for mask in (frame.decision == "explicitDeny", frame.blocked_by == "boundary",
                 frame.role_arn.str.contains("-sandbox-") & (frame.decision == "allowed")):
        hits = np.flatnonzero(mask.to_numpy())
        assert len(hits), "the synthetic account should have such rows"
        rows += [frame.iloc[i] for i in rng.sample(list(hits), min(50, len(hits)))]
    expected = _pair_by_pair(target, [(r.principal_arn, r.role_arn) for r in rows])
    for r in rows:
        assert (r.decision, r.blocked_by, r.statements) == expected[(r.principal_arn, r.role_arn)], r.to_dict()
    assert matrix.evaluations < matrix.pairs / 10  # grouping did its job


def test_role_vectors_equal_pattern_by_pattern():
    roles = ["arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/ab",
             "arn:aws:iam::111122223333:role/path/a-b", "arn:aws:iam::111122223333:role/al*ice-x",
             "arn:aws:iam::111122223333:role/alice-x", "arn:aws:iam::111122223333:role/b?c"]
    data = synthetic_snapshot(users=1, roles=1, groups=1, policies=1)
    template = data["AuthorizationDetails"]["RoleDetailList"][0]
    data["AuthorizationDetails"]["RoleDetailList"] = [
        {**copy.deepcopy(template), "RoleName": arn.rsplit("/", 1)[1], "Arn": arn} for arn in roles]
    account = MatrixAccount(SnapshotTarget(data))
    for who in ("al*ice", "alice", "b?c"):
        context = request_context(_user(who), "glue.amazonaws.com", "absent")
        for tail in ("a*", "a", "${aws:username}-*", "${aws:username}", "${aws:nokey}", "path/*", "b${?}c"):
            for raw in (f"arn:aws:iam::111122223333:role/{tail}", "*", "arn:aws:iam::*:role/?"):
                pattern = compile_pattern(raw, RESOURCE)
                want = [_safe_match(pattern, arn, context) for arn in roles]
                assert account.vector(pattern, context).tolist() == want, (who, raw)


def _user(name):
    from glue_iam_kit.principals.base import PrincipalPolicies

    return PrincipalPolicies("user", name, f"arn:aws:iam::111122223333:user/{name}")


def _safe_match(pattern, value, context):
    from glue_iam_kit.engine.patterns import Unresolved

    try:
        return pattern.matches(value, context.single)
    except Unresolved:
        return False


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_writers_stream_the_same_rows(small, tmp_path, suffix):
    matrix = compute_matrix(small)
    out = matrix.write(tmp_path / f"m{suffix}", rows_per_batch=1000)  # several batches
    table = pq.read_table(out) if suffix == ".parquet" else pacsv.read_csv(
        out, convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                                  column_types={c: "string" for c in MATRIX_COLUMNS}))
    read = table.to_pandas().astype(str)
    want = matrix.to_frame().astype(str)
    pd.testing.assert_frame_equal(read.reset_index(drop=True), want, check_dtype=False)
    assert [p.name for p in tmp_path.iterdir()] == [f"m{suffix}"]  # no partial file left behind


def test_writer_refuses_a_bad_path(small, tmp_path):
    matrix = compute_matrix(small)
    with pytest.raises(KitError, match="must end in"):
        matrix.write(tmp_path / "m.xlsx")
    with pytest.raises(KitError, match="does not exist"):
        matrix.write(tmp_path / "nowhere" / "m.csv")


def test_summaries_agree_with_the_rows(small):
    matrix = compute_matrix(small)
    frame = matrix.to_frame()
    allowed = frame[frame.decision == "allowed"]
    roles = summarise_roles(matrix).set_index("role_arn")
    assert (roles.principals_allowed == allowed.groupby("role_arn", observed=False).size()
            .reindex(roles.index)).all()
    assert roles.principals_allowed.is_monotonic_decreasing or roles.principals_allowed.iloc[0] >= \
        roles.principals_allowed.iloc[-1]
    etl = [arn for arn in roles.index if "/etl-" in arn and roles.loc[arn, "principals_allowed"]]
    assert etl and any("ec2.amazonaws.com" in roles.loc[arn, "services"] for arn in etl)
    assert (roles.principals_any_service <= len(matrix.principals)).all()
    principals = summarise_principals(matrix).set_index("principal_arn")
    counts = allowed.groupby("principal_arn", observed=False).size().reindex(principals.index)
    assert (principals.roles_allowed == counts).all()
    assert set(principals.principal_type) == {"user", "role"}


def test_overbroad_grants_riskiest_first(small):
    grants = find_overbroad_grants(compute_matrix(small))
    assert list(grants.severity) == sorted(grants.severity, key=["high", "medium"].index)
    high = grants[grants.severity == "high"]
    assert len(high) and (high.roles_selected == 60).all() and (high.passed_to_service == "any").all()
    assert grants.reasons.str.contains("NotAction").any()
    # Scoped grants (one role, only to Glue) are not over-broad.
    assert not ((grants.roles_selected == 1) & (grants.passed_to_service == "glue.amazonaws.com")).any()
    assert (grants.allowed_pairs <= grants.principals * 60).all()


def test_heatmap_grid_is_the_sorted_matrix_when_small(small):
    matrix = compute_matrix(small)
    grid, rows, cols = heatmap_grid(matrix, bins=1000)
    assert grid.shape == (100, 60) and len(rows) == 100 and len(cols) == 60
    assert set(np.unique(grid)) <= {0.0, 1.0}
    assert grid.sum() == matrix.decision_counts()["allowed"]
    assert (np.diff(grid.sum(axis=1)) <= 0).all()  # most-able principals first
    coarse, rows, cols = heatmap_grid(matrix, bins=7)
    assert coarse.shape == (7, 7) and ((coarse >= 0) & (coarse <= 1)).all() and rows[0].startswith("#1")
    import matplotlib

    matplotlib.use("Agg")
    assert plot_heatmap(matrix, bins=20).axes


def test_a_malformed_policy_is_a_could_not_check_row_not_a_lost_matrix():
    data = synthetic_snapshot(users=5, roles=4, groups=2, policies=3)
    data["AuthorizationDetails"]["UserDetailList"][0]["UserPolicyList"] = [
        {"PolicyName": "broken", "PolicyDocument": {"Statement": [{"Effect": "Maybe", "Action": "*"}]}}]
    matrix = compute_matrix(SnapshotTarget(data))
    frame = matrix.to_frame()
    broken = frame[frame.principal_arn.str.endswith("user/user-0")]
    assert set(broken.decision) == {"couldNotCheck"}
    assert broken.statements.str.contains("broken").all()
    assert set(frame[~frame.principal_arn.str.endswith("user/user-0")].decision) <= {
        "allowed", "explicitDeny", "implicitDeny"}
    assert any("broken" in p for p in matrix.problems)
    assert find_overbroad_grants(matrix) is not None and len(summarise_roles(matrix)) == 4


def test_an_account_without_roles_or_passrole_statements():
    data = synthetic_snapshot(users=3, roles=1, groups=1, policies=1)
    data["AuthorizationDetails"]["RoleDetailList"] = []
    matrix = compute_matrix(SnapshotTarget(data))
    assert matrix.pairs == 0 and len(matrix.to_frame()) == 0
    assert heatmap_grid(matrix)[0].shape == (0, 0)


def test_cli_matrix(tmp_path, capsys):
    import json

    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps(synthetic_snapshot(users=10, roles=12, groups=3, policies=8)))
    out = tmp_path / "m.csv"
    assert main(["matrix", "--snapshot", str(snap), "--out", str(out), "--summaries", str(tmp_path / "s")]) == 0
    printed = capsys.readouterr().out
    assert "22 principals × 12 roles = 264 pairs" in printed and "decisions/s" in printed
    assert "over-broad PassRole grants" in printed
    assert out.read_text().splitlines()[0] == ",".join(f'"{c}"' for c in MATRIX_COLUMNS)
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["overbroad-grants.csv", "principals.csv",
                                                                  "roles.csv"]
    assert main(["matrix", "--snapshot", str(snap), "--out", str(tmp_path / "m.txt")]) == 1
    assert "must end in" in capsys.readouterr().err
    assert main(["matrix", "--snapshot", str(tmp_path / "missing.json"), "--out", str(out), "-q"]) == 1
    assert "glue-iam-kit: error:" in capsys.readouterr().err
    assert main(["matrix", "--snapshot", str(snap), "--out", str(tmp_path / "no" / "m.csv"), "-q"]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["matrix", "--snapshot", str(snap), "--out", str(out), "--mfa", "maybe"])


def test_cli_matrix_reads_the_sandbox_into_a_snapshot_first(tmp_path, capsys):
    out = tmp_path / "m.parquet"
    assert main(["matrix", "--sandbox", "seed-incident", "--out", str(out), "-q"]) == 0
    frame = pq.read_table(out).to_pandas()
    assert len(frame) and set(frame.columns) == set(MATRIX_COLUMNS)


def test_synthetic_snapshot_has_the_mixes_it_promises():
    data = synthetic_snapshot(users=10, roles=12, groups=3, policies=10)
    names = {p["PolicyName"] for p in data["AuthorizationDetails"]["Policies"]}
    assert "AWSGlueConsoleFullAccess" in names and "DeveloperBoundary" in names
    assert data["ServiceControlPolicies"] and len(data["AuthorizationDetails"]["RoleDetailList"]) == 12
    text = str(data)
    assert "${aws:username}" in text and "NotAction" in text and "'Effect': 'Deny'" in text
    assert synthetic_snapshot(users=10, roles=12, groups=3, policies=10) == data  # deterministic


def test_an_scp_on_principal_keys_makes_each_principal_its_own_group():
    data = synthetic_snapshot(users=12, roles=10, groups=2, policies=6)
    exempt = data["AuthorizationDetails"]["UserDetailList"][3]["Arn"]
    data["ServiceControlPolicies"][-1].append({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*",
         "Condition": {"ArnNotEquals": {"aws:PrincipalArn": exempt}}}]})
    target = SnapshotTarget(data)
    frame = evaluate_matrix(target)
    assert set(frame[frame.principal_arn != exempt].decision) == {"explicitDeny"}
    expected = _pair_by_pair(target, [(p, r) for p, r in zip(frame.principal_arn, frame.role_arn, strict=True)])
    assert {(p, r): (d, b, s) for p, r, d, b, s in frame.itertuples(index=False)} == expected


def test_an_unreadable_principal_is_kept_as_could_not_check():
    data = synthetic_snapshot(users=4, roles=3, groups=2, policies=3)
    data["AuthorizationDetails"]["UserDetailList"][1]["GroupList"] = ["no-such-group"]
    matrix = compute_matrix(SnapshotTarget(data))
    frame = matrix.to_frame()
    lost = frame[frame.principal_arn.str.endswith("user/user-1")]
    assert len(lost) == 3 and set(lost.decision) == {"couldNotCheck"}, lost
    assert lost.statements.str.contains("no-such-group").all()
    assert any("no-such-group" in p for p in matrix.problems)


def test_matrix_equals_pair_by_pair_with_tag_based_grants():
    """Roles are classed by the tags the policies test too (fixed-team and attribute-based grants)."""
    target = SnapshotTarget(synthetic_snapshot(users=30, roles=50, groups=5, policies=18, tags=True))
    frame = evaluate_matrix(target)
    pairs = list(zip(frame.principal_arn.astype(str), frame.role_arn.astype(str), strict=True))
    want = _pair_by_pair(target, pairs)
    got = {(p, r): (str(d), str(b), str(s)) for p, r, d, b, s in zip(
        frame.principal_arn, frame.role_arn, frame.decision, frame.blocked_by, frame.statements, strict=True)}
    assert got == want
    assert (frame.decision == "allowed").sum() > 0
