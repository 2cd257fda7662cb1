"""The boto3 edge: with the sandbox, the only place boto3/botocore are imported. The ``aws`` target, and the
base of the ``sandbox`` target.

Every call goes through one client factory that
- counts calls per operation (the cost of an investigation, shown at the end of a run);
- refuses mutating operations unless the caller opted in with :meth:`AwsTarget.writable` (read-only by default);
- retries with botocore's standard (or adaptive) mode;
- turns AWS errors into the kit's clear errors: NotFoundError, CouldNotCheck (the investigator's own
  AccessDenied, throttling after retries, unreachable endpoint).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.parsers

from glue_iam_kit.engine.policy import load_document
from glue_iam_kit.errors import CouldNotCheck, KitError, MutatingCallBlocked, NotFoundError
from glue_iam_kit.sources.access_analyzer import fetch_policy_findings
from glue_iam_kit.sources.base import (
    EVENT_READER,
    GLUE_READER,
    IAM_READER,
    IDENTITY_CENTER_READER,
    ORGANIZATIONS_READER,
    POLICY_VALIDATOR,
    POLICY_WRITER,
    RESOURCE_POLICY_READER,
    SIMULATOR,
)
from glue_iam_kit.sources.cloudtrail import fetch_events
from glue_iam_kit.sources.glue_resources import GLUE_KINDS
from glue_iam_kit.sources.identity_center import fetch_permission_set
from glue_iam_kit.sources.organizations import fetch_scp_levels
from glue_iam_kit.sources.resource_policies import fetch_resource_policy

# Read-only operation prefixes. Simulate* only evaluates, Lookup* (CloudTrail's LookupEvents) only reads.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Simulate", "Lookup")
_NOT_FOUND = {"NoSuchEntity", "NoSuchEntityException", "EntityNotFoundException", "PolicyNotFoundException",
              "ResourceNotFoundException"}
_ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
                  "AccessDeniedForDependencyException"}
_THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
              "Rate exceeded"}


# AssumeRole changes nothing: it returns temporary credentials (the organisation sweep reads member accounts so).
# Access Analyzer's ValidatePolicy only checks the document it is given (the proposed fix).
READ_ONLY_OPERATIONS = frozenset({"AssumeRole", "ValidatePolicy"})


def is_read_only(operation: str) -> bool:
    """True for operations that only read (``GetRole``, ``ListGroupsForUser``, ``SimulatePrincipalPolicy``)."""
    return operation.startswith(READ_ONLY_PREFIXES) or operation in READ_ONLY_OPERATIONS


def make_session(
    profile: str | None = None,
    region: str | None = None,
    credentials: tuple[str, str, str | None] | None = None,
) -> boto3.Session:
    """A boto3 Session; a missing profile is a clear :class:`KitError`, never a traceback."""
    try:
        if credentials is not None:
            key, secret, token = credentials
            return boto3.Session(aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                                 region_name=region)
        return boto3.Session(profile_name=profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise KitError(f"AWS profile {profile!r} not found in the AWS config files") from None


# An expired or missing IAM Identity Center (SSO) login, as botocore reports it.
_SSO_EXPIRED = tuple(getattr(botocore.exceptions, name) for name in
                     ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError", "SSOError")
                     if hasattr(botocore.exceptions, name))


def _describe(exc: Exception, service: str, operation: str) -> Exception:
    """Map a botocore exception to the kit's error for *service*:*operation*."""
    action = f"{service}:{operation}"
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code, message = str(err.get("Code", "")), str(err.get("Message", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in _NOT_FOUND:
            return NotFoundError("entity", message or code)
        # A 403 whose body cannot be read (moto answers JSON services in XML) is still AccessDenied.
        if code in _ACCESS_DENIED or (status and int(status) == 403 and not code.isalpha()):
            return CouldNotCheck(f"AccessDenied on {action} — grant it or use a snapshot", action)
        if code in _THROTTLED:
            return CouldNotCheck(f"throttled on {action} ({code}); retries exhausted — try again later", action)
        if status and int(status) >= 500:
            return CouldNotCheck(f"{action} failed on the AWS side (HTTP {status} {code}); retries exhausted",
                                 action)
        return CouldNotCheck(f"{action} failed: {code}: {message}", action)
    if isinstance(exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError):
        return KitError("no AWS credentials found in the default chain (environment, AWS_PROFILE, SSO, instance or "
                        "container role): pass --profile, or use --sandbox or --snapshot")
    if isinstance(exc, _SSO_EXPIRED):
        return KitError("the AWS SSO session has expired or was never started: run `aws sso login` (with the same "
                        "--profile), then try again")
    if isinstance(exc, botocore.exceptions.NoRegionError):
        return KitError("no AWS region: pass --region, or set one (AWS_REGION or the profile's region)")
    if isinstance(exc, botocore.exceptions.EndpointConnectionError | botocore.exceptions.ConnectionError):
        return CouldNotCheck(f"{action}: could not reach the endpoint ({exc}); retries exhausted", action)
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return CouldNotCheck(f"{action}: {exc}", action)
    if isinstance(exc, botocore.parsers.ResponseParserError):
        # e.g. an endpoint that does not implement the operation answering with an HTML error page
        return CouldNotCheck(f"{action}: the endpoint's answer is not an AWS response (not implemented there?)",
                             action)
    if isinstance(exc, NotImplementedError):
        return CouldNotCheck(f"{action} is not implemented by this target", action)
    return exc


class AwsTarget:
    """A target backed by a boto3 Session: a real account (``aws``); the sandbox subclasses it."""

    capabilities = frozenset({IAM_READER, GLUE_READER, ORGANIZATIONS_READER, SIMULATOR, POLICY_WRITER,
                              IDENTITY_CENTER_READER, EVENT_READER, RESOURCE_POLICY_READER, POLICY_VALIDATOR})

    def __init__(
        self,
        session: boto3.Session,
        *,
        kind: str = "aws",
        region: str | None = None,
        endpoint_url: str | None = None,
        retry_mode: str = "standard",
        max_attempts: int = 5,
        profile: str | None = None,
    ) -> None:
        self.session = session
        self.kind = kind
        self.profile = profile
        self.region = region or session.region_name
        self.endpoint_url = endpoint_url
        self.calls: Counter[str] = Counter()
        self.operations: list[str] = []  # every operation in order, for the read-only proof
        self._writable = False
        self._clients: dict[str, Any] = {}
        self._config = botocore.config.Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            user_agent_extra="glue-iam-kit",
            connect_timeout=10,
            read_timeout=30,
        )
        self._closers: list[Callable[[], None]] = []

    # -- plumbing -------------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A cached client with the call counter and the read-only guard attached."""
        if service not in self._clients:
            client = self.session.client(service, region_name=self.region, endpoint_url=self.endpoint_url,
                                         config=self._config)
            client.meta.events.register("before-call", self._before_call)
            self._clients[service] = client
        return self._clients[service]

    def _before_call(self, model: Any, **_: Any) -> None:
        op = f"{model.service_model.service_name}:{model.name}"
        if not is_read_only(model.name) and not self._writable:
            raise MutatingCallBlocked(
                f"refused {op}: the investigation is read-only; applying a fix needs an explicit opt-in"
            )
        self.calls[op] += 1
        self.operations.append(op)

    @contextlib.contextmanager
    def writable(self) -> Iterator[None]:
        """Allow mutating calls inside this block only (``apply_fix``)."""
        self._writable = True
        try:
            yield
        finally:
            self._writable = False

    def call(self, service: str, operation: str, **params: Any) -> dict[str, Any]:
        """One API call (``operation`` in snake_case), errors mapped to the kit's."""
        try:
            return getattr(self.client(service), operation)(**params)
        except MutatingCallBlocked:
            raise
        except Exception as exc:
            mapped = _describe(exc, service, self._operation_name(service, operation))
            if mapped is exc:
                raise
            raise mapped from None

    def paginate(self, service: str, operation: str, key: str, **params: Any) -> list[Any]:
        """All items of a paginated list call."""
        client = self.client(service)
        try:
            items: list[Any] = []
            for page in client.get_paginator(operation).paginate(**params):
                items.extend(page.get(key, []))
            return items
        except Exception as exc:
            mapped = _describe(exc, service, self._operation_name(service, operation))
            if mapped is exc:
                raise
            raise mapped from None

    def _operation_name(self, service: str, method: str) -> str:
        """The API's own operation name (``get_ml_transforms`` -> ``GetMLTransforms``): the action to grant."""
        return self.client(service).meta.method_to_api_mapping.get(method) or _camel(method)

    def close(self) -> None:
        for closer in reversed(self._closers):
            closer()
        self._closers.clear()

    def on_close(self, closer: Callable[[], None]) -> None:
        self._closers.append(closer)

    def __enter__(self) -> AwsTarget:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subject_defaults(self) -> dict[str, str]:
        """A real account has no default subject: the caller names it."""
        return {}

    # -- reads: the one interface all targets share -----------------------------------------------------
    def caller_identity(self) -> dict[str, str]:
        r = self.call("sts", "get_caller_identity")
        return {"Account": r["Account"], "Arn": r["Arn"], "UserId": r["UserId"]}

    def get_user(self, name: str) -> dict[str, Any]:
        try:
            return self.call("iam", "get_user", UserName=name)["User"]
        except NotFoundError:
            raise NotFoundError("user", name, self.where) from None

    def list_attached_user_policies(self, name: str) -> list[dict[str, str]]:
        return self.paginate("iam", "list_attached_user_policies", "AttachedPolicies", UserName=name)

    def list_user_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        names = self.paginate("iam", "list_user_policies", "PolicyNames", UserName=name)
        return [(n, load_document(self.call("iam", "get_user_policy", UserName=name, PolicyName=n)["PolicyDocument"],
                                  n)) for n in names]

    def list_groups_for_user(self, name: str) -> list[dict[str, Any]]:
        return self.paginate("iam", "list_groups_for_user", "Groups", UserName=name)

    def list_attached_group_policies(self, name: str) -> list[dict[str, str]]:
        return self.paginate("iam", "list_attached_group_policies", "AttachedPolicies", GroupName=name)

    def list_group_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        names = self.paginate("iam", "list_group_policies", "PolicyNames", GroupName=name)
        return [(n, load_document(self.call("iam", "get_group_policy", GroupName=name, PolicyName=n)["PolicyDocument"],
                                  n)) for n in names]

    def get_managed_policy(self, arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(policy metadata, default-version document)."""
        meta = self.call("iam", "get_policy", PolicyArn=arn)["Policy"]
        version = self.call("iam", "get_policy_version", PolicyArn=arn, VersionId=meta["DefaultVersionId"])
        return meta, load_document(version["PolicyVersion"]["Document"], meta.get("PolicyName", arn))

    def get_role(self, name: str) -> dict[str, Any]:
        try:
            role = self.call("iam", "get_role", RoleName=name)["Role"]
        except NotFoundError:
            raise NotFoundError("role", name, self.where) from None
        if "AssumeRolePolicyDocument" in role:
            role["AssumeRolePolicyDocument"] = load_document(role["AssumeRolePolicyDocument"], f"{name} trust policy")
        return role

    def list_attached_role_policies(self, name: str) -> list[dict[str, str]]:
        return self.paginate("iam", "list_attached_role_policies", "AttachedPolicies", RoleName=name)

    def list_role_inline_policies(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        names = self.paginate("iam", "list_role_policies", "PolicyNames", RoleName=name)
        return [(n, load_document(self.call("iam", "get_role_policy", RoleName=name, PolicyName=n)["PolicyDocument"],
                                  n)) for n in names]

    def get_job(self, name: str) -> dict[str, Any]:
        return self.get_glue_resource("job", name)

    def list_jobs(self) -> list[dict[str, Any]]:
        return self.list_glue_resources("job")

    def get_glue_resource(self, kind: str, name: str) -> dict[str, Any]:
        """A Glue job, crawler, interactive session, dev endpoint or ML transform, as Glue's Get* returns it."""
        k = GLUE_KINDS[kind]
        if not k.name_param:  # found by name in the listing
            for item in self.list_glue_resources(kind):
                if item.get(k.name_field) == name:
                    return item
            raise NotFoundError(f"Glue {kind}", name, self.where)
        try:
            return self.call("glue", k.get, **{k.name_param: name})[k.item]
        except NotFoundError:
            raise NotFoundError(f"Glue {kind}", name, self.where) from None

    def list_glue_resources(self, kind: str) -> list[dict[str, Any]]:
        k = GLUE_KINDS[kind]
        if self.client("glue").can_paginate(k.list_op):
            return self.paginate("glue", k.list_op, k.list_key)
        items: list[Any] = []  # botocore has no paginator for some (GetMLTransforms): follow NextToken
        token: str | None = None
        while True:
            page = self.call("glue", k.list_op, **({"NextToken": token} if token else {}))
            items.extend(page.get(k.list_key, []))
            token = page.get("NextToken")
            if not token:
                return items

    def service_control_policies(self, account: str | None = None) -> list[list[tuple[str, dict[str, Any]]]]:
        """SCP levels that apply to *account* (default: the caller's), root first, account last."""
        return fetch_scp_levels(self, account)

    def authorization_details(self, aws_managed: bool = True) -> dict[str, list[Any]]:
        """``get-account-authorization-details``, all pages merged; without AWS managed policies when not needed
        (there are over a thousand)."""
        merged: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                                         "Policies": []}
        client = self.client("iam")
        params: dict[str, Any] = {}
        if not aws_managed:
            params["Filter"] = ["User", "Role", "Group", "LocalManagedPolicy"]
        try:
            for page in client.get_paginator("get_account_authorization_details").paginate(**params):
                for key in merged:
                    merged[key].extend(page.get(key, []))
        except Exception as exc:
            mapped = _describe(exc, "iam", "GetAccountAuthorizationDetails")
            if mapped is exc:
                raise
            raise mapped from None
        return merged

    def find_permission_set(self, name: str) -> dict[str, Any]:
        """The Identity Center permission set *name* (see :func:`~glue_iam_kit.sources.identity_center.
        fetch_permission_set`)."""
        return fetch_permission_set(self, name)

    def cloudtrail_events(self, since: Any) -> list[dict[str, Any]]:
        """Glue and IAM events of the last *since* (see :mod:`glue_iam_kit.sources.cloudtrail`)."""
        return fetch_events(self, since)

    def get_resource_policy(self, kind: str, arn: str, name: str) -> dict[str, Any] | None:
        return fetch_resource_policy(self, kind, arn, name)

    def simulate_principal_policy(self, **params: Any) -> list[dict[str, Any]]:
        """``SimulatePrincipalPolicy``, all pages; the AWS authority on a real account."""
        return self.paginate("iam", "simulate_principal_policy", "EvaluationResults", **params)

    def validate_policy(self, document: dict[str, Any]) -> list[dict[str, str]]:
        """Access Analyzer's ValidatePolicy findings on an identity policy (see :mod:`.access_analyzer`)."""
        return fetch_policy_findings(self, document)

    # -- writes: only inside writable() ----------------------------------------------------------------
    def put_inline_policy(self, principal_type: str, principal: str, policy_name: str, document: str) -> None:
        """Put an inline policy on a user, group or role (``apply_fix`` only)."""
        op = {"user": ("put_user_policy", "UserName"), "group": ("put_group_policy", "GroupName"),
              "role": ("put_role_policy", "RoleName")}[principal_type]
        self.call("iam", op[0], **{op[1]: principal, "PolicyName": policy_name, "PolicyDocument": document})

    @property
    def where(self) -> str:
        return f"the {self.kind} target"


def _camel(snake: str) -> str:  # the fallback when the client does not know the method
    return "".join(part.title() for part in snake.split("_"))
