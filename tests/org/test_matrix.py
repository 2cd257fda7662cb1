"""``org matrix`` on Dask: every account's rows equal that account's own ``matrix`` output, a malformed snapshot
is a failure while the others complete, a rerun resumes, and the org-wide summary ranks the accounts."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.org.matrix import org_matrix, read_org_dataset
from glue_iam_kit.org.summary import accounts_frame, grants_frame, unpassable_frame
from glue_iam_kit.sources.synthetic import synthetic_org


@pytest.fixture(scope="module")
def snaps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("snaps")
    synthetic_org(str(folder), accounts=4, users=15, roles=20)
    (folder / "999999999999.json").write_text('{"format": "glue-iam-kit/snapshot@1", "Authoriz')  # truncated
    (folder / "failures.json").write_text("[]")  # org snapshot's own file: not an account
    return folder


def test_rows_equal_each_accounts_own_matrix(snaps, tmp_path):
    result = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False, processes=False,
                        workers=2)
    assert len(result["written"]) == 4
    assert [f["account_id"] for f in result["failures"]] == ["999999999999"]
    assert "not valid JSON" in result["failures"][0]["error"]
    data = read_org_dataset(tmp_path / "ds")
    assert sorted(data.account_id.unique()) == result["written"]  # twelve digits kept as text
    for account in result["written"][:2]:
        own = tmp_path / f"{account}.parquet"
        assert main(["matrix", "--snapshot", str(snaps / f"{account}.json"), "--out", str(own), "-q"]) == 0
        want = pd.read_parquet(own).astype(str).sort_values(["principal_arn", "role_arn"], ignore_index=True)
        got = data[data.account_id == account].drop(columns="account_id").astype(str)
        got = got.sort_values(["principal_arn", "role_arn"], ignore_index=True)[list(want.columns)]
        pd.testing.assert_frame_equal(got, want)
    again = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False, processes=False)
    assert again["written"] == [] and len(again["skipped"]) == 4  # resumed: nothing redone
    assert json.loads((tmp_path / "ds" / "_failures.json").read_text())[0]["account_id"] == "999999999999"


def test_the_org_summary(snaps, tmp_path):
    result = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False, processes=False)
    accounts = accounts_frame(result["summaries"])
    assert list(accounts.account_id) != sorted(accounts.account_id) or accounts.overbroad_high.is_monotonic_decreasing
    assert accounts.overbroad_high.iloc[0] == accounts.overbroad_high.max()
    grants = grants_frame(result["summaries"])
    assert not grants.empty and set(grants.severity) <= {"high", "medium"}
    unpassable = unpassable_frame(result["summaries"])
    assert set(unpassable.columns) == {"account_id", "role", "used_by", "why"}
    # Each account's escalation routes equal that account's own `escalation` (issue 22).
    from glue_iam_kit.matrix.escalation import compute_escalation, escalation_frame
    from glue_iam_kit.org.matrix import read_escalation_routes
    from glue_iam_kit.sources.snapshot import SnapshotTarget

    every = read_escalation_routes(tmp_path / "ds")
    account = result["summaries"][0]["account_id"]
    own = escalation_frame(compute_escalation(SnapshotTarget.from_file(str(snaps / f"{account}.json")))).astype(str)
    got = every[every.account_id == account].drop(columns="account_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, own)
    assert result["summaries"][0]["escalation_routes"] == len(own)


def test_the_cli_on_a_local_cluster_of_processes(snaps, tmp_path, capsys):
    assert main(["org", "matrix", "--snapshots", str(snaps), "--out", str(tmp_path / "ds"), "--workers", "2",
                 "-q"]) == 0
    out = capsys.readouterr()
    assert "4 account(s) computed" in out.out and "1 failed" in out.out and "peak memory" in out.out
    assert (tmp_path / "ds" / "_summary" / "accounts.csv").exists()
    routes = pd.read_csv(tmp_path / "ds" / "_summary" / "escalation-routes.csv", dtype={"account_id": str})
    assert list(routes.columns[:4]) == ["account_id", "principal", "role", "route"]
    assert not routes.empty and routes.admin.iloc[0]  # riskiest (admin) first
    assert main(["org", "matrix", "--snapshots", str(tmp_path / "missing"), "--out", str(tmp_path / "x")]) == 1


def test_an_existing_scheduler_is_used(snaps, tmp_path):
    """--scheduler ADDR: the tasks run on that cluster's workers (here a cluster this test starts)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        result = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", scheduler=cluster.scheduler_address,
                            progress=False)
    assert len(result["written"]) == 4 and len(result["failures"]) == 1


def test_an_unreachable_scheduler_is_one_clear_error():
    from glue_iam_kit.errors import KitError
    from glue_iam_kit.org.cluster import open_client

    with pytest.raises(KitError, match=r"cannot reach the Dask scheduler tcp://127\.0\.0\.1:9"), \
            open_client("tcp://127.0.0.1:9", connect_timeout="1s"):
        pass


def test_accounts_org_snapshot_could_not_read_are_counted(tmp_path):
    """The moto organisation's suspended account (org snapshot's failures.json) is in _failures.json and in
    accounts.csv with its reason: the organisation summary counts every account."""
    from glue_iam_kit.org.snapshots import collect_org
    from glue_iam_kit.org.summary import write_org_summary
    from glue_iam_kit.sources.sandbox.organization import open_org_sandbox

    snaps = tmp_path / "snaps"
    with open_org_sandbox(members=1) as org:
        taken = collect_org(org, str(snaps), "OrganizationAccountAccessRole", progress=False, events=False)
    suspended = [f["account_id"] for f in taken["failures"]]
    assert len(suspended) == 1
    result = org_matrix(str(snaps), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False, processes=False,
                        workers=1)
    assert sorted(result["written"]) == sorted(taken["written"]) and result["failures"] == []
    failures = json.loads((tmp_path / "ds" / "_failures.json").read_text())
    assert failures == [{"account_id": suspended[0], "name": taken["failures"][0]["name"], "stage": "snapshot",
                         "error": "account is suspended"}]
    write_org_summary(result["summaries"], tmp_path / "ds" / "_summary", result["all_failures"])
    accounts = pd.read_csv(tmp_path / "ds" / "_summary" / "accounts.csv", dtype={"account_id": str})
    assert sorted(accounts.account_id) == sorted(taken["written"] + suspended)  # every account
    row = accounts.set_index("account_id").loc[suspended[0]]
    assert row["status"] == "not snapshotted" and row["reason"] == "account is suspended"
    assert pd.isna(row["pairs"])  # unknown, not zero
    assert list(accounts.status)[-1] == "not snapshotted"  # riskiest first; the unknown after
    text = (tmp_path / "ds" / "_summary" / "accounts.csv").read_text()
    assert ".0," not in text  # counts stay integers beside the empty ones


@pytest.mark.parametrize("content,message", [
    ("[{", "cannot read the accounts org snapshot could not read"),
    ('{"account_id": "1"}', "expected a list of"),
    ('[{"name": "x"}]', "expected a list of"),
])
def test_an_unreadable_failures_file_is_one_clear_error(tmp_path, content, message):
    from glue_iam_kit.errors import KitError

    synthetic_org(str(tmp_path / "snaps"), accounts=1, users=3, roles=3)
    (tmp_path / "snaps" / "failures.json").write_text(content)
    with pytest.raises(KitError, match=message):
        org_matrix(str(tmp_path / "snaps"), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False,
                   processes=False, workers=1)


def test_the_cli_counts_the_accounts_not_snapshotted(tmp_path, capsys):
    synthetic_org(str(tmp_path / "snaps"), accounts=1, users=3, roles=3)
    (tmp_path / "snaps" / "failures.json").write_text(json.dumps(
        [{"account_id": "210987654321", "name": "closed", "reason": "account is suspended"},
         {"account_id": "310987654321", "name": "locked", "reason": "cannot assume OrganizationAccountAccessRole"}]))
    assert main(["org", "matrix", "--snapshots", str(tmp_path / "snaps"), "--out", str(tmp_path / "ds"),
                 "--workers", "1", "-q"]) == 0
    out = capsys.readouterr()
    assert "1 account(s) computed" in out.out and "2 not snapshotted" in out.out
    assert "  not snapshotted 210987654321 closed: account is suspended" in out.err
    accounts = pd.read_csv(tmp_path / "ds" / "_summary" / "accounts.csv", dtype={"account_id": str})
    assert list(accounts.status) == ["computed", "not snapshotted", "not snapshotted"]
    assert list(accounts.reason.fillna("")) == ["", "account is suspended",
                                                "cannot assume OrganizationAccountAccessRole"]


def test_a_snapshot_not_named_by_its_account_is_said_not_skipped_in_silence(tmp_path, capsys):
    from glue_iam_kit.errors import KitError

    synthetic_org(str(tmp_path / "snaps"), accounts=1, users=3, roles=3)
    (tmp_path / "snaps" / "prod.json").write_text("{}")
    assert main(["org", "matrix", "--snapshots", str(tmp_path / "snaps"), "--out", str(tmp_path / "ds"),
                 "--workers", "1", "-q"]) == 0
    err = capsys.readouterr().err
    assert f"glue-iam-kit: note: {tmp_path / 'snaps' / 'prod.json'} is not read: org matrix reads <account-id>" in err
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "prod.json").write_text("{}")
    with pytest.raises(KitError, match=r"no <account-id>.json snapshots in it \(not read: prod.json; name each"):
        org_matrix(str(tmp_path / "only"), str(tmp_path / "ds2"), "glue.amazonaws.com", progress=False,
                   processes=False, workers=1)


def test_a_snapshot_filed_under_another_account_is_a_failure_not_counted_as_that_account(tmp_path):
    synthetic_org(str(tmp_path / "snaps"), accounts=1, users=3, roles=3)
    original = next((tmp_path / "snaps").glob("[0-9]*.json"))
    data = json.loads(original.read_text())
    data["CallerIdentity"] = {**(data.get("CallerIdentity") or {}), "Account": "999999999999"}
    (tmp_path / "snaps" / "210987654321.json").write_text(json.dumps(data))
    result = org_matrix(str(tmp_path / "snaps"), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False,
                        processes=False, workers=1)
    failed = {f["account_id"]: f["error"] for f in result["failures"]}
    assert "210987654321.json holds account 999999999999, not 210987654321" in failed["210987654321"]
