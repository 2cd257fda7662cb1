"""One rule for what is AWS's (pure): the names that are the lesson and stay in an anonymised report.

The anonymiser (:mod:`glue_iam_kit.reports.anonymise`) and the survivor check
(:mod:`glue_iam_kit.reports.survivors`) both ask :func:`is_aws_owned`, so a name one keeps the other never
calls a survivor. AWS's: AWS managed policy names (the well-known ones below and every ``arn:aws:iam::aws:policy/``
the investigation saw, ``identifiers["aws_policies"]``), the predefined IAM Identity Center permission sets
(named after AWS managed policies), service principals, the Glue conventions the managed policies grant
(``AWSGlueServiceRole*``), service-linked role names and ``OrganizationAccountAccessRole``. In
``AWSReservedSSO_<set>_<suffix>`` only the prefix is AWS's: the set is the customer's unless it is predefined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

AWS_OWNED_NAMES = frozenset({
    "OrganizationAccountAccessRole", "AWSGlueServiceRole", "AWSGlueServiceNotebookRole",
    "AWSGlueServiceSageMakerNotebookRole", "AWSReservedSSO_", "GlueJobRunnerSession", "AwsSSOInlinePolicy",
    # AWS managed policies the kit names, and the job-function policies Identity Center's predefined permission
    # sets are named after (IAM Identity Center User Guide, "Predefined permissions for AWS managed policies").
    "AWSGlueConsoleFullAccess", "AWSGlueConsoleSageMakerNotebookFullAccess", "AWSGlueSchemaRegistryFullAccess",
    "AWSGlueDataBrewServiceRole", "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "IAMFullAccess",
    "IAMReadOnlyAccess", "AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "ViewOnlyAccess",
    "SecurityAudit", "Billing", "DatabaseAdministrator", "DataScientist", "NetworkAdministrator",
    "SystemAdministrator", "SupportUser", "AWSSupportAccess", "AWSOrganizationsFullAccess",
    "AWSOrganizationsReadOnlyAccess", "AWSCloudTrail_ReadOnlyAccess", "AWSKeyManagementServicePowerUser",
})
AWS_OWNED_PREFIXES = ("AWSServiceRoleFor",)
SERVICE_PRINCIPAL = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?")
_SSO_ROLE = re.compile(r"^AWSReservedSSO_(.+)_([0-9a-f]{16})$")
# Condition values that are AWS's vocabulary, not the customer's: booleans, small numbers, dates, regions,
# policy variables, action names and bare wildcards.
_AWS_VALUE = re.compile(
    r"(?i:true|false)|\d{1,11}|\d{4}-\d\d-\d\d(?:T[\d:.]+Z?)?|(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov)?-(?:north|south|east|west|central)(?:east|west)?-\d|\$\{[\w:/-]+\}"
    r"|[a-z0-9-]+:[A-Za-z*?][\w*?]*|[*?]+"
    # aws:PrincipalType and CloudTrail's userIdentity.type
    r"|User|AssumedRole|FederatedUser|Account|Anonymous|AWSService|IAMUser|Root|SAMLUser|WebIdentityUser"
    r"|AWSAccount|IdentityCenterUser")


def sso_role_parts(name: str) -> tuple[str, str] | None:
    """(permission set, suffix) of an IAM Identity Center role name ``AWSReservedSSO_<set>_<suffix>``."""
    m = _SSO_ROLE.match(name)
    return (m.group(1), m.group(2)) if m else None


def aws_policy_names(identifiers: dict[str, Any] | None) -> frozenset[str]:
    """The AWS managed policy names the investigation saw (``identifiers["aws_policies"]``)."""
    return frozenset((identifiers or {}).get("aws_policies") or ())


def is_aws_operation(name: str) -> bool:
    """Whether *name* is an AWS API operation (``UpdateJob``; the console's ``updateJob``) in botocore's service
    models: what a pasted error's wrapper calls the operation, kept only when it is AWS's (a log prefix such as
    ``carol_deploy: AccessDeniedException:`` is the customer's)."""
    from glue_iam_kit.sources.service_models import is_operation

    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name or "")) and is_operation(name)


def is_aws_owned(value: str, kind: str = "", seen: Iterable[str] = ()) -> bool:
    """Whether *value* (an identifier of *kind*, see :data:`glue_iam_kit.engine.marks.KINDS`) is AWS's and
    stays as it is. *seen*: AWS managed policy names the investigation saw."""
    if not value:
        return True
    if value in AWS_OWNED_NAMES or value.startswith(AWS_OWNED_PREFIXES) or value in seen:
        return True
    if SERVICE_PRINCIPAL.fullmatch(value) or value.startswith("arn:aws:iam::aws:policy/"):
        return True
    return kind in ("value", "tag") and bool(_AWS_VALUE.fullmatch(value))
