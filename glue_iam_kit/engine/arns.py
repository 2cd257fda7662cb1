"""ARN parsing and the IAM name/ARN conversions the kit needs (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from glue_iam_kit.errors import ArnError

_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Arn:
    """The six colon-separated components of an ARN (the last one may itself hold colons)."""

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @property
    def resource_type(self) -> str:
        """``user`` for ``user/path/name``; empty when the resource has no type prefix."""
        return self.resource.split("/", 1)[0] if "/" in self.resource else ""

    @property
    def name(self) -> str:
        """The last path element: ``bob`` for ``user/dev/bob``."""
        return self.resource.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        """The IAM path: ``/dev/`` for ``user/dev/bob``, ``/`` when none."""
        parts = self.resource.split("/")
        return "/" + "".join(p + "/" for p in parts[1:-1]) if len(parts) > 2 else "/"

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


def parse_arn(text: str) -> Arn:
    """Parse ``arn:partition:service:region:account:resource`` or raise :class:`ArnError`."""
    if not isinstance(text, str):
        raise ArnError(f"malformed ARN {text!r}: not a string")
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2] or not parts[5]:
        raise ArnError(f"malformed ARN {text!r}: expected arn:partition:service:region:account:resource")
    return Arn(*parts[1:])



def check_account_id(account: str) -> str:
    """Return *account* when it is twelve digits, else raise :class:`ArnError`."""
    if not isinstance(account, str) or not _ACCOUNT.match(account):
        raise ArnError(f"malformed account id {account!r}: expected twelve digits")
    return account



def name_from(name_or_arn: str, kind: str) -> str:
    """Accept a bare IAM name or an IAM ARN of *kind* (``user``, ``role``, ``group``); return the name."""
    if name_or_arn.startswith("arn:"):
        arn = parse_arn(name_or_arn)
        if arn.service != "iam" or arn.resource_type != kind:
            raise ArnError(f"{name_or_arn!r} is not an IAM {kind} ARN")
        return arn.name
    return name_or_arn

