"""What an organisation's matrices say: a small summary per account (computed beside its matrix, in the task)
and the org-wide tables made from them — the riskiest accounts first, every over-broad grant with its account,
the runtime roles of Glue resources that nobody can pass (the deploys that will fail). Pure: no AWS."""

from __future__ import annotations

from typing import Any

import numpy as np

from glue_iam_kit.engine.decision import ALLOWED
from glue_iam_kit.errors import CouldNotCheck, KitError
from glue_iam_kit.matrix.table import PassRoleMatrix
from glue_iam_kit.model import DECISIONS
from glue_iam_kit.sources.glue_resources import GLUE_KINDS

_ALLOWED = DECISIONS.index(ALLOWED)
_COUNTS = ["overbroad_high", "overbroad_medium", "principals_can_pass", "principals", "roles",
           "unpassable_runtime_roles", "allowed_pairs", "pairs"]
ACCOUNT_COLUMNS = ["account_id", *_COUNTS, "status", "reason"]
# status of an account row: computed, or why it is not in the matrix (its counts are then empty, not zero)
COMPUTED, NOT_SNAPSHOTTED, MATRIX_FAILED = "computed", "not snapshotted", "matrix failed"


def glue_runtime_roles(target: Any) -> dict[str, list[str]]:
    """Role (name or ARN, as stored) -> the Glue resources that run as it ("job nightly", "crawler sales")."""
    out: dict[str, list[str]] = {}
    for kind, k in GLUE_KINDS.items():
        try:
            items = target.list_glue_resources(kind)
        except (CouldNotCheck, KitError):
            continue
        for item in items:
            role = item.get("Role") or item.get("RoleArn")
            if role:
                out.setdefault(role, []).append(f"{kind} {item.get(k.name_field, '?')}")
    return out


def summarise_account(matrix: PassRoleMatrix, target: Any) -> dict[str, Any]:
    """One account's summary (JSON-ready): decisions, over-broad grants, who can pass roles to the service, and
    the Glue runtime roles nobody can pass."""
    from glue_iam_kit.matrix.summary import find_overbroad_grants

    sizes = matrix.account.group_sizes
    allowed = matrix.decision == _ALLOWED
    per_role = sizes @ allowed
    by_name = {arn.rsplit("/", 1)[-1]: i for i, arn in enumerate(matrix.roles)}
    by_arn = {arn: i for i, arn in enumerate(matrix.roles)}
    unpassable = []
    for role, users in sorted(glue_runtime_roles(target).items()):
        i = by_arn.get(role, by_name.get(role.rsplit("/", 1)[-1]))
        if i is None or not per_role[i]:
            unpassable.append({"role": matrix.roles[i] if i is not None else role, "used_by": users,
                               "why": "nobody can pass it" if i is not None else "the role does not exist"})
    grants = find_overbroad_grants(matrix)
    return {
        "service": matrix.service, "mfa": matrix.mfa, "principals": len(matrix.principals),
        "roles": len(matrix.roles), "pairs": matrix.pairs, "decisions": matrix.decision_counts(),
        "principals_can_pass": int(sizes[allowed.any(axis=1)].sum()),
        "overbroad_grants": json_records(grants), "unpassable_runtime_roles": unpassable,
        "problems": matrix.problems[:20],
    }


def json_records(frame: Any) -> list[dict[str, Any]]:
    """A DataFrame's rows as plain JSON values (numpy integers become ints)."""
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
            for row in frame.to_dict(orient="records")]


def accounts_frame(summaries: list[dict[str, Any]], failures: list[dict[str, Any]] | None = None) -> Any:
    """One row per account, riskiest first: high over-broad grants, then medium, then roles nobody can pass; then
    every account of *failures* (``_failures.json``: org snapshot could not read it, or its matrix failed) with its
    status and reason and empty counts, so the table counts every account."""
    import pandas as pd

    rows = []
    for s in summaries:
        severities = [g.get("severity") for g in s.get("overbroad_grants", [])]
        rows.append({"account_id": s["account_id"], "overbroad_high": severities.count("high"),
                     "overbroad_medium": severities.count("medium"),
                     "principals_can_pass": s.get("principals_can_pass", 0), "principals": s.get("principals", 0),
                     "roles": s.get("roles", 0),
                     "unpassable_runtime_roles": len(s.get("unpassable_runtime_roles", [])),
                     "allowed_pairs": (s.get("decisions") or {}).get(ALLOWED, 0), "pairs": s.get("pairs", 0),
                     "status": COMPUTED, "reason": ""})
    frame = pd.DataFrame(rows, columns=ACCOUNT_COLUMNS)
    frame = frame.sort_values(["overbroad_high", "overbroad_medium", "unpassable_runtime_roles", "account_id"],
                              ascending=[False, False, False, True], ignore_index=True)
    computed = set(frame["account_id"])
    missed = pd.DataFrame([{"account_id": f["account_id"], "reason": f.get("error") or f.get("reason") or "",
                            "status": NOT_SNAPSHOTTED if f.get("stage") == "snapshot" else MATRIX_FAILED}
                           for f in failures or [] if f["account_id"] not in computed], columns=ACCOUNT_COLUMNS)
    if missed.empty:
        return frame.astype({c: "Int64" for c in _COUNTS})
    missed = missed.sort_values("account_id", ignore_index=True)
    return pd.concat([frame.astype({c: "Int64" for c in _COUNTS}), missed.astype({c: "Int64" for c in _COUNTS})],
                     ignore_index=True)


def riskiest_accounts(summaries: list[dict[str, Any]], failures: list[dict[str, Any]] | None = None,
                      top: int = 15) -> Any:
    """The *top* riskiest computed accounts, then every account not computed, with its reason: never a table that
    looks complete when accounts are missing."""
    import pandas as pd

    frame = accounts_frame(summaries, failures)
    computed = frame["status"] == COMPUTED
    return pd.concat([frame[computed].head(top), frame[~computed]], ignore_index=True)


def grants_frame(summaries: list[dict[str, Any]]) -> Any:
    """Every over-broad grant of every account, riskiest first."""
    import pandas as pd

    rows = [{"account_id": s["account_id"], **g, "reasons": "; ".join(g.get("reasons") or [])}
            for s in summaries for g in s.get("overbroad_grants", [])]
    frame = pd.DataFrame(rows, columns=["account_id", "severity", "policy", "statement", "principals",
                                        "roles_selected", "passed_to_service", "allowed_pairs", "reasons"])
    order = frame["severity"].map({"high": 0, "medium": 1}).fillna(2)
    return frame.assign(_o=order).sort_values(["_o", "allowed_pairs", "account_id"], ascending=[True, False, True],
                                              ignore_index=True).drop(columns="_o")


def unpassable_frame(summaries: list[dict[str, Any]]) -> Any:
    """Runtime roles of Glue resources nobody can pass, per account (each a deploy that will fail)."""
    import pandas as pd

    rows = [{"account_id": s["account_id"], "role": u["role"], "used_by": ", ".join(u["used_by"]), "why": u["why"]}
            for s in summaries for u in s.get("unpassable_runtime_roles", [])]
    return pd.DataFrame(rows, columns=["account_id", "role", "used_by", "why"])


def write_org_summary(summaries: list[dict[str, Any]], folder: Any,
                      failures: list[dict[str, Any]] | None = None) -> list[str]:
    """accounts.csv (every account: *failures* too, with their reason), overbroad-grants.csv, unpassable-roles.csv
    into *folder*; the names written."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for name, frame in (("accounts.csv", accounts_frame(summaries, failures)),
                        ("overbroad-grants.csv", grants_frame(summaries)),
                        ("unpassable-roles.csv", unpassable_frame(summaries))):
        frame.to_csv(out / name, index=False)
        names.append(name)
    return names
