"""Free text is allow-listed, not scanned (pure): of a pasted error, the anonymised outputs keep only the
AccessDenied message the parser understood (:func:`glue_iam_kit.diagnosis.errortext.parse_error_text`), rebuilt
from its parsed fields, each anonymised by its type; everything else is replaced by a note of what was removed.
Of a CloudTrail user agent, only the ``name/version`` tokens of SDKs and tools stay.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from glue_iam_kit.diagnosis.errortext import ErrorTextError, parse_error_text
from glue_iam_kit.reports.aws_owned import is_aws_operation

# What the rest of a pasted error holds, by shape: said in the note, never shown.
_CONTEXTS = (
    ("a stack trace", re.compile(r"Traceback \(most recent call last\)|^\s+File \"|^\s+at \S", re.MULTILINE)),
    ("a file path", re.compile(r"(?:^|[\s\"'(])(?:/[\w.@~+-]+){2,}|[A-Za-z]:\\[\w\\.-]+"
                               r"|\S+\.(?:tf|py|js|ts|java|go|ya?ml)\b")),
    ("a Terraform context", re.compile(r"\bwith (?:module\.|aws_)[\w.\[\]\"-]+|\bon \S+\.tf line \d+", re.IGNORECASE)),
    ("a CloudFormation stack or logical id", re.compile(r"arn:aws[\w-]*:cloudformation:|LogicalResourceId|"
                                                        r"HandlerErrorCode|Resource handler returned|"
                                                        r"\bStack\b|CREATE_FAILED|UPDATE_FAILED")),
    ("a URL-encoded ARN", re.compile(r"arn%3A", re.IGNORECASE)),
    ("a request id", re.compile(r"Request ?ID", re.IGNORECASE)),
)
_PHRASES = {"scp": "a service control policy", "rcp": "a resource control policy", "boundary": "a permissions boundary",
            "identity": "an identity-based policy", "resource": "a resource-based policy",
            "session": "a session policy", "vpc-endpoint": "a VPC endpoint policy", "trust": "the role trust policy"}
# SDK user agents are name/value tokens (Boto3/1.35.0 md/Botocore#1.35.0 os/linux exec-env/...); an app id
# (app/NAME) and words without a slash (free text appended by a tool or a person) are the customer's.
_USER_AGENT_TOKEN = re.compile(r"[A-Za-z][\w.-]*/[\w.#+:-]+|\[?AWS-Internal(?:/\d+)?\]?")
_NOT_A_TOOL = re.compile(r"^app/|@")


def render_message(principal: str, action: str, resource: str, kind: str, policy_type: str, policy_arn: str) -> str:
    """An AccessDenied message in IAM's words from its (already anonymised) parts."""
    text = f"User: {principal} is not authorized to perform: {action}"
    if resource:
        text += f" on resource: {resource}"
    phrase = _PHRASES.get(policy_type, "a policy")
    if kind == "explicit":
        text += f" with an explicit deny in {phrase}"
    elif kind == "implicit":
        text += f" because no {phrase.split(' ', 1)[1]} allows the {action} action"
    return text + (f": {policy_arn}" if policy_arn else "")


def removed_note(text: str, message: str = "") -> str:
    """A note of what was left out of *text* (the lines that are not the AccessDenied *message*): how many
    lines and what they held, never their content."""
    flat = " ".join(message.split())
    lines = [line for line in text.splitlines() if line.strip() and not (
        message and ("User:" in line or " ".join(line.split()) in flat))]
    rest = "\n".join(lines)
    what = [name for name, pattern in _CONTEXTS if pattern.search(rest)]
    count = len(lines)
    if not count:
        return ""
    return (f"[anonymised: {count} other line(s) of the pasted text removed"
            + (f" ({', '.join(what)})" if what else "") + "]")


def anonymise_error_text(text: str, typed: Callable[[str, str], str]) -> str:
    """The pasted error, allow-listed: the parsed message rebuilt from its anonymised fields (*typed* (kind,
    value) anonymises one), and a note of what else it held."""
    if not text or not text.strip():
        return text
    try:
        e = parse_error_text(text)
    except ErrorTextError:
        note = removed_note(text)
        return note or f"[anonymised: {len(text.splitlines()) or 1} line(s) of unparsed text removed]"
    message = render_message(typed("arn", e.principal), e.action, typed("arn", e.resource), e.kind, e.policy_type,
                             typed("arn", e.policy_arn))
    if e.operation:
        message = f"({e.operation if is_aws_operation(e.operation) else typed('text', e.operation)}) {message}"
    note = removed_note(text, render_message(e.principal, e.action, e.resource, e.kind, e.policy_type, e.policy_arn))
    return message + ("\n" + note if note else "")


def anonymise_user_agent(text: str, placeholder: Callable[[str], str]) -> str:
    """A user agent: SDK and tool ``name/version`` tokens stay; anything else (an app id, trailing free text)
    becomes a placeholder."""
    out = []
    for token in text.split():
        keep = _USER_AGENT_TOKEN.fullmatch(token) and not _NOT_A_TOOL.search(token)
        out.append(token if keep else placeholder(token))
    return " ".join(out)
