"""Read an AWS AccessDenied message (pasted from the console or the CLI) into its parts (pure).

Phrases from the IAM User Guide, "Troubleshoot access denied error messages":
``User: ARN is not authorized to perform: ACTION on resource: ARN because no identity-based policy allows the
ACTION action`` and its kin: ``no resource-based policy / permissions boundary / session policy / VPC endpoint
policy allows``, ``with an explicit deny in a service control policy / permissions boundary / identity-based
policy / resource-based policy / session(s) policy / VPC endpoint policy / the role trust policy``, optionally
followed by ``: POLICY-ARN``. Console and SDK prefixes (``updateJob: AccessDeniedException:``, ``An error
occurred (AccessDeniedException) when calling the UpdateJob operation:``) are skipped. SCP denials always say
"explicit deny", even when an SCP merely fails to allow.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from typing import Any

from glue_iam_kit.engine.marks import ident
from glue_iam_kit.errors import KitError

_ARN_TEXT = r"arn:[^\s\"'<>`]+"
_S3_ARN_TEXT = r"arn:[\w-]+:s3:::.*?(?=\s+(?:because|with)\s|$)"  # an object key may hold spaces
_MESSAGE = re.compile(
    r"User:\s*(?P<principal>" + _ARN_TEXT + r")\s+is\s+not\s+authorized\s+to\s+perform:\s*"
    r"(?P<action>[\w-]+:[\w*?-]+)"
    r"(?:\s+on\s+resource:\s*[\"']?(?P<resource>" + _S3_ARN_TEXT + "|" + _ARN_TEXT + r"|\S+)[\"']?)?"
    r"(?:\s+(?:because|with)\s+(?P<cause>.*))?",
    re.IGNORECASE | re.DOTALL,
)
# What SDKs, tools and wrappers put after the message: the cause ends before the first of these.
_TRAILERS = re.compile(
    r"\s*(?:\(Service:|\(RequestToken:|\bstatus code:\s*\d|\bStatusCode:\s*\d|\bRequestID:|\bRequest ID:"
    r"|\bwith aws_[\w.-]+|\bon \S+\.tf line|\bat \S+ \(|\bat [\w$.<>]+\(|\bcode: ['\"]|\bHandlerErrorCode)",
    re.IGNORECASE)
_ARN_END = ".,;:)\"'}]"
# Terraform names the Glue call by its verb and resource type ("updating Glue Job (nightly)").
_TERRAFORM_VERB = re.compile(r"\b(creating|updating|starting|deleting) Glue (Job|Crawler|Dev Endpoint|ML Transform|"
                             r"Session)\b", re.IGNORECASE)
_POLICY_TYPES = [  # (phrase, policy type) — longest first where they overlap
    ("service control policy", "scp"),
    ("resource control policy", "rcp"),
    ("permissions boundary", "boundary"),
    ("identity-based policy", "identity"),
    ("resource-based policy", "resource"),
    ("sessions policy", "session"),
    ("session policy", "session"),
    ("vpc endpoint policy", "vpc-endpoint"),
    ("role trust policy", "trust"),
]
# An S3 object key may hold spaces, quotes, "$" or any character: its ARN runs to the end of its line, or to the
# cause (" because ...", " with an explicit deny ...") or a tool's trailer, whichever comes first.
_S3_RESOURCE = re.compile(r"on\s+resource:\s*(?P<quote>[\"']?)(?P<arn>arn:[\w-]+:s3:::[^\n]*)", re.IGNORECASE)
_S3_END = re.compile(r"\s+(?:because\s|with\s+an\s+explicit\s+deny)", re.IGNORECASE)
_POLICY_ARN = re.compile(r":\s*(arn:[^\s]+)\s*$")


_POLICY_WORDS = {"identity": "an identity-based policy", "scp": "a service control policy",
                 "boundary": "a permissions boundary", "session": "a session policy",
                 "resource": "a resource-based policy", "vpc-endpoint": "a VPC endpoint policy", "unknown": "a policy"}


class ErrorTextError(KitError):
    """Text that is not an AccessDenied message the kit can read."""


@dataclass(frozen=True)
class AccessDenied:
    """The parts of an AccessDenied message."""

    principal: str
    action: str
    resource: str
    account: str
    kind: str  # explicit | implicit | unknown
    policy_type: str  # identity | resource | boundary | scp | session | vpc-endpoint | trust | rcp | unknown
    policy_arn: str
    operation: str  # the console/SDK operation when the prefix names it, e.g. updateJob / UpdateJob
    text: str

    @property
    def principal_name(self) -> str:
        return self.principal.rsplit("/", 1)[-1]

    @property
    def principal_type(self) -> str:
        resource = self.principal.split(":", 5)[-1]
        return resource.split("/", 1)[0] if "/" in resource else resource

    @property
    def role_name(self) -> str:
        """The role named by the resource, for an ``iam:PassRole`` message."""
        if ":role/" in self.resource:
            return self.resource.rsplit("/", 1)[-1]
        return ""

    def describe(self) -> str:
        if self.kind == "explicit":  # in AWS's own words ("an explicit deny in a service control policy")
            cause = "an explicit deny in " + _POLICY_WORDS.get(self.policy_type, f"a {self.policy_type} policy")
        elif self.kind == "implicit":
            cause = f"no {self.policy_type} policy allows it"
        else:
            cause = "no cause given"
        resource = ident("arn", self.resource) if self.resource else "(no resource)"
        return f"{ident('arn', self.principal)} may not {self.action} on {resource}: {cause}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def marked_problem(problem: str) -> str:
    """An :class:`ErrorTextError` message with the excerpt of the person's text it quotes marked as free text
    (an ARN as an ARN), for reports (:mod:`glue_iam_kit.engine.marks`)."""
    m = re.match(r"(the principal )(['\"])(.*)\2( in the error text.*)$", problem, re.DOTALL)
    if m:
        return m.group(1) + m.group(2) + ident("arn", m.group(3)) + m.group(2) + m.group(4)
    for sep in (", got ", "': "):
        head, found, tail = problem.rpartition(sep)
        if found and len(tail) >= 2 and tail[0] in "'\"" and tail[-1] == tail[0]:
            return head + found + tail[0] + ident("text", tail[1:-1]) + tail[0]
    return problem


def _operation(prefix: str) -> str:
    """The Glue (or other) operation the wrapper names: CLI/boto3 ("when calling the UpdateJob operation"), Go v2
    ("operation error Glue: UpdateJob"), the console ("updateJob: AccessDeniedException:"), Terraform
    ("updating Glue Job")."""
    for pattern in (r"when calling the (\w+) operation", r"operation error [\w ]+: (\w+)",
                    r"(\w+):\s*(?:AccessDenied\w*|\w+Exception)\s*:"):
        m = re.search(pattern, prefix)
        if m and m.group(1) not in ("Error", "error"):
            return m.group(1)
    m = _TERRAFORM_VERB.search(prefix)
    if m:
        verb = {"creating": "Create", "updating": "Update", "starting": "Start",
                "deleting": "Delete"}[m.group(1).lower()]
        noun = m.group(2).title().replace(" ", "")
        return verb + ("JobRun" if verb == "Start" and noun == "Job" else noun)
    return ""


def _message_from_json(text: str) -> str | None:
    """A JSON error body (``{"__type": "AccessDeniedException", "Message": "User: ..."}``, JS v3's serialised
    error, a CloudTrail record): its message; None when *text* holds no JSON object with one."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(text[start:text.rfind("}") + 1])
    except ValueError:
        return None
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("Message", "message", "errorMessage") and isinstance(value, str) and "User:" in value:
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    return found[0] if found else None


def _s3_resource(text: str) -> str:
    """The S3 ARN of the message, whole (spaces and all), from the text as it was given (not re-spaced)."""
    m = _S3_RESOURCE.search(text)
    if m is None:
        return ""
    arn = _TRAILERS.split(_S3_END.split(m.group("arn"), maxsplit=1)[0], maxsplit=1)[0].rstrip()
    if m.group("quote") and arn.endswith(m.group("quote")):
        arn = arn[:-1]
    return arn.rstrip(".,;") if arn.endswith((".", ",", ";")) and not _S3_END.search(m.group("arn")) else arn


# AWS error codes that are no authorization failure, named as they are (a custom code is not quoted: it may be a
# name of the person's own, and reports are anonymised).
_OTHER_CODES = re.compile(
    r"\b(Throttling(?:Exception)?|TooManyRequestsException|RequestLimitExceeded|SlowDown|ValidationException|"
    r"InvalidInputException|EntityNotFoundException|ResourceNotFoundException|NoSuchEntity|NoSuchKey|NoSuchBucket|"
    r"AlreadyExistsException|ConcurrentModificationException|LimitExceededException|ResourceNumberLimitExceeded"
    r"Exception|ExpiredToken(?:Exception)?|InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|"
    r"InternalServiceException|InternalFailure|ServiceUnavailable(?:Exception)?|OperationTimeoutException)\b")
# An authorization failure whose message names no principal, action or resource (S3's bare "Access Denied",
# EC2's encoded message, an STS refusal).
_DETAILLESS_DENIAL = re.compile(r"AccessDenied|UnauthorizedOperation|UnauthorizedAccess|\bAccess Denied\b|"
                                r"not authorized to perform", re.IGNORECASE)


def _what_it_is(flat: str) -> str:
    """Why *flat* (no 'User: arn:' in it) cannot be read: another error, a denial without details, or neither."""
    got = f", got {flat[:120]!r}"
    code = _OTHER_CODES.search(flat)
    if code:
        article = "an" if code.group(1)[0] in "AEIOU" else "a"
        return f"{article} {code.group(1)}, not an AccessDenied message"
    if _DETAILLESS_DENIAL.search(flat):
        return ("an access denial that names no principal, action or resource (S3's bare 'Access Denied' and "
                f"EC2's encoded message name none; aws sts decode-authorization-message decodes EC2's){got}")
    return ("not an AccessDenied message: expected 'User: ARN is not authorized to perform: ACTION on resource: "
            f"ARN because ...'{got}")


def parse_error_text(text: str) -> AccessDenied:
    """Parse *text*; raise :class:`ErrorTextError` with a clear message when it is not an AccessDenied message."""
    if not isinstance(text, str) or not text.strip():
        raise ErrorTextError("the error text is empty")
    from_json = _message_from_json(text) if '"User:' not in text or "{" in text.split("User:", 1)[0] else None
    flat = " ".join((from_json or text).split())
    if from_json:  # keep what precedes the JSON body: it may name the operation
        flat = " ".join(text[: text.find("{")].split()) + " " + flat
    start = re.search(r"User:\s*arn:", flat)
    if start is None:
        raise ErrorTextError(_what_it_is(flat))
    m = _MESSAGE.match(flat[start.start():])
    if m is None:
        raise ErrorTextError(
            f"not an AccessDenied message: found 'User: arn:...' but not 'is not authorized to perform: "
            f"ACTION': {flat[start.start():][:120]!r}")
    principal = m.group("principal").rstrip(_ARN_END)
    parts = principal.split(":")
    if len(parts) < 6 or not re.fullmatch(r"\d{12}", parts[4]):
        raise ErrorTextError(f"the principal {principal!r} in the error text is not an IAM ARN with an account id")
    cause = _TRAILERS.split(m.group("cause") or "", maxsplit=1)[0].strip().rstrip("\"'")
    policy_arn = ""
    am = _POLICY_ARN.search(cause)
    if am:
        policy_arn = am.group(1).rstrip(_ARN_END)
        cause = cause[: am.start()].strip()
    low = cause.lower()
    kind = "explicit" if "explicit deny" in low else ("implicit" if low.startswith("no ") else "unknown")
    policy_type = next((t for phrase, t in _POLICY_TYPES if phrase in low), "unknown")
    resource = (m.group("resource") or "").rstrip(_ARN_END)
    if re.match(r"arn:[\w-]+:s3:::", resource):
        resource = _s3_resource(from_json or text) or resource
    return AccessDenied(
        principal=principal, action=m.group("action"), resource=resource, account=parts[4], kind=kind,
        policy_type=policy_type, policy_arn=policy_arn, operation=_operation(flat[: start.start()]), text=text,
    )


# Where a tool names the Glue resource: Terraform's "updating Glue Job (NAME)" (the Glue name itself), its resource
# address "aws_glue_job.LOCAL" and CloudFormation's "LogicalId CREATE_FAILED AWS::Glue::Job" (names in the
# template, which may differ from the Glue name: hints, used when the target holds a resource of that name).
_TF_NAMED = re.compile(r"\b(?:creating|updating|starting|deleting) Glue (Job|Crawler|Dev Endpoint|ML Transform|"
                       r"Session) \(([^)\s]+)\)", re.IGNORECASE)
_TF_ADDRESS = re.compile(r"\baws_glue_(job|crawler|dev_endpoint|ml_transform|session)\.([\w-]+)")
_CFN_LOGICAL = re.compile(r"\b([A-Za-z0-9]+)\s+(?:CREATE|UPDATE)_FAILED\s+AWS::Glue::(Job|Crawler|DevEndpoint|"
                          r"MLTransform|Session)\b")
_CFN_TYPE = re.compile(r"\bAWS::Glue::(Job|Crawler|DevEndpoint|MLTransform|Session)\b")


@dataclass(frozen=True)
class NamedResource:
    """The Glue resource a tool's error names: its entry point (job, crawler, ...), a name, and whether the name
    is the Glue name (Terraform's) or a hint (a Terraform address's local name, a CloudFormation logical id)."""

    entry_point: str
    name: str
    exact: bool
    source: str  # how it was named, for the report


def _entry_point_word(word: str) -> str:
    w = re.sub(r"[^a-z]", "", word.lower())
    return {"devendpoint": "dev-endpoint", "mltransform": "ml-transform"}.get(w, w)


def named_resource(text: str) -> NamedResource | None:
    """The Glue resource *text* names (Terraform, CloudFormation), or None."""
    text = text or ""
    if m := _TF_NAMED.search(text):
        return NamedResource(_entry_point_word(m.group(1)), m.group(2), True, f"Terraform's {m.group(0)!r}")
    if m := _TF_ADDRESS.search(text):
        return NamedResource(_entry_point_word(m.group(1)), m.group(2), False,
                             f"the Terraform address {m.group(0)}")
    if m := _CFN_LOGICAL.search(text):
        return NamedResource(_entry_point_word(m.group(2)), m.group(1), False,
                             f"the CloudFormation logical id {m.group(1)}")
    if m := _CFN_TYPE.search(text):
        return NamedResource(_entry_point_word(m.group(1)), "", False, f"the CloudFormation type {m.group(0)}")
    return None

