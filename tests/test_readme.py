"""README's "Explore with Python": its ```python blocks run as written on the sandbox, in order, in a fresh
process (a block that starts with ``# needs an AWS account`` is for a real account and is only compiled)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NEEDS_AWS = "# needs an AWS account"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def test_the_python_blocks_run_in_order(tmp_path):
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    runnable = [b for b in blocks if not b.startswith(NEEDS_AWS)]
    assert len(runnable) >= 5 and len(blocks) > len(runnable)
    for block in blocks:
        compile(block, "README.md", "exec")  # the real-account ones too
    script = tmp_path / "readme.py"
    script.write_text("\n".join(runnable), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "explicitDeny implicitDeny" in done.stdout
    assert "['explicit-deny', 'no-allow']" in done.stdout
    assert "aws iam list-groups-for-user --user-name alice" in done.stdout
    assert (tmp_path / "python-api-report" / "findings.json").exists()
    assert re.search(r"user/etl-dev .*role/etl-s3-rds-runtime +script +s3:PutObject", done.stdout)  # escalation()
