"""The security review's narrower alternative in the anonymised files (issue 22): a policy AWS accepts (Sids of
letters and digits, the kit's own), the same policy in findings.json and report.md, Glue's metrics namespace
kept, the Glue catalog ARN kept whole (``...:catalog``)."""

from __future__ import annotations

import json
import re

from glue_iam_kit.diagnosis.scoped_role import KIT_SIDS
from tests.reports.test_fix_anonymise import _outputs


def test_the_narrower_alternative_stays_valid_iam_json_when_anonymised():
    files = _outputs({}, scenario="admin-runtime-role")
    scoped = json.loads(files["findings.json"])["fix"]["review"]["scoped_role"]
    policy = scoped["policy"]
    sids = [st["Sid"] for st in policy["Statement"]]
    assert all(re.fullmatch(r"[A-Za-z0-9]+", sid) for sid in sids), sids
    assert set(sids) <= set(KIT_SIDS)
    metrics = next(st for st in policy["Statement"] if st["Sid"] == "GlueMetrics")
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Glue"}}
    catalog = next(st for st in policy["Statement"] if st["Sid"] == "ReadCatalog")
    assert re.fullmatch(r"arn:aws:glue:[a-z0-9-]+:<account-id>:catalog", catalog["Resource"][0])
    md = files["report.md"].split("**A narrower alternative:**", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", md, re.DOTALL).group(1)
    assert json.loads(block) == policy
    command = re.search(r"```sh\n(.*?)\n```", md, re.DOTALL).group(1)
    assert json.dumps(policy, separators=(",", ":")) in command.replace("'", "")
