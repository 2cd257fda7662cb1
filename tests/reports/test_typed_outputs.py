"""The incident is anonymised, not its rendered text: names equal to the report's own words change nothing but
placeholders (a differential check), and random or adversarial names, tags, paths, keys and error contexts
never survive in any output file, in any derived form (a property test). Fast: the outputs are rendered from
in-process sandbox investigations (bundle.render_outputs), no notebook runs."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue_iam_kit.account import open_investigation
from glue_iam_kit.engine.marks import ident, strip_marks
from glue_iam_kit.reports.anonymise import Anonymiser
from glue_iam_kit.reports.aws_owned import is_aws_owned
from glue_iam_kit.reports.bundle import render_outputs, visible_text
from glue_iam_kit.reports.survivors import derived_forms, find_survivors

SCENARIO_PARAMS = ("glue_group", "dev_group", "bucket", "permission_set", "engineer", "team", "repository", "stack",
                   "deployer")


def investigate(scenario: str = "seed-incident", error_text: str = "", **names: str) -> tuple[dict, dict]:
    params = {k: names.pop(k) for k in list(names) if k in SCENARIO_PARAMS}
    inv = open_investigation("sandbox", scenario=scenario, scenario_params=params, error_text=error_text, **names)
    try:
        inv.run()
        return inv.results(), inv.identifiers()
    finally:
        inv.target.close()


def outputs(scenario: str = "seed-incident", error_text: str = "", **names: str) -> tuple[dict[str, str], dict]:
    results, ids = investigate(scenario, error_text, **names)
    return render_outputs("{}", results, ids), ids


_NUMBERED = re.compile(r"<([a-z]+(?:-[a-z]+)*)-\d+>")
_VOLATILE = re.compile(r"\d{4}-\d\d-\d\d[T ][\d:.+]+|AIDA[A-Z0-9]+|AROA[A-Z0-9]+")


def normalised(files: dict[str, str]) -> dict[str, str]:
    """The outputs a reader compares: placeholders without their numbers, times and moto's ids masked."""
    findings = json.loads(files["findings.json"])
    findings.pop("generated_at", None)
    texts = {"report.md": files["report.md"], "report.html": visible_text(files["report.html"]),
             "findings.json": json.dumps(findings, indent=1, sort_keys=True)}
    return {k: _VOLATILE.sub("<time>", _NUMBERED.sub(r"<\1-N>", v)) for k, v in texts.items()}


NEUTRAL = {"user": "dev-user", "role": "etl-runtime-role", "job": "nightly-sales-etl", "glue_group": "GlueAccess",
           "dev_group": "Developers"}
# Every key and keyword the CLI, CloudFormation and Terraform forms and the report use, as names.
REPORT_WORDS = [
    {"user": "data", "role": "Resource", "job": "test", "glue_group": "Policy", "dev_group": "Statement"},
    {"user": "identity", "role": "Users", "job": "name", "glue_group": "IAM", "dev_group": "AWS"},
    {"user": "group", "role": "policy", "job": "values", "glue_group": "resource", "dev_group": "Allow"},
    {"user": "Effect", "role": "Action", "job": "condition", "glue_group": "Groups", "dev_group": "Type"},
    {"user": "aws", "role": "role", "job": "job", "glue_group": "user", "dev_group": "Version"},
]


@pytest.fixture(scope="module")
def neutral() -> dict[str, str]:
    return normalised(outputs(**NEUTRAL)[0])


@pytest.mark.parametrize("names", REPORT_WORDS, ids=lambda n: "-".join(n.values()))
def test_names_from_the_reports_own_words_change_nothing_but_placeholders(neutral, names):
    files, _ = outputs(**names)
    got = normalised(files)
    for name in got:
        assert got[name] == neutral[name], name
    # the investigation form of report.md too (its page is the notebook's: see the display test below)
    assert investigation_md(**names) == investigation_md(**NEUTRAL)


def investigation_md(**names: str) -> str:
    from glue_iam_kit.reports.bundle import anonymise_results
    from glue_iam_kit.reports.markdown import render_report_md

    results, ids = investigate(**names)
    anonymous, a, _ = anonymise_results(results, ids)
    return normalised({"report.md": a.anonymise_text(render_report_md(anonymous)),
                       "report.html": "", "findings.json": "{}"})["report.md"]


IAM_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
ADVERSARIAL = ["data", "Policy", "test", "identity", "Statement", "Resource", "Users", "name", "values",
               "AllowPassGlueRuntimeRoleToGlue", "DeployerBoundary", "carol.white@example.com", "x-1", "aws"]
names = st.one_of(st.sampled_from(ADVERSARIAL),
                  st.from_regex(r"\A[a-zA-Z][a-zA-Z0-9_-]{3,20}\Z").filter(lambda s: s[-1] not in "_-"))
CONTEXTS = [
    "Error: updating Glue Job ({job}): AccessDeniedException: {msg}\n\n  with module.etl_{job}.aws_glue_job.this,\n"
    "  on /home/{user}/src/acme-{role}/main.tf line 12, in resource \"aws_glue_job\" \"this\":",
    "Traceback (most recent call last):\n  File \"/home/{user}/jobs/{job}.py\", line 3, in <module>\n"
    "    glue.update_job(JobName='{job}')\nbotocore.exceptions.ClientError: An error occurred "
    "(AccessDeniedException) when calling the UpdateJob operation: {msg}",
    "Resource handler returned message: \"{msg}\" (RequestToken: 1b2c, HandlerErrorCode: AccessDenied)\n"
    "LogicalResourceId: {role}Job, stack arn:aws:cloudformation:ap-northeast-1:111122223333:stack/{job}-stack/x\n"
    "see https://console.aws.amazon.com/iam/home#/roles/arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2F{role}",
]


def _message(user: str, role: str) -> str:
    return (f"User: arn:aws:iam::111122223333:user/{user} is not authorized to perform: iam:PassRole on resource: "
            f"arn:aws:iam::111122223333:role/{role} because no identity-based policy allows the iam:PassRole action")


def _no_survivor(files: dict[str, str], ids: dict[str, Any], real: list[str]) -> None:
    from glue_iam_kit.reports.vocabulary import is_kit_name

    for name, kind in (("report.md", "text"), ("report.html", "html"), ("findings.json", "json")):
        assert find_survivors(files[name], ids, kind) == [], name
        text = visible_text(files[name]) if kind == "html" else files[name]
        for value in (v for v in real if not is_kit_name(v)):  # the kit's own names are no leak
            for form in derived_forms(value):
                if len(form) > 3 and not is_kit_name(form):
                    assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])", text,
                                         re.IGNORECASE), (name, form)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user=names, role=names, job=names, group=names, context=st.sampled_from(CONTEXTS))
def test_random_and_adversarial_names_never_survive_in_any_form(user, role, job, group, context):
    if len({user.lower(), role.lower(), job.lower(), group.lower(), "developers"}) < 5 or "@" in role + group:
        return  # distinct names (IAM would refuse duplicates); an e-mail is a user's name, not a role's
    error = context.format(user=user, role=role, job=job, msg=_message(user, role))
    files, ids = outputs(error_text=error, user=user, role=role, job=job, glue_group=group)
    assert "iam:PassRole" in files["report.md"] and "AWSGlueConsoleFullAccess" in files["report.md"]
    _no_survivor(files, ids, [user, role, job, group, "acme-" + role, "/home/" + user])


def test_marks_are_for_the_anonymiser_only():
    text = f"role {ident('role', 'Policy')} has a Policy"
    assert strip_marks(text) == "role Policy has a Policy"
    assert Anonymiser({"groups": ["Policy"]}).anonymise_text(text) == "role <group-1> has a Policy"


def test_typed_fields_tags_trust_conditions_and_free_text():
    a = Anonymiser({"account": "111122223333", "user": "carol"})
    doc = {"steps": [{"key": "trust", "summary": "s", "evidence": [{
        "role_name": "etl", "path": "/teams/data-eng/", "condition": json.dumps(
            {"StringEquals": {"sts:ExternalId": "acme-42", "token.actions.githubusercontent.com:sub":
                              "repo:acme/etl:ref:refs/heads/main"}}, separators=(",", ":"))}], "details": {}}],
        "simulations": [{"context": [{"ContextKeyName": "aws:PrincipalTag/owner", "ContextKeyType": "string",
                                      "ContextKeyValues": ["carol.white@example.com"]},
                                     {"ContextKeyName": "iam:PassedToService", "ContextKeyType": "string",
                                      "ContextKeyValues": ["glue.amazonaws.com"]}]}],
        "event": {"user_agent": "aws-cli/2.15.0 Python/3.11.6 Linux/5.15 app/acme-deployer carol's laptop"},
        "fix": {"policy": {"Statement": [{"Sid": "LetCarolIn", "Resource": "arn:aws:s3:::acme-data/raw/my file.csv",
                                          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}}}
    out = json.dumps(a.anonymise_object(doc))
    for leak in ("acme", "carol", "data-eng", "teams", "o-abc123", "LetCarolIn", "my file", "laptop", "etl"):
        assert leak not in out, leak
    for kept in ("glue.amazonaws.com", "aws-cli/2.15.0", "sts:ExternalId", "aws:PrincipalTag/owner", "<email-1>"):
        assert kept in out, kept
    assert "arn:aws:s3:::<bucket-1>/" in out


def test_an_identity_center_user_on_a_predefined_permission_set_gets_its_report():
    # Refused before: "refusing to write report.html: 1 identifier(s) survived anonymisation".
    files, _ = outputs("identity-center", permission_set="ViewOnlyAccess", engineer="jane.doe@example.com")
    assert "AWSReservedSSO_ViewOnlyAccess_<sso-suffix-1>" in files["report.md"]  # AWS's name, kept everywhere
    assert "0123456789abcdef" not in files["report.md"] and "jane" not in files["findings.json"]
    assert json.loads(files["findings.json"])["fix"]["where"] == "permission-set"


def test_an_s3_key_with_a_space_is_one_value_and_s3_uris_lose_their_keys():
    a = Anonymiser({"buckets": ["acme-data"]})
    assert a.typed("arn", "arn:aws:s3:::acme-data/raw/my file.csv") == (
        "arn:aws:s3:::<bucket-1>/<resource-1>/<resource-2>")
    assert a.anonymise_text("see s3://acme-data/raw/2024/x.csv now") == "see s3://<bucket-1>/<object-key-1> now"


@pytest.mark.parametrize("scenario", __import__("glue_iam_kit.sources.sandbox", fromlist=["x"]).scenario_names())
def test_every_scenario_writes_its_reports_with_no_identifier_in_any_form(scenario):
    files, ids = outputs(scenario)
    real = [v for k, v in ids.items() if isinstance(v, str) and k not in ("account", "profile")]
    real += [v for k, vs in ids.items() if isinstance(vs, list) and k not in ("accounts", "aws_policies") for v in vs]
    _no_survivor(files, ids, [v for v in real if v and not is_aws_owned(v, "", ids["aws_policies"])])


word = st.from_regex(r"\A[a-z][a-z0-9]{3,12}\Z")
EMAILS = st.builds(lambda a, b: f"{a}.{b}@{b}corp.example", word, word)
# (scenario, parameter, values): a tag value, a trust condition's repository, an Identity Center user and
# permission set, a CloudFormation stack, a pipeline role, a bucket.
PLACES = st.one_of(
    st.tuples(st.sampled_from(["abac-allow", "abac-guardrail-deny"]), st.just("team"),
              st.one_of(EMAILS, word, st.sampled_from(ADVERSARIAL[:9]))),
    st.tuples(st.just("ci-oidc-role"), st.just("repository"), st.builds(lambda a, b: f"{a}/{b}", word, word)),
    st.tuples(st.just("identity-center"), st.just("engineer"), EMAILS),
    st.tuples(st.just("identity-center"), st.just("permission_set"),
              st.one_of(st.sampled_from(["Policy", "Statement", "data"]), word.map(str.capitalize))),
    st.tuples(st.just("cloudformation-managed-role"), st.just("stack"), word.map(lambda w: f"{w}-stack")),
    st.tuples(st.just("boundary-without-passrole"), st.just("deployer"), st.one_of(word, st.just("Resource"))),
    st.tuples(st.just("runtime-role-s3-read"), st.just("bucket"), word.map(lambda w: f"{w}-lake")),
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=PLACES)
def test_tags_trust_conditions_sets_stacks_and_buckets_never_survive(place):
    scenario, parameter, value = place
    results, ids = investigate(scenario, **{parameter: value})
    files = render_outputs("{}", results, ids)
    parts = [value, *value.split("/"), *value.split("@")] if parameter != "team" or "@" in value else [value]
    _no_survivor(files, ids, [p for p in parts if len(p) > 3 and not is_aws_owned(p)])


def test_the_notebooks_display_shows_names_and_its_anonymised_page_replaces_exactly_them():
    import pandas as pd

    from glue_iam_kit.model import Finding
    from glue_iam_kit.reports.finding import render_finding_html, render_finding_text

    finding = Finding(3, "groups", "Groups", "ok", f"member of {ident('group', 'Policy')} (Policy)",
                      pd.DataFrame([{"group_name": "Policy", "why": f"via {ident('group', 'Policy')}"}]))
    page = render_finding_html(finding)
    assert visible_text(page).count("Policy") == 4 and "\ue000" not in page
    assert "member of Policy (Policy)" in render_finding_text(finding)
    anonymous = visible_text(Anonymiser({"groups": ["Policy"]}).anonymise_html(page))
    assert "member of <group-1> (Policy)" in anonymous and "via <group-1>" in anonymous
    assert "<group-1> via" in " ".join(anonymous.split())  # the table's typed column


@pytest.mark.parametrize("scenario", ["role-not-found", "job-other-role", "trust-missing", "passrole-star"])
def test_other_verdicts_with_the_reports_own_words_change_nothing_but_placeholders(scenario):
    neutral = {k: v for k, v in NEUTRAL.items() if k != "dev_group"}
    words = {k: v for k, v in REPORT_WORDS[0].items() if k != "dev_group"}
    got, want = normalised(outputs(scenario, **words)[0]), normalised(outputs(scenario, **neutral)[0])
    for name in got:
        assert got[name] == want[name], name


@pytest.mark.parametrize("text", ["data \"aws_iam_policy_document\" \"deployer_boundary\" {", "deployer-boundary",
                                  "DEPLOYERBOUNDARY", "arn%3Aaws%3Aiam%3A%3A1%3Apolicy%2FDeployerBoundary",
                                  "{\"name\": \"Deployer\\u00e9Boundary\"}"])
def test_the_survivor_check_finds_every_derived_form(text):
    ids = {"policies": ["DeployerBoundary", "Deployer\u00e9Boundary"]}
    assert find_survivors(text, ids) != []


def test_the_survivor_check_never_calls_the_kits_own_words_survivors():
    ids = {"groups": ["Policy", "Statement"], "user": "data", "job": "test"}
    text = ("Type: AWS::IAM::Policy\n  Properties:\n    PolicyDocument: {\"Statement\": []}\n"
            "data \"aws_iam_policy_document\"")
    assert find_survivors(text, ids) == []
