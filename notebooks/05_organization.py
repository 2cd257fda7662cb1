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
# # Organisation: which accounts to look at first
#
# `iam:PassRole` is account-local, but the questions platform and security teams ask are org-wide: who can pass
# which role to Glue, which grants are over-broad, which runtime roles nobody can pass (deploys that will fail).
# This notebook reads the dataset `glue-iam-kit org matrix` wrote (one Parquet partition per account, plus a
# summary per account) — nothing here calls AWS:
#
# ```sh
# glue-iam-kit org snapshot --profile mgmt --out snaps/
# glue-iam-kit org matrix --snapshots snaps/ --out org-matrix/
# ```

# %% tags=["parameters"]
dataset: str = ""  # the dataset `glue-iam-kit org matrix --out DATASET` wrote; empty: a small synthetic organisation, computed here
top: int = 15  # how many rows of each table to show

# %%
import json
from pathlib import Path

from glue_iam_kit.org.matrix import FAILURES, open_org_dataset, read_org_dataset, read_summaries
from glue_iam_kit.org.summary import grants_frame, riskiest_accounts, unpassable_frame

path = open_org_dataset(dataset)
summaries = read_summaries(path)
failures = json.loads((Path(path) / FAILURES).read_text()) if (Path(path) / FAILURES).exists() else []
print(f"{len(summaries)} accounts in {path}; {len(failures)} not in it (org snapshot could not read them, or "
      "their matrix failed): the last rows of the table below, with the reason")

# %% [markdown]
# ## The riskiest accounts first
#
# Ranked by over-broad PassRole grants (`high`: on every role *and* to any service; `medium`: one of the two),
# then by Glue runtime roles that nobody can pass. Accounts that are not in the matrix follow, with their
# `status` and `reason`: their counts are unknown, not zero.

# %%
riskiest_accounts(summaries, failures, top)

# %% [markdown]
# ## Over-broad grants, across the organisation
#
# The fix is the same everywhere: name the roles, and add
# `"Condition": {"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}`.

# %%
grants_frame(summaries).head(top)

# %% [markdown]
# ## Runtime roles that nobody can pass
#
# A Glue job, crawler or session runs as each of these roles, but no principal of its account may pass it to
# Glue: the next deploy or edit of that resource fails with AccessDenied.

# %%
unpassable_frame(summaries).head(top)

# %% [markdown]
# ## Querying the rows
#
# The dataset is plain Parquet partitioned by `account_id` (pyarrow, pandas, DuckDB or Spark read it); only the
# columns a question needs are read. Decisions per account:

# %%
rows = read_org_dataset(path, columns=["account_id", "decision"])
rows.groupby(["account_id", "decision"]).size().unstack(fill_value=0).head(top)

# %%
failures[:top]
