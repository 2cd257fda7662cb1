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
# # Explore: why can (or can't) this principal pass this role?
#
# Choose a target (a sandbox scenario, an AWS profile, a snapshot file), then the principal, the role and the
# job. Change the request context — MFA absent (long-term keys), false or true; the source IP; the service the
# role is passed to — and watch the decision, the statement that decides it and why, the nearest allows, and the
# least-privilege fix. **Simulate with the fix** adds the proposed policy for a what-if. Nothing is changed in AWS.

# %% tags=["parameters"]
target: str = "sandbox"  # where to look: "sandbox", "aws" or "snapshot"
scenario: str = "seed-incident"  # sandbox: the scenario (see `glue-iam-kit scenarios`)
profile: str = ""  # aws: the AWS profile (read-only permissions suffice)
region: str = ""  # aws: the region; sandbox: overrides the scenario's
snapshot_path: str = ""  # snapshot: the file written by `glue-iam-kit snapshot`

# %%
from glue_iam_kit.jupyter.explorer import Explorer

explorer = Explorer(target=target, scenario=scenario, profile=profile, region=region, snapshot_path=snapshot_path)
explorer
