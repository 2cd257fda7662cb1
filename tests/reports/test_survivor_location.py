"""Where a surviving identifier stands (glue_iam_kit.reports.survivors): the section and the kind, never the
value — the refusal message may itself end up in a ticket."""

from __future__ import annotations

import json

import pytest

from glue_iam_kit.reports.survivor_location import locate_survivors

IDS = {"user": "carol", "groups": ["ops-admins"], "account": "111122223333"}
CASES = [
    ("text", "# Postmortem\n\n## Root cause\n\nops-admins denied it", ["ops-admins"],
     "section 'Root cause': a group name"),
    ("html", "<h2 id='x'>Timeline</h2><p>carol</p>", ["carol"], "section 'Timeline': a user name"),
    ("json", json.dumps({"steps": [{"key": "groups", "summary": "111122223333"}]}), ["111122223333"],
     "at steps[0] (groups).summary: an account id"),
]


@pytest.mark.parametrize("kind,text,survivors,expected", CASES, ids=[c[0] for c in CASES])
def test_a_survivor_is_located_by_section_and_kind(kind, text, survivors, expected):
    found = locate_survivors(text, kind, survivors, IDS)
    assert found == [expected]
    assert not any(s in line for s in survivors for line in found)
