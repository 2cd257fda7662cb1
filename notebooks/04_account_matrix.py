# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Account matrix: who can pass which role?
#
# One incident asks why one user cannot pass one role. This notebook asks the account-wide questions from a
# snapshot (`glue-iam-kit snapshot --out FILE`): for every user and role principal × every role, may it pass
# the role to the service (identity policies, permissions boundaries, SCPs and explicit denies, as the local
# evaluator decides)? Then: the riskiest grants first, a picture, per role and per principal. Read-only; offline.
# The same matrix as a file: `glue-iam-kit matrix --snapshot FILE --out matrix.parquet`.

# %% tags=["parameters"]
snapshot_path: str = ""  # the snapshot file (`glue-iam-kit snapshot --out FILE`); empty: a small synthetic account
service: str = "glue.amazonaws.com"  # the service the roles are passed to (iam:PassedToService)
mfa: str = "absent"  # aws:MultiFactorAuthPresent: absent (long-term access keys), present (MFA session) or false
top: int = 15  # how many rows of each table to show
out_path: str = ""  # also write every pair to FILE.parquet or FILE.csv; empty: do not write

# %%
import time

from glue_iam_kit.matrix import compute_matrix, open_matrix_snapshot
from glue_iam_kit.matrix.summary import (find_overbroad_grants, plot_heatmap, render_matrix_overview,
                                         summarise_principals, summarise_roles)

started = time.perf_counter()
target = open_matrix_snapshot(snapshot_path)
matrix = compute_matrix(target, service, mfa, progress=True)
print(render_matrix_overview(matrix, time.perf_counter() - started))

# %% [markdown]
# ## Over-broad PassRole grants, riskiest first
#
# `high`: iam:PassRole on every role *and* to any service; `medium`: one of the two. IAM Access Analyzer's policy
# checks warn about both. `allowed_pairs` counts the (principal, role) pairs where the statement actually granted
# the service, after boundaries, SCPs and denies. The fix: name the roles, and add
# `"Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}`.

# %%
find_overbroad_grants(matrix).head(top)

# %% [markdown]
# ## The picture: principals × roles
#
# Each cell is the share of allowed pairs in a block of principals (rows) and roles (columns), the most able
# principals and the most passable roles first.

# %%
plot_heatmap(matrix);

# %% [markdown]
# ## Per role: how many principals can pass it, and to which services

# %%
summarise_roles(matrix).head(top)

# %% [markdown]
# ## Per principal: which roles it can pass

# %%
summarise_principals(matrix).head(top)

# %% [markdown]
# ## Escalation routes: who can run code, through Glue, as a role that gives them more
#
# Passing a role is only the start: `job`, `dev-endpoint` and `session` routes pass it (with the Glue calls that
# run code as it), `dev-endpoint-update` and `script` need no PassRole at all (an existing endpoint, a job's S3
# script). Only roles Glue may assume, and only roles that may do something the principal may not (`gains`);
# `admin`: the role may grant itself anything. Riskiest (admin) first. The same as
# `glue-iam-kit escalation --snapshot FILE` (its `--help` lists what each route needs).

# %%
from glue_iam_kit.matrix.escalation import EscalationAccount, escalation_frame

routes = escalation_frame(EscalationAccount(target, matrix.account).routes(progress=True))
print(f"{len(routes):,} routes, {int(routes.admin.sum()):,} to admin roles, "
      f"{routes.principal.nunique():,} principals")
routes.head(top)

# %%
if out_path:
    print(f"wrote {matrix.write(out_path, progress=True)}")
