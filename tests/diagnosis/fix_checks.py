"""Checks of a fix's forms, shared by the fix tests: the document inside the CLI command and each IaC form is
``fix.policy``; the CloudFormation form passes cfn-lint, the Terraform form parses as HCL2, and every CLI
``--option`` exists in botocore's model of its operation."""

from __future__ import annotations

import json
import re
import shlex
import textwrap
from typing import Any

import botocore.session
import hcl2
import yaml
from botocore import xform_name
from cfnlint.api import ManualArgs, lint

GLOBAL_OPTIONS = {"--profile", "--region"}
DOCUMENT_OPTIONS = ("--policy-document", "--inline-policy", "--policy")
# A minimal template around each form: the resource its snippet belongs in, with its required properties.
_WRAP = {"permission-set": ("AWS::SSO::PermissionSet", {"InstanceArn": "arn:aws:sso:::instance/ssoins-1111111111111111",
                                                        "Name": "PermissionSet"}),
         "boundary": ("AWS::IAM::ManagedPolicy", {}), "key-policy": ("AWS::KMS::Key", {})}
_session = botocore.session.get_session()


def cli_calls(command: str) -> list[tuple[str, str, dict[str, str | bool]]]:
    """(service, operation, {option: value}) of each line of *command*, read as a POSIX shell reads it."""
    calls = []
    for line in command.splitlines():
        words = shlex.split(line)
        assert words[0] == "aws", line
        options: dict[str, str | bool] = {}
        i = 3
        while i < len(words):
            assert words[i].startswith("--"), f"not an option: {words[i]!r} in {line}"
            if i + 1 < len(words) and not words[i + 1].startswith("--"):
                options[words[i]], i = words[i + 1], i + 2
            else:
                options[words[i]], i = True, i + 1
        calls.append((words[1], words[2], options))
    return calls


def assert_cli_options_exist(command: str) -> None:
    for service, operation, options in cli_calls(command):
        model = _session.get_service_model(service)
        ops = {xform_name(name, "-"): name for name in model.operation_names}
        assert operation in ops, f"aws {service} {operation}: no such operation"
        members = {"--" + xform_name(m, "-") for m in model.operation_model(ops[operation]).input_shape.members}
        unknown = set(options) - members - GLOBAL_OPTIONS
        assert not unknown, f"aws {service} {operation}: unknown options {sorted(unknown)}"


def cli_document(command: str) -> dict[str, Any]:
    """The one policy document the command puts (parsed from the shell words, not from the text)."""
    docs = [json.loads(str(o[k])) for _, _, o in cli_calls(command) for k in DOCUMENT_OPTIONS if k in o]
    assert len(docs) == 1, command
    return docs[0]


def cfn_template(fix: dict[str, Any]) -> str:
    form = fix["forms"]["cloudformation"]
    head = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
    if fix["where"] in _WRAP:
        rtype, props = _WRAP[fix["where"]]
        lines = "".join(f"      {k}: {json.dumps(v)}\n" for k, v in props.items())
        return head + f"  Fix:\n    Type: {rtype}\n    Properties:\n{lines}" + textwrap.indent(form, " " * 6) + "\n"
    return head + textwrap.indent(form, "  ") + "\n"


def cfn_document(fix: dict[str, Any]) -> dict[str, Any]:
    resources = yaml.safe_load(cfn_template(fix))["Resources"]
    (props,) = [r["Properties"] for r in resources.values()]
    return next(props[k] for k in ("PolicyDocument", "InlinePolicy", "KeyPolicy") if k in props)


_PLACEHOLDER = re.compile(r"<[a-z]+(?:-[a-z]+)*(?:-\d+)?>")


def _lintable(text: str) -> str:
    """An anonymised form as a real one would read: an account placeholder as twelve digits, any other as a
    plain name (cfn-lint checks ARN and Sid patterns a ``<placeholder>`` cannot match)."""
    return _PLACEHOLDER.sub(lambda m: "123456789012" if m.group(0).startswith("<account") else "Placeholder1", text)


def assert_cfn_lints(fix: dict[str, Any]) -> None:
    """No cfn-lint error (an anonymised form is linted with its placeholders as plain values)."""
    errors = [m for m in lint(_lintable(cfn_template(fix)), config=ManualArgs(regions=["us-east-1"]))
              if m.rule.id.startswith("E")]
    assert not errors, [str(m) for m in errors]


def _hcl_value(node: Any) -> Any:
    """python-hcl2's tree as plain values: string literals unquoted, Terraform's $${ escape undone."""
    if isinstance(node, str):
        if len(node) >= 2 and node[0] == node[-1] == '"':
            return json.loads(node.replace("$${", "${"))  # Terraform's escape; \u007b is JSON's too
        return node
    if isinstance(node, list):
        return [_hcl_value(v) for v in node]
    if isinstance(node, dict):
        return {_hcl_value(k): _hcl_value(v) for k, v in node.items() if not k.startswith("__")}
    return node


def terraform_document(form: str) -> dict[str, Any]:
    """The policy the ``aws_iam_policy_document`` of *form* renders (as Terraform would)."""
    tree = _hcl_value(hcl2.loads(form))
    ((_, data),) = tree["data"][0]["aws_iam_policy_document"].items()
    doc: dict[str, Any] = {"Version": data.get("version", "2012-10-17"), "Statement": []}
    for st in data.get("statement", []):
        out: dict[str, Any] = {}
        if "sid" in st:
            out["Sid"] = st["sid"]
        out["Effect"] = st["effect"]
        for key, tf in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                        ("NotResource", "not_resources")):
            if tf in st:
                out[key] = st[tf]
        for key, tf in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            if tf in st:
                out[key] = {p["type"]: p["identifiers"] for p in st[tf]}
        for c in st.get("condition", []):
            out.setdefault("Condition", {}).setdefault(c["test"], {})[c["variable"]] = c["values"]
        doc["Statement"].append(out)
    return doc


def normalised(doc: dict[str, Any]) -> dict[str, Any]:
    """A policy as IAM reads it: one value or a list alike, booleans as strings, Principal "*" as {"*": "*"}."""
    def values(v: Any) -> list[str]:
        return sorted(json.dumps(x) if isinstance(x, bool) else str(x) for x in (v if isinstance(v, list) else [v]))

    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    out = []
    for st in statements:
        n: dict[str, Any] = {}
        for k, v in st.items():
            if k in ("Principal", "NotPrincipal"):
                v = {"*": "*"} if v == "*" else v
                n[k] = {t: values(i) for t, i in v.items()}
            elif k == "Condition":
                n[k] = {op: {key: values(x) for key, x in keys.items()} for op, keys in v.items()}
            elif k in ("Action", "NotAction", "Resource", "NotResource"):
                n[k] = values(v)
            else:
                n[k] = v
        out.append(n)
    return {"Version": doc.get("Version", "2012-10-17"), "Statement": out}


def assert_forms_put_the_policy(fix: dict[str, Any]) -> None:
    """Every form of *fix* puts exactly ``fix.policy``, and each validates."""
    forms = fix["forms"]
    assert forms["cli"] == fix["command"]
    assert cli_document(forms["cli"]) == fix["policy"]
    assert_cli_options_exist(forms["cli"])
    assert cfn_document(fix) == fix["policy"]
    assert_cfn_lints(fix)
    assert normalised(terraform_document(forms["terraform"])) == normalised(fix["policy"])
    added = fix["statement"]
    assert fix["policy"]["Statement"][-len(added):] == added  # the added statements are the document's last
