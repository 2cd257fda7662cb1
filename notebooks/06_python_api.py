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
# # The Python API, a cookbook
#
# One question per cell, each answered by one call on the account object `glue_iam_kit.connect(...)` returns.
# Every answer is a pandas DataFrame with fixed columns (present when empty) or a result that shows itself.
# Read-only: nothing here writes to AWS. On a real account: `glue_iam_kit.connect(profile="prod-readonly",
# region="ap-northeast-1")`; offline: `glue_iam_kit.connect(snapshot="prod.json")`.

# %% tags=["parameters"]
scenario: str = "seed-incident"  # the sandbox scenario to explore (see `glue-iam-kit scenarios`)
user: str = "alice"  # the principal asking (a name, or a user or role ARN)
role: str = "etl-runtime"  # the Glue job's runtime role
job: str = "nightly"  # the Glue job

# %%
import glue_iam_kit

acct = glue_iam_kit.connect(sandbox=scenario, user=user, role=role, job=job)
acct

# %% [markdown]
# ## What do the principal's policies say, and where do they come from?

# %%
acct.policies(user)[["policy_name", "policy_type", "via", "statements"]]

# %% [markdown]
# ## Which groups is it in?

# %%
acct.groups(user)[["group_name", "policy_name", "attachment"]]

# %% [markdown]
# ## Which statements deny?

# %%
statements = acct.statements(user)
statements[statements.effect == "Deny"][["policy_name", "sid", "action", "condition"]]

# %% [markdown]
# ## Does the role trust Glue?

# %%
acct.trust(role)[["principal_type", "principal", "action", "effect"]]

# %% [markdown]
# ## Which role does the job run as?

# %%
acct.glue_resource("job", job)[["job_name", "role_name", "role_arn"]]

# %% [markdown]
# ## Would passing the role succeed with long-term keys (no MFA key in the request)?

# %%
acct.simulate(user, "iam:PassRole", role)

# %% [markdown]
# ## And from an MFA session?

# %%
with_mfa = acct.simulate(user, "iam:PassRole", role, mfa=True)
with_mfa.decision, with_mfa.frame[["policy", "statement", "why"]]

# %% [markdown]
# ## Who may pass this role to Glue?

# %%
acct.who_can_pass(role)[["principal", "decision", "statements"]]

# %% [markdown]
# ## Which roles may the principal pass?

# %%
acct.passable_roles(user)[["role", "decision"]]

# %% [markdown]
# ## Who can run code through Glue as a role that gives them more?
#
# The `glue-iam-kit escalation` command's routes, riskiest first (`principal`, `role`, `route`, `actions`,
# `admin`, `gains`, `gains_sample`, `mfa`). The seed incident has none: the columns are still there.

# %%
acct.escalation()

# %% [markdown]
# ## The whole investigation, in this kernel: verdicts and the fix

# %%
result = acct.investigate()
result

# %%
print(result.fix["forms"]["cli"])

# %% [markdown]
# ## The AWS CLI commands behind a step

# %%
print("\n".join(result.step("simulate").reproduce))

# %%
acct.close()
