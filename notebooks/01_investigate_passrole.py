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
# # Investigate an `iam:PassRole` AccessDenied on a Glue job
#
# A Glue job cannot be saved or run: the person (or pipeline) may not pass the job's runtime role to Glue.
# Having `glue:*` or `AWSGlueConsoleFullAccess` is not enough: that policy only covers roles named
# `AWSGlueServiceRole*`, and `iam:PassRole` is a separate permission, scoped by `iam:PassedToService`.
#
# This notebook walks the procedure step by step; each section says why the step matters, makes one call into
# `glue_iam_kit`, and shows one finding (`ok` / `problem` / `could not check`) with its evidence. It is
# **read-only** unless `apply_fix = True`. Run it from JupyterLab, with papermill, or with
# `glue-iam-kit investigate`, which also writes the anonymised reports.

# %% tags=["parameters"]
target: str = "sandbox"  # where to look: "sandbox" (moto, no AWS), "aws" (a real account), "snapshot" (offline file)
scenario: str = "seed-incident"  # sandbox: the scenario to build (see `glue-iam-kit scenarios`)
profile: str = ""  # aws: the AWS profile to read with (read-only permissions suffice)
region: str = ""  # aws: the region of the Glue job; sandbox: overrides the scenario's region
snapshot_path: str = ""  # snapshot: the file written by `glue-iam-kit snapshot`
user: str = ""  # the IAM user (name or ARN) that was denied; empty: read from error_text or the scenario
job: str = ""  # the Glue job name; empty: the scenario's
entry_point: str = ""  # the Glue resource that passes the role: job, crawler, session, dev-endpoint or ml-transform; empty: from the error's operation, else job
resource: str = ""  # the crawler, session, dev endpoint or ML transform name (a job's is job)
role: str = ""  # the runtime role (name or ARN); empty: read from error_text, else the job's role
service: str = "glue.amazonaws.com"  # the service the role is passed to (iam:PassedToService)
error_text: str = ""  # the console/CLI error, pasted verbatim; empty: the scenario's
event_id: str = ""  # a CloudTrail event id (`glue-iam-kit denials`): its message, principal and real request context (MFA, source IP) are investigated
apply_fix: bool = False  # True: put the proposed policy, read it back and re-simulate (never on a snapshot)
account_id: str = ""  # sandbox: the account id to build; empty: the scenario's
scenario_params: dict = {}  # sandbox: more scenario names, e.g. {"glue_group": "GlueUsers", "dev_group": "Devs"}
endpoint_url: str = ""  # aws: a custom endpoint (tests use a local moto server); empty: AWS

# %%
from glue_iam_kit.account import open_investigation
from glue_iam_kit.jupyter.params import INVESTIGATION, from_namespace

inv = open_investigation(**from_namespace(INVESTIGATION, globals()))
inv.step("failure")

# %% [markdown]
# ## 1. Confirm the account
# Every IAM read below is only meaningful in the account where the error happened. A CLI profile that points at
# another account (staging instead of production) makes every later finding wrong, so compare the STS caller
# identity with the account in the error first.

# %%
inv.step("account")

# %% [markdown]
# ## 2. The user's own policies
# Policies attached to the user directly, managed and inline. Often there are none: permissions come from groups.

# %%
inv.step("user-policies")

# %% [markdown]
# ## 3. Groups and their policies
# Most people get Glue access through a group. Which group carries `AWSGlueConsoleFullAccess`, and which carries
# restrictions (an MFA-enforcement policy, a source-IP policy), narrows down where an allow should come from.

# %%
inv.step("groups")

# %% [markdown]
# ## 4. The role's trust policy trusts the service
# Even a user who may pass the role gets nowhere if Glue may not assume it: the trust policy must name
# `glue.amazonaws.com`. This also confirms the role exists.

# %%
inv.step("trust")

# %% [markdown]
# ## 5. The Glue job really uses that role
# The console error names a role; the job's configuration names a role. If they differ, the investigation is
# about the wrong role (an edit in progress, or the wrong job).

# %%
inv.step("job")

# %% [markdown]
# ## 6. Simulate `iam:PassRole` with `iam:PassedToService`
# The simulation tells three causes apart: `explicitDeny` (a restricting policy), `implicitDeny` (no statement
# allows this role), `allowed`. It uses the requester's real context first: calls signed with long-term access
# keys carry no `aws:MultiFactorAuthPresent` at all. On a real account AWS's simulator decides and the local
# evaluator explains; on the sandbox and a snapshot the local evaluator decides.

# %%
inv.step("simulate")

# %% [markdown]
# ## 7. Explicit deny: find the restriction
# No allow can override an explicit deny. Name the restricting policy (MFA, source IP, SCP, permissions
# boundary) and what satisfies it; then simulate again with it satisfied, to see what lies underneath.

# %%
inv.step("explicit-deny")

# %% [markdown]
# ## 8. Implicit deny: the nearest allow and the least-privilege fix
# Find the Allow statements that *almost* matched and why they missed, then propose the smallest grant:
# `iam:PassRole` on exactly this role ARN, only to this service, where it fits (the group that already grants
# Glue access). A what-if simulation shows it allows this and nothing next to it.

# %%
inv.step("implicit-deny")

# %% [markdown]
# ## 9. Verify the fix by simulation, before and after
# Simulating is more reliable than asking the user to retry in the console. With `apply_fix = True` the fix is
# printed, put, read back and simulated again.

# %%
inv.step("verify", apply_fix=apply_fix)

# %% [markdown]
# ## Verdict

# %%
inv.step("verdict")

# %% [markdown]
# ## Cost of this investigation
# The AWS API calls made, per operation (all read-only unless a fix was applied).

# %%
inv.finish()
