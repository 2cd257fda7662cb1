"""Anonymisation: consistent placeholders for every identifier, in text, JSON and whole notebooks (pure).

Style of the seed write-up: ``<account-id>``, ``<human-user>``, ``<glue-runtime-role>``, ``<glue-job-name>``,
``<production-profile>``; numbered placeholders for everything else (``<group-1>``, ``<role-2>``, ``<ip-1>``,
``<access-key-1>``). AWS-owned names stay, because they are the lesson: service principals
(``glue.amazonaws.com``), action names and condition keys (``iam:PassRole``), AWS managed policies
(``AWSGlueConsoleFullAccess``, ``arn:aws:iam::aws:policy/...``).

Besides the names the investigation saw, patterns catch what it may not have: any twelve-digit number (an
account id), access key ids, IAM unique ids, IPv4/IPv6 addresses and ranges, and the resource part of any
remaining ARN. A name is replaced wherever it stands as a token (not inside a longer name: ``data`` in
``database`` stays), outside AWS-owned spans. One :class:`Anonymiser` serves all the files of a report, so the
same identifier gets the same placeholder everywhere.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any

# AWS-owned spans, never rewritten: service principals and endpoints, AWS managed policy ARNs, action names and
# condition keys (a lower-case service prefix, a colon, then a name without spaces).
_PROTECTED = re.compile(
    r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?"
    r"|arn:aws[\w-]*:iam::aws:policy/[\w+=,.@/-]+"
    r"|(?<![\w-])(?<!arn:)(?<!arn:aws:)(?<!arn:aws-cn:)(?<!arn:aws-us-gov:)(?:aws|iam|sts|glue|s3|ec2|kms|logs|organizations|lambda|sagemaker|cloudformation|cloudwatch|"
    r"redshift|rds|dynamodb|databrew|tag|ssm|secretsmanager)(?=:[A-Za-z*?])(?::[A-Za-z*?][\w*?]*(?:/[\w*?-]+)?)"
)
_ACCOUNT = re.compile(r"(?<!\d)\d{12}(?!\d)")
_ACCESS_KEY = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")
_UNIQUE_ID = re.compile(r"(?<![A-Z0-9])(?:AIDA|AROA|AGPA|ANPA|ANVA|APKA|AIPA)[A-Z0-9]{12,}(?![A-Z0-9])")
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?(?![\w:])")
_ARN_TAIL = r"[^\s\"'`<>\\,;)\]}]*"
_ARN = re.compile(r"arn:aws[\w-]*:[\w-]+:[\w-]*:(?:\d{12}|<[\w-]+>|\*)?:"
                  + _ARN_TAIL + r"(?:<[\w-]+>" + _ARN_TAIL + ")*")
# S3 virtual-hosted names: the bucket is the customer's, the rest AWS's (checked before the endpoint is kept).
_S3_HOST = re.compile(r"(?<![\w.-])([a-z0-9][a-z0-9.-]*?)\.(s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?)")
_S3_URI = re.compile(r"s3://([^/\s\"'<>`]+)")
_WILDCARD_SPLIT = re.compile(r"([*?]+)")
_SSO_ROLE = re.compile(r"^AWSReservedSSO_(.+)_([0-9a-f]{16})$")
_PLACEHOLDER = re.compile(r"^<[\w-]+>$")
_PLACEHOLDERS = re.compile(r"<[a-z]+(?:-[a-z]+)*(?:-\d+)?>")
# Spans no name may rewrite: placeholders, an ARN's "arn:PARTITION:SERVICE:REGION:", an AWS CLI command's head.
_NAME_FREE = re.compile(r"<[a-z]+(?:-[a-z]+)*(?:-\d+)?>|arn:aws[\w-]*:[\w-]*:[\w-]*:"
                        r"|(?<![\w-])aws (?:iam|sso-admin|sts|glue|organizations|cloudtrail|s3|kms) [a-z-]+")
# nbconvert's page furniture (CSS, JavaScript) holds no data of ours; data-bearing scripts (application/json,
# widget state) are kept. Tags are markup; their text is what a reader sees.
_TAG = re.compile(r"<[^>]+>")
_HTML_RAW_OR_TAG = re.compile(r"(?P<open><(?P<raw>script|style)\b[^>]*>)(?P<body>.*?)(?P<close></(?P=raw)\s*>)"
                              r"|<[^>]+>", re.DOTALL | re.IGNORECASE)
_BOILERPLATE = re.compile(r"<style[^>]*>.*?</style>|<script(?![^>]*application/)[^>]*>.*?</script>", re.DOTALL)
# Parts of an ARN's resource that are AWS's own words, kept: resource types, wildcards, AWS-named patterns.
_ARN_WORDS = {"role", "user", "group", "policy", "job", "instance-profile", "service-role", "aws-service-role",
              "assumed-role", "root", "log-group", "log-stream", "instance", "table", "stack", "key", "alias",
              "crawler", "database", "trigger", "workflow", "mfa", "federated-user", "oidc-provider",
              "saml-provider", "server-certificate", "subnet", "volume", "image", "key-pair", "security-group",
              "network-interface", "secret", "parameter", "function"}

# AWS-owned names: the lesson, never rewritten. Service-linked roles are named by AWS; the Glue conventions are
# the prefixes AWS managed policies grant (AWSGlueConsoleFullAccess); OrganizationAccountAccessRole is the role
# Organizations creates. An IAM Identity Center role's prefix is AWS's, its permission-set part the customer's.
AWS_OWNED_NAMES = {"OrganizationAccountAccessRole", "AWSGlueServiceRole", "AWSGlueServiceNotebookRole",
                   "AWSGlueServiceSageMakerNotebookRole", "AWSReservedSSO_", "GlueJobRunnerSession"}
AWS_OWNED_PREFIXES = ("AWSServiceRoleFor",)


def is_aws_owned(name: str) -> bool:
    return name in AWS_OWNED_NAMES or name.startswith(AWS_OWNED_PREFIXES)


# The kit's own words in findings.json (statuses, decisions, verdicts, restrictions, kinds): a name equal to one
# (a group called "mfa") never rewrites them where the schema holds them.
VOCABULARY_KEYS = {"restriction", "status", "verdict", "decision", "local_decision", "aws_decision", "blocked_by",
                   "kind", "policy_type", "where", "principal_type", "expected", "attachment", "format",
                   "ContextKeyType", "severity", "effect", "key", "Effect", "Version"}
KIT_WORDS = {"mfa", "source-ip", "scp", "boundary", "resource", "identity", "ok", "problem", "could not check", "info",
             "allowed", "explicitDeny", "implicitDeny", "couldNotCheck", "denied", "user", "group", "role",
             "permission-set", "service-linked", "identity-center", "federated-user", "inline", "managed",
             "aws-managed", "user-managed", "proposed", "custom", "string", "boolean", "ip", "Allow", "Deny",
             "failure", "account", "user-policies", "groups", "trust", "job", "simulate", "explicit-deny",
             "implicit-deny", "verify", "verdict", "prediction", "grade", "wrong-account", "role-not-found",
             "job-uses-other-role", "trust-missing-service", "no-allow", "evidence-disagrees", "high", "medium",
             "glue-iam-kit/findings@1", "2012-10-17", "2008-10-17"}


def counts_as_identifier(key: str, value: str) -> bool:
    """Whether *value* under identifiers[*key*] is one to replace (and to look for afterwards): AWS-owned names
    stay, and an account is only ever twelve digits."""
    return bool(value) and not is_aws_owned(value) and (key not in ("account", "accounts")
                                                         or bool(_ACCOUNT.fullmatch(value)))


def _is_vocabulary(key: str, value: Any) -> bool:
    return key in VOCABULARY_KEYS and isinstance(value, str) and value in KIT_WORDS


FIXED = {"account": "account-id", "user": "human-user", "role": "glue-runtime-role", "job": "glue-job-name",
         "profile": "production-profile", "investigator": "investigator"}
NUMBERED = {"accounts": "account", "users": "user", "roles": "role", "groups": "group", "jobs": "job",
            "policies": "policy", "profiles": "profile", "sessions": "session", "permission_sets": "permission-set",
            "stacks": "stack", "paths": "path", "crawlers": "crawler", "glue_sessions": "glue-session",
            "dev_endpoints": "dev-endpoint", "ml_transforms": "ml-transform", "buckets": "bucket",
            "kms_keys": "kms-key", "app_ids": "app-id"}


def _token(names: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({n for n in names if n}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


class Anonymiser:
    """Replaces identifiers with placeholders; the same identifier always gets the same placeholder."""

    def __init__(self, identifiers: dict[str, Any]) -> None:
        self.mapping: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        for key, label in FIXED.items():
            if key == "role" and identifiers.get("service", "glue.amazonaws.com") != "glue.amazonaws.com":
                label = "passed-role"  # a role passed to another service (Lambda, ECS...) is no Glue runtime role
            value = str(identifiers.get(key) or "")
            if counts_as_identifier(key, value):
                self.mapping.setdefault(value, f"<{label}>")
        if identifiers.get("account"):
            self._counters["account"] = 1  # the main account is <account-id>; others start at <account-2>
        for key, label in NUMBERED.items():
            for value in map(str, identifiers.get(key, []) or []):
                if not counts_as_identifier(key, value):
                    continue
                sso = _SSO_ROLE.match(value)
                if sso and value not in self.mapping:
                    self.mapping[value] = self._sso_name(sso)
                    continue
                self._placeholder(value, label)
        for value, placeholder in list(self.mapping.items()):
            # A name with non-ASCII characters may also appear JSON-escaped (papermill writes parameters so).
            escaped = json.dumps(value)[1:-1]
            if escaped != value:
                self.mapping.setdefault(escaped, placeholder)
        self._names = _token(k for k in self.mapping if not _ACCOUNT.fullmatch(k))

    def _sso_name(self, sso: re.Match[str]) -> str:
        """An Identity Center role name: AWS's prefix kept, the permission set and the suffix replaced."""
        return (f"AWSReservedSSO_{self._placeholder(sso.group(1), 'permission-set')}_"
                f"{self._placeholder(sso.group(2), 'sso-suffix')}")

    def _placeholder(self, value: str, label: str) -> str:
        if value not in self.mapping:
            n = self._counters.get(label, 0) + 1
            self._counters[label] = n
            self.mapping[value] = f"<{label}-{n}>"
        return self.mapping[value]

    # -- one whole value of a known type (the fix record): never scanned as text ----------------------------
    def anonymise_value(self, value: str, label: str) -> str:
        """One whole identifier of a known kind (*label*: ``user``, ``group``, ``policy``, ``account``...): the
        placeholder it has everywhere else, or a new one. Placeholders and AWS-owned names stay."""
        if not value or _PLACEHOLDER.match(value) or is_aws_owned(value):
            return value
        sso = _SSO_ROLE.match(value)
        if sso and value not in self.mapping:
            self.mapping[value] = self._sso_name(sso)
        return self.mapping.get(value) or self._placeholder(value, label)

    def anonymise_arn(self, arn: str) -> str:
        """One whole ARN (an S3 key may hold spaces or quotes): its account, then its resource piece by piece,
        a known name by its placeholder wherever it stands (a role named ``policy`` too)."""
        parts = arn.split(":", 5)
        if _PROTECTED.fullmatch(arn):
            return arn
        if len(parts) < 6 or parts[0] != "arn":
            return self.anonymise_text(arn)
        if _ACCOUNT.fullmatch(parts[4]):
            parts[4] = self.anonymise_value(parts[4], "account")
        pieces = re.split(r"([/:])", parts[5])
        typed = parts[2] != "s3"  # the first piece is a resource type (role, key...); S3's is the bucket
        pieces = [self.mapping.get(p, p) if i or not typed else p for i, p in enumerate(pieces)]
        return self._arn_body(":".join(parts[:5]) + ":" + "".join(pieces))

    # -- text ---------------------------------------------------------------------------------------------
    def _ip(self, m: re.Match[str]) -> str:
        text = m.group(0)
        if not re.search(r"[0-9A-Fa-f]", text.split("/")[0]):
            return text  # "::" alone, as in arn:aws:iam::..., is no address worth hiding
        try:
            ipaddress.ip_network(text, strict=False)
        except ValueError:
            return text
        return self._placeholder(text, "ip")

    def _arn(self, m: re.Match[str]) -> str:
        arn = m.group(0)
        stop = len(arn) - len(arn.rstrip("."))  # a sentence's full stop after an ARN is not part of it
        if stop:
            return self._arn_body(arn[:-stop]) + arn[-stop:]
        return self._arn_body(arn)

    def _arn_body(self, arn: str) -> str:
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return arn
        pieces = re.split(r"([/:])", parts[5])
        out = []
        for i, piece in enumerate(pieces):
            keep = (piece in ("/", ":", "") or _PLACEHOLDER.match(piece) or piece in _ARN_WORDS
                    or re.fullmatch(r"[*?]+", piece) or piece.startswith(("aws-", "$")) or is_aws_owned(piece) or
                    (i == 0 and parts[2] == "s3" and piece.startswith("aws-glue")))
            if keep:
                out.append(piece)
            elif "*" in piece or "?" in piece:
                # A pattern keeps its shape (role/glue-* -> role/<prefix-1>*): why an allow almost matched.
                out.append("".join(chunk if not chunk or _WILDCARD_SPLIT.fullmatch(chunk) or is_aws_owned(chunk)
                                   or _PLACEHOLDER.match(chunk) else self._placeholder(chunk, "prefix")
                                   for chunk in _WILDCARD_SPLIT.split(piece)))
            else:
                sso = _SSO_ROLE.match(piece)
                out.append(self.mapping.get(piece) or (self._sso_name(sso) if sso else "")
                           or self._placeholder(piece, "resource"))
        return ":".join(parts[:5]) + ":" + "".join(out)

    def _replace_names(self, text: str) -> str:
        """One pass of name replacement that never rewrites a placeholder or an ARN's partition, service and
        region (a user named "aws" must not break every ARN)."""
        assert self._names is not None
        out, last = [], 0
        for m in _NAME_FREE.finditer(text):
            out.append(self._names.sub(lambda n: self.mapping[n.group(0)], text[last:m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(self._names.sub(lambda n: self.mapping[n.group(0)], text[last:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        text = _ACCESS_KEY.sub(lambda m: self._placeholder(m.group(0), "access-key"), text)
        text = _UNIQUE_ID.sub(lambda m: self._placeholder(m.group(0), "principal-id"), text)
        if self._names is not None:
            # Replacing a name changes its neighbours' boundaries ("0." becomes "<glue-job-name>."), so repeat
            # until nothing changes.
            for _ in range(8):
                new = self._replace_names(text)
                if new == text:
                    break
                text = new
        # Accounts after names: a name may hold twelve digits (a snapshot path "prod-111122223333.json").
        text = _ACCOUNT.sub(lambda m: self.mapping.get(m.group(0)) or self._placeholder(m.group(0), "account"), text)
        text = _IPV4.sub(self._ip, text)
        text = _IPV6.sub(self._ip, text)
        return _ARN.sub(self._arn, text)

    def anonymise_html(self, text: str) -> str:
        """HTML, on its structure: each text node is unescaped, anonymised and escaped again (an entity such as
        ``&quot;`` must never become part of a name), tags are left as they are."""
        out, last = [], 0
        for m in _HTML_RAW_OR_TAG.finditer(text):
            out.append(html.escape(self.anonymise_text(html.unescape(text[last:m.start()])), quote=False))
            # a tag as it is; a script or style block's content is no text node: plain anonymisation
            out.append(m.group(0) if m.group(0).startswith("<") and not m.group("body") else
                       m.group("open") + self.anonymise_text(m.group("body")) + m.group("close"))
            last = m.end()
        out.append(html.escape(self.anonymise_text(html.unescape(text[last:])), quote=False))
        return "".join(out)

    def anonymise_text(self, text: str, as_html: bool = False) -> str:
        """Anonymise *text*; with *as_html* the placeholders are HTML-escaped (for markdown shown as HTML)."""
        if not text:
            return text
        text = _S3_HOST.sub(lambda m: f"{self._placeholder(m.group(1), 'bucket')}.{m.group(2)}", text)
        text = _S3_URI.sub(lambda m: "s3://" + (m.group(1) if _PLACEHOLDER.match(m.group(1))
                                                else self._placeholder(m.group(1), "bucket")), text)
        out, last = [], 0
        for m in _PROTECTED.finditer(text):
            out.append(self._plain(text[last:m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(self._plain(text[last:]))
        result = "".join(out)
        if as_html:
            result = re.sub(r"<([a-z]+(?:-[a-z]+)*(?:-\d+)?)>",
                            lambda m: html.escape(m.group(0)) if m.group(0) in self._placeholders else m.group(0),
                            result)
        return result

    @property
    def _placeholders(self) -> set[str]:
        return set(self.mapping.values())

    def anonymise_object(self, obj: Any, as_html: bool = False) -> Any:
        """Anonymise every string value of a JSON-like object. Keys are the kit's own schema (``role``,
        ``policy``...), never data: rewriting them would break the file for a name that happens to match."""
        if isinstance(obj, str):
            return self.anonymise_text(obj, as_html)
        if isinstance(obj, list):
            return [self.anonymise_object(v, as_html) for v in obj]
        if isinstance(obj, dict):
            return {k: v if _is_vocabulary(k, v) else self.anonymise_object(v, as_html) for k, v in obj.items()}
        return obj

    def _anonymise_output(self, mime: str, value: Any) -> Any:
        if mime == "text/html":
            if isinstance(value, list):  # nbformat keeps lines: a tag may span two of them
                return self.anonymise_html("".join(value)).splitlines(keepends=True)
            return self.anonymise_html(value) if isinstance(value, str) else self.anonymise_object(value)
        return self.anonymise_object(value, as_html=mime == "text/markdown")

    def anonymise_notebook(self, nb: dict[str, Any]) -> dict[str, Any]:
        """Every part of a notebook: cell sources, outputs (text, HTML, JSON), tracebacks and metadata."""
        out = dict(nb)
        out["metadata"] = self.anonymise_object(nb.get("metadata", {}))
        cells = []
        for cell in nb.get("cells", []):
            cell = dict(cell)
            is_md = cell.get("cell_type") == "markdown"
            cell["source"] = self.anonymise_object(cell.get("source", ""), as_html=is_md)
            cell["metadata"] = self.anonymise_object(cell.get("metadata", {}))
            if "outputs" in cell:
                outputs = []
                for o in cell["outputs"]:
                    o = dict(o)
                    if "data" in o:
                        o["data"] = {mime: self._anonymise_output(mime, v) for mime, v in o["data"].items()}
                    for key in ("text", "traceback", "evalue", "ename", "metadata"):
                        if key in o:
                            o[key] = self.anonymise_object(o[key])
                    outputs.append(o)
                cell["outputs"] = outputs
            for key in list(cell):
                if key not in ("source", "metadata", "outputs", "cell_type", "execution_count", "id"):
                    cell[key] = self.anonymise_object(cell[key])
            cells.append(cell)
        out["cells"] = cells
        return out


def _json_strings(obj: Any) -> Iterable[str]:
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, list):
        for v in obj:
            yield from _json_strings(v)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if not _is_vocabulary(k, v):
                yield from _json_strings(v)


def find_survivors(text: str, identifiers: dict[str, Any], kind: str = "text") -> list[str]:
    """Real identifiers still standing as tokens in *text* (outside AWS-owned spans), for the tests and a final
    check before a report is written. *kind* ``html`` checks what a reader sees (text, not markup); ``json``
    checks values, not the schema's keys."""
    if kind == "json":
        return sorted({s for value in _json_strings(json.loads(text)) for s in find_survivors(value, identifiers)})
    if kind == "html":
        text = _TAG.sub(" ", _BOILERPLATE.sub(" ", text))
    names = [v for k in FIXED if counts_as_identifier(k, v := str(identifiers.get(k) or ""))]
    names += [v for k in NUMBERED for v in map(str, identifiers.get(k, []) or []) if counts_as_identifier(k, v)]
    names += [json.dumps(n)[1:-1] for n in names if json.dumps(n)[1:-1] != n]
    # Our own placeholders are no survivors, even for a name like "account-id".
    plain = _PROTECTED.sub(" ", _NAME_FREE.sub(" ", html.unescape(text)))
    found = []
    pattern = _token(n for n in names if not _ACCOUNT.fullmatch(n))
    if pattern is not None:
        found += sorted({m.group(0) for m in pattern.finditer(plain)})
    found += sorted({m.group(0) for m in _ACCOUNT.finditer(plain)})
    found += sorted({m.group(0) for m in _ACCESS_KEY.finditer(plain)})
    return found
