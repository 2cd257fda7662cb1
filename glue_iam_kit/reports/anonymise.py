"""Anonymisation: consistent placeholders for every identifier, in text, JSON and whole notebooks (pure).

Style of the seed write-up: ``<account-id>``, ``<human-user>``, ``<glue-runtime-role>``, ``<glue-job-name>``,
``<production-profile>``; numbered placeholders for everything else (``<group-1>``, ``<role-2>``, ``<ip-1>``,
``<access-key-1>``). AWS-owned names stay, because they are the lesson: service principals
(``glue.amazonaws.com``), action names and condition keys (``iam:PassRole``), AWS managed policies
(``AWSGlueConsoleFullAccess``, ``arn:aws:iam::aws:policy/...``).

The incident is anonymised, not its rendered text: values are typed and replaced before anything is
rendered from them. Where the kit writes an identifier into prose it marks it with its kind
(:mod:`glue_iam_kit.engine.marks`): a marked span is replaced by exact, typed lookup. Data fields are typed by
their key (:mod:`glue_iam_kit.reports.typed`). Pasted free text is allow-listed
(:mod:`glue_iam_kit.reports.freetext`). In unmarked prose only shapes that cannot collide with words run (twelve
digits, ARNs piece by piece, addresses, access key ids, unique ids, S3 URIs and hosts), and the known names that
are not the kit's own words (:mod:`glue_iam_kit.reports.vocabulary`): a safety net for text the kit did not
write (an error message from AWS). What is AWS's stays, by one rule (:mod:`glue_iam_kit.reports.aws_owned`).
One :class:`Anonymiser` serves all the files of a report, so the same identifier gets the same placeholder
everywhere.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
from collections.abc import Iterable
from typing import Any

from glue_iam_kit.engine.marks import SPAN, replace_marks
from glue_iam_kit.reports.aws_owned import SERVICE_PRINCIPAL, aws_policy_names, is_aws_owned, sso_role_parts
from glue_iam_kit.reports.typed import _PATH_WORDS, anonymise_typed
from glue_iam_kit.reports.vocabulary import is_kit_word

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
_ARN_TAIL = r"(?:\$\{[^}\s]*\}|[^\s\"'`<>\\,;)\]}])*"  # a policy variable's closing brace is part of it
_ARN = re.compile(r"arn:aws[\w-]*:[\w-]+:[\w-]*:(?:\d{12}|<[\w-]+>|\*)?:"
                  + _ARN_TAIL + r"(?:<[\w-]+>" + _ARN_TAIL + ")*")
# S3 virtual-hosted names: the bucket is the customer's, the rest AWS's (checked before the endpoint is kept).
_S3_HOST = re.compile(r"(?<![\w.-])([a-z0-9][a-z0-9.-]*?)\.(s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?)")
_S3_URI = re.compile(r"s3://([^/\s\"'<>`]+)(/[^\s\"'<>`]*)?")
_REGION = re.compile(r"(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-(?:north|south|east|west|central)"
                     r"(?:east|west)?-\d")
# A pattern's parts that are no name: wildcards, policy variables, lone separators.
_PATTERN_SPLIT = re.compile(r"([*?]+|\$\{[^}]*\})")
_PATTERN_PART = re.compile(r"[*?]+|\$\{[^}]*\}|[-_.]+")
_PLACEHOLDER = re.compile(r"^<[\w-]+>$")
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
              "crawler", "catalog", "database", "trigger", "workflow", "mfa", "federated-user", "oidc-provider",
              "saml-provider", "server-certificate", "subnet", "volume", "image", "key-pair", "security-group",
              "network-interface", "secret", "parameter", "function"}

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
             "glue-iam-kit/findings@1", "2012-10-17", "2008-10-17", "key-policy"}


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


def _arn_end(text: str, m: re.Match[str], names: Iterable[str]) -> int:
    """Where the ARN matched at *m* ends: past a known name holding a character ARNs stop at in prose (IAM names
    may hold ``,``: ``role/=,aA`` is one role)."""
    head = m.group(0)[:max(m.group(0).rfind("/"), m.group(0).rfind(":")) + 1]
    for name in sorted((n for n in names if re.search(r"[,;)\]}]", n)), key=len, reverse=True):
        if text.startswith(head + name, m.start()) and m.start() + len(head + name) > m.end():
            return m.start() + len(head + name)
    return m.end()


# AWS's words anywhere in an ARN's resource: the service-role path, Organizations' policy types
# (arn:aws:organizations::ACCOUNT:policy/o-ID/service_control_policy/p-ID).
_KEPT_PIECES = {"service-role", "service_control_policy", "resource_control_policy", "tag_policy", "backup_policy",
                "aiservices_opt_out_policy", "chatbot_policy", "declarative_policy_ec2"}


def _aws_path(pieces: list[str], i: int) -> bool:
    """Whether ARN piece *i* is AWS's path word before a name (``role/service-role/NAME``), whatever a role is
    called (a role named ``service-role`` is itself only at the end)."""
    return pieces[i] in _PATH_WORDS and any(p not in ("/", ":", "") for p in pieces[i + 1:])


class Anonymiser:
    """Replaces identifiers with placeholders; the same identifier always gets the same placeholder."""

    def __init__(self, identifiers: dict[str, Any]) -> None:
        self.mapping: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self.aws_names = aws_policy_names(identifiers)
        self._seen: set[str] = set()
        self._base: re.Pattern[str] | None = None
        self._extra: list[str] = []
        other = identifiers.get("service", "glue.amazonaws.com") != "glue.amazonaws.com"  # passed to Lambda, ...
        for key, label in {**FIXED, **({"role": "passed-role"} if other else {})}.items():
            value = str(identifiers.get(key) or "")
            if counts_as_identifier(key, value) and not self.is_aws(value):
                sso = sso_role_parts(value)
                self.mapping.setdefault(value, self._sso_name(sso) if sso else f"<{label}>")
        if identifiers.get("account"):
            self._counters["account"] = 1  # the main account is <account-id>; others start at <account-2>
        for key, label in NUMBERED.items():
            for value in map(str, identifiers.get(key, []) or []):
                if not counts_as_identifier(key, value) or self.is_aws(value):
                    continue
                sso = sso_role_parts(value)
                if sso and value not in self.mapping:
                    self.mapping[value] = self._sso_name(sso)
                    continue
                self._placeholder(value, label)
        self._escape_all()

    def is_aws(self, value: str, kind: str = "") -> bool:
        """The one rule for what is AWS's, with the AWS managed policies this investigation saw."""
        return is_aws_owned(value, kind, self.aws_names)

    def _escape_all(self) -> None:
        """Add the derived forms of names not seen yet, and extend the safety net (unmarked prose) by them:
        the names known at the start in one pattern, names first met as typed values in a second, small one."""
        from glue_iam_kit.reports.survivors import derived_forms

        new = [k for k in self.mapping if k not in self._seen]
        for value in new:
            placeholder = self.mapping[value]
            # A name may also appear JSON-escaped (papermill writes parameters so) or in a form code derives
            # from it (a Terraform label deployer_boundary): the same placeholder (never for a kit word).
            for form in derived_forms(value) if not is_kit_word(value) else [json.dumps(value)[1:-1]]:
                if form != value and not is_kit_word(form):
                    self.mapping.setdefault(form, placeholder)
        names = [k for k in self.mapping if k not in self._seen and not _ACCOUNT.fullmatch(k) and not is_kit_word(k)]
        self._seen.update(self.mapping)
        if self._base is None and not self._extra:
            self._base = _token(names)
        else:
            self._extra += names
        patterns = (self._base, _token(self._extra) if self._extra else None)
        self._names = [p for p in patterns if p is not None]
        self._scanned = len(self.mapping)

    def _sso_name(self, sso: tuple[str, str]) -> str:
        """An Identity Center role name: AWS's prefix kept, the permission set (unless predefined, AWS's) and the
        suffix replaced, the set consistently with wherever else it stands."""
        ps = sso[0] if self.is_aws(sso[0]) else self._placeholder(sso[0], "permission-set")
        return f"AWSReservedSSO_{ps}_{self._placeholder(sso[1], 'sso-suffix')}"

    def _placeholder(self, value: str, label: str) -> str:
        if value not in self.mapping:
            n = self._counters.get(label, 0) + 1
            self._counters[label] = n
            self.mapping[value] = f"<{label}-{n}>"
        return self.mapping[value]

    def placeholder_for(self, kind: str, value: str) -> str:
        """The placeholder of a name of *kind* (its known one, else a new one labelled by kind)."""
        from glue_iam_kit.reports.typed import label_for

        if value in self.mapping:
            return self.mapping[value]
        sso = sso_role_parts(value)
        if sso:
            self.mapping[value] = self._sso_name(sso)
            return self.mapping[value]
        return self._placeholder(value, label_for(kind, value))

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
            return self.anonymise_arn(arn[:-stop]) + arn[-stop:]
        return self.anonymise_arn(arn)

    def _keeps(self, i: int, piece: str, service: str) -> bool:
        # A resource type is the resource's first piece (role/NAME: a role named "policy" is a name).
        return bool(piece in ("/", ":", "") or _PLACEHOLDER.match(piece) or (piece in _ARN_WORDS and i == 0)
                    or piece in _KEPT_PIECES
                    or re.fullmatch(r"[*?]+", piece) or piece.startswith(("aws-", "$")) or self.is_aws(piece)
                    or SERVICE_PRINCIPAL.fullmatch(piece) or _REGION.fullmatch(piece)
                    or (i == 0 and service == "s3" and piece.startswith("aws-glue")))

    def anonymise_arn(self, arn: str) -> str:
        """One ARN, piece by piece: AWS's words (resource types, service principals, regions, AWS managed
        names) stay, the account and every customer name are replaced. The whole value is the ARN (an S3 key
        may hold spaces)."""
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return arn
        if parts[4] and not _PLACEHOLDER.match(parts[4]) and parts[4] not in ("aws", "*"):
            parts[4] = self.mapping.get(parts[4]) or self._placeholder(parts[4], "account")
        pieces = re.split(r"(\$\{[^}]*\}|[/:])", parts[5])  # a policy variable ${aws:username} is one piece
        out = []
        for i, piece in enumerate(pieces):
            if piece in self.mapping and not (i == 0 and piece in _ARN_WORDS) and not _aws_path(pieces, i):
                out.append(self.mapping[piece])
            elif self._keeps(i, piece, parts[2]):
                out.append(piece)
            elif "${" in piece or "*" in piece or "?" in piece:
                # A pattern keeps its shape (role/glue-* -> role/<prefix-1>*): why an allow almost matched.
                out.append("".join(chunk if not chunk or _PATTERN_PART.fullmatch(chunk) or self.is_aws(chunk)
                                   or _PLACEHOLDER.match(chunk) else self._placeholder(chunk, "prefix")
                                   for chunk in _PATTERN_SPLIT.split(piece)))
            else:
                sso = sso_role_parts(piece)
                label = "bucket" if i == 0 and parts[2] == "s3" else "resource"
                out.append(self.mapping.get(piece) or (self._sso_name(sso) if sso else "")
                           or self._placeholder(piece, label))
        return ":".join(parts[:5]) + ":" + "".join(out)

    def _replace_names(self, text: str) -> str:
        """One pass of name replacement that never rewrites a placeholder or an ARN's partition, service and
        region (a user named "aws" must not break every ARN)."""
        def names(segment: str) -> str:
            for pattern in self._names:
                segment = pattern.sub(lambda n: self.mapping[n.group(0)], segment)
            return segment

        out, last = [], 0
        for m in _NAME_FREE.finditer(text):
            out.append(names(text[last:m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(names(text[last:]))
        return "".join(out)

    def _plain(self, text: str) -> str:
        text = _ACCESS_KEY.sub(lambda m: self._placeholder(m.group(0), "access-key"), text)
        text = _UNIQUE_ID.sub(lambda m: self._placeholder(m.group(0), "principal-id"), text)
        if self._names:
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
        return _IPV6.sub(self._ip, text)

    def _outside_arns(self, text: str) -> str:
        out, last = [], 0
        for m in _PROTECTED.finditer(text):
            out.append(self._plain(text[last:m.start()]))
            out.append(m.group(0))
            last = m.end()
        out.append(self._plain(text[last:]))
        return "".join(out)

    def _s3_uri(self, m: re.Match[str]) -> str:
        bucket = m.group(1) if _PLACEHOLDER.match(m.group(1)) else self._placeholder(m.group(1), "bucket")
        key = m.group(2) or ""
        if key.strip("/") and not _PLACEHOLDER.fullmatch(key.strip("/")):
            key = "/" + self._placeholder(key.strip("/"), "object-key")
        return f"s3://{bucket}{key}"

    def typed(self, kind: str, value: str) -> str:
        """One identifier of a known *kind*, whole (see :mod:`glue_iam_kit.reports.typed`)."""
        return anonymise_typed(self, kind, value)

    def anonymise_text(self, text: str, as_html: bool = False) -> str:
        """Anonymise prose: marked identifiers by type, then shapes (and known names that are no kit word);
        with *as_html* the placeholders are HTML-escaped (for markdown shown as HTML)."""
        if not text:
            return text
        text = replace_marks(text, self.typed)
        if len(self.mapping) != self._scanned:
            self._escape_all()  # names first met as typed values join the safety net
        text = _S3_HOST.sub(lambda m: f"{self._placeholder(m.group(1), 'bucket')}.{m.group(2)}", text)
        text = _S3_URI.sub(self._s3_uri, text)
        out, last = [], 0
        for m in _ARN.finditer(text):  # ARNs first: an ARN holding sso.amazonaws.com is one ARN
            if m.start() < last:
                continue
            out.append(self._outside_arns(text[last:m.start()]))
            end = _arn_end(text, m, self.mapping)
            out.append(self._arn(m) if end == m.end() else self.anonymise_arn(text[m.start():end]))
            last = end
        out.append(self._outside_arns(text[last:]))
        result = "".join(out)
        if as_html:
            placeholders = set(self.mapping.values())
            result = re.sub(r"<([a-z]+(?:-[a-z]+)*(?:-\d+)?)>",
                            lambda m: html.escape(m.group(0)) if m.group(0) in placeholders else m.group(0),
                            result)
        return result

    def anonymise_html(self, text: str) -> str:
        """HTML, on its structure: each text node is unescaped, anonymised and escaped again (an entity such as
        ``&quot;`` must never become part of a name), tags are left as they are. A marked identifier
        (:data:`glue_iam_kit.engine.marks.SPAN`) is replaced by its type."""
        text = SPAN.sub(lambda m: html.escape(self.typed(m.group(1), html.unescape(m.group(2))), quote=False), text)
        out, last = [], 0
        for m in _HTML_RAW_OR_TAG.finditer(text):
            out.append(html.escape(self.anonymise_text(html.unescape(text[last:m.start()])), quote=False))
            # a tag as it is; a script or style block's content is no text node: plain anonymisation
            out.append(m.group(0) if m.group(0).startswith("<") and not m.group("body") else
                       m.group("open") + self.anonymise_text(m.group("body")) + m.group("close"))
            last = m.end()
        out.append(html.escape(self.anonymise_text(html.unescape(text[last:])), quote=False))
        return "".join(out)

    def anonymise_object(self, obj: Any, as_html: bool = False, typed: bool = True) -> Any:
        """Anonymise every string value of a JSON-like object. Keys are the kit's own schema (``role``,
        ``policy``...), never data: rewriting them would break the file for a name that happens to match. With
        *typed* (findings), a value is typed by its key (:data:`glue_iam_kit.reports.typed.KEY_KINDS`)."""
        if typed:
            from glue_iam_kit.reports.typed import anonymise_record

            return anonymise_record(self, obj)
        if isinstance(obj, str):
            return self.anonymise_text(obj, as_html)
        if isinstance(obj, list):
            return [self.anonymise_object(v, as_html, False) for v in obj]
        if isinstance(obj, dict):
            return {k: v if _is_vocabulary(k, v) else self.anonymise_object(v, as_html, False) for k, v in obj.items()}
        return obj

    def anonymise_notebook(self, nb: dict[str, Any]) -> dict[str, Any]:
        """Every part of a notebook (:func:`glue_iam_kit.reports.notebook.anonymise_notebook`)."""
        from glue_iam_kit.reports.notebook import anonymise_notebook

        return anonymise_notebook(self, nb)


from glue_iam_kit.reports.survivors import find_survivors  # noqa: E402,F401 - its home before; one import for callers
