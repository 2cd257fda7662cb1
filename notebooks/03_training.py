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
# # Practise the procedure on a sandbox scenario
#
# Walk the first steps and read the evidence. **Before the simulation**, record what you think the verdict is
# and which policy decides it (`predicted_verdict`, `predicted_policy` in the parameters, or edit the cell
# below), and, if you like, whether the fix's security review will find escalation (`predicted_escalation`). The kit then runs the simulation and grades your prediction. Scenarios: `glue-iam-kit scenarios`.

# %% tags=["parameters"]
scenario: str = "seed-incident"  # the scenario to practise on
predicted_verdict: str = ""  # your prediction: wrong-account, role-not-found, job-uses-other-role, trust-missing-service, explicit-deny, no-allow, allowed or evidence-disagrees
predicted_policy: str = ""  # the policy you think decides (e.g. RequireMFA); empty: not graded
predicted_escalation: str = ""  # yes or no: will the fix's security review find escalation (the role may do what the principal may not)? empty: not graded

# %%
from glue_iam_kit.account import open_investigation
from glue_iam_kit.jupyter.training import grade, record_prediction

inv = open_investigation("sandbox", scenario=scenario)
inv.step("failure")

# %% [markdown]
# ## 1. The account

# %%
inv.step("account")

# %% [markdown]
# ## 2. The user's own policies

# %%
inv.step("user-policies")

# %% [markdown]
# ## 3. Groups and their policies

# %%
inv.step("groups")

# %% [markdown]
# ## 4. The role's trust policy

# %%
inv.step("trust")

# %% [markdown]
# ## 5. The job's role

# %%
inv.step("job")

# %% [markdown]
# ## Your prediction
# What will the simulation say, and which policy decides it? Record it before you read on.

# %%
record_prediction(inv, predicted_verdict, predicted_policy, predicted_escalation)

# %% [markdown]
# ## 6–9. Simulate, find the restriction, the nearest allow and the fix, verify

# %%
inv.step("simulate")

# %%
inv.step("explicit-deny")

# %%
inv.step("implicit-deny")

# %%
inv.step("verify")

# %%
inv.step("verdict")

# %% [markdown]
# ## How did you do?

# %%
grade(inv)

# %%
inv.finish()
