"""The investigation's last output in a notebook: the AWS call tally people see, and the results for the kit's
runner (:mod:`glue_iam_kit.jupyter.run`) in a media type no front end renders."""

from __future__ import annotations

import json
from typing import Any

# The notebook's last output carries the results in this media type beside the tally it shows: no front end
# renders it, the runner reads it from the executed notebook and removes it before anything is written. JSON
# text, not a JSON object: notebook writers sort an object's keys, and the fix must keep its order.
RESULTS_MEDIA_TYPE = "application/vnd.glue-iam-kit.results"


class Handover:
    """The investigation's last output: the AWS call tally as people see it, and the results (not anonymised:
    never shown, never written) for the runner in :data:`RESULTS_MEDIA_TYPE`."""

    def __init__(self, tally: Any, results: dict[str, Any], identifiers: dict[str, Any]) -> None:
        self.tally, self.results, self.identifiers = tally, results, identifiers

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        data = json.dumps({"results": self.results, "identifiers": self.identifiers}, default=str)
        return {"text/plain": repr(self.tally), "text/html": self.tally._repr_html_(), RESULTS_MEDIA_TYPE: data}

    def __repr__(self) -> str:
        return repr(self.tally)


__all__ = ["RESULTS_MEDIA_TYPE", "Handover"]
