"""``org snapshot`` end to end on a moto organisation: every active member read through AssumeRole with its own
SCP levels, the suspended one and a failing one in failures.json, resumption, an accounts file, read-only."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.cli import main
from glue_iam_kit.errors import KitError
from glue_iam_kit.org.snapshots import collect_org, read_account_list
from glue_iam_kit.sources.sandbox.organization import open_org_sandbox
from glue_iam_kit.sources.snapshot import SnapshotTarget


@pytest.fixture
def org():
    target = open_org_sandbox(members=3)
    yield target
    target.close()


def _accounts(folder):
    return sorted(p.stem for p in folder.glob("*.json") if p.stem.isdigit())


def test_every_member_is_written_with_its_scps(org, tmp_path):
    result = collect_org(org, str(tmp_path), "OrganizationAccountAccessRole", progress=False)
    members = [a for a in result["written"] if a != "123456789012"]
    assert len(members) == 3 and _accounts(tmp_path) == sorted(result["written"])
    assert [f["reason"] for f in result["failures"]] == ["account is suspended"]
    assert json.loads((tmp_path / "failures.json").read_text()) == result["failures"]
    levels = {}
    for account in members:
        data = json.loads((tmp_path / f"{account}.json").read_text())
        assert data["CallerIdentity"]["Account"] == account  # read inside the member, through AssumeRole
        assert data["AuthorizationDetails"]["UserDetailList"] or data["AuthorizationDetails"]["RoleDetailList"]
        levels[account] = [len(level) for level in data["ServiceControlPolicies"]]
        SnapshotTarget(data).service_control_policies()  # loads as a snapshot
    # root, OU, account; the Prod OU carries the extra deny
    assert sorted(levels.values()) == [[1, 1, 1], [1, 2, 1], [1, 2, 1]]
    management = json.loads((tmp_path / "123456789012.json").read_text())
    assert management["ServiceControlPolicies"] == []  # SCPs never restrict the management account
    assert all(op.split(":", 1)[1].startswith(("Get", "List", "Describe")) for op in org.operations)


def test_a_failing_account_is_recorded_and_the_others_go_on(org, tmp_path, monkeypatch):
    from glue_iam_kit.errors import CouldNotCheck
    from glue_iam_kit.sources import members

    victim = _members(org)[0]
    real = members.open_member_target

    def refuse(account_id, *args, **kwargs):
        if account_id == victim:
            raise CouldNotCheck(f"cannot assume arn:aws:iam::{account_id}:role/R: AccessDenied on sts:AssumeRole")
        return real(account_id, *args, **kwargs)

    monkeypatch.setattr(members, "open_member_target", refuse)
    result = collect_org(org, str(tmp_path), "OrganizationAccountAccessRole", progress=False)
    failed = {f["account_id"]: f["reason"] for f in result["failures"]}
    assert "AccessDenied on sts:AssumeRole" in failed[victim] and len(result["written"]) == 3
    monkeypatch.setattr(members, "open_member_target", real)
    again = collect_org(org, str(tmp_path), "OrganizationAccountAccessRole", progress=False)  # resumes
    assert again["written"] == [victim] and len(again["skipped"]) == 3
    assert collect_org(org, str(tmp_path), "OrganizationAccountAccessRole", progress=False, refresh=True)[
        "skipped"] == []


def _members(org) -> list[str]:
    return sorted(a["Id"] for a in org.paginate("organizations", "list_accounts", "Accounts")
                  if a["Status"] == "ACTIVE" and a["Id"] != "123456789012")


def test_an_accounts_file_limits_the_sweep(org, tmp_path):
    member = _members(org)[0]
    (tmp_path / "accounts.txt").write_text(f"# one member\n{member}\n")
    result = collect_org(org, str(tmp_path / "out"), "OrganizationAccountAccessRole",
                         str(tmp_path / "accounts.txt"), progress=False)
    assert result["written"] == [member] and result["failures"] == []


@pytest.mark.parametrize("text,error", [("12345\n", "not twelve-digit"), ("", None), ('["111122223333"]', None)])
def test_account_lists_are_checked(tmp_path, text, error):
    path = tmp_path / "a.txt"
    path.write_text(text)
    if error:
        with pytest.raises(KitError, match=error):
            read_account_list(str(path))
    else:
        assert read_account_list(str(path)) in ([], ["111122223333"])


def test_the_cli(tmp_path, capsys):
    assert main(["org", "snapshot", "--sandbox-org", "--out", str(tmp_path), "--no-events", "-q"]) == 0
    out = capsys.readouterr()
    assert "4 account(s) written" in out.out and "account is suspended" in out.err
    with pytest.raises(SystemExit, match="name it with one of"):
        main(["org", "snapshot", "--out", str(tmp_path)])


def test_on_an_existing_scheduler_the_workers_use_their_own_credentials(org, tmp_path):
    """With --scheduler no credentials are shipped: each worker assumes the member role with its own chain."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        result = collect_org(org, str(tmp_path), "OrganizationAccountAccessRole",
                             scheduler=cluster.scheduler_address, progress=False)
    assert len(result["written"]) == 4


def test_org_matrix_reads_what_org_snapshot_wrote(org, tmp_path):
    from glue_iam_kit.org.matrix import org_matrix, read_org_dataset
    from glue_iam_kit.org.summary import unpassable_frame

    collect_org(org, str(tmp_path / "snaps"), "OrganizationAccountAccessRole", progress=False)
    result = org_matrix(str(tmp_path / "snaps"), str(tmp_path / "ds"), "glue.amazonaws.com", progress=False,
                        processes=False, workers=2)
    assert len(result["written"]) == 4 and result["failures"] == []
    assert not read_org_dataset(tmp_path / "ds").empty
    # the seed incident's and the crawler scenario's runtime roles: nobody in their accounts can pass them
    assert len(unpassable_frame(result["summaries"])) >= 2
