"""``python -m glue_iam_kit.cli``: the same as the ``glue-iam-kit`` command."""

import sys

from glue_iam_kit.cli import main

sys.exit(main())
