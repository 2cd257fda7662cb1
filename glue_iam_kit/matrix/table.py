"""The matrix's result: (principal group × role) code arrays, and the rows made from them only for output —
a categorical DataFrame, or Parquet/CSV streamed through pyarrow's writers with dictionary-encoded columns."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from glue_iam_kit.errors import KitError
from glue_iam_kit.files import atomic_path
from glue_iam_kit.model import DECISIONS

if TYPE_CHECKING:
    from glue_iam_kit.matrix.compute import MatrixAccount

MATRIX_COLUMNS = ["principal_arn", "role_arn", "decision", "blocked_by", "statements"]
OUTPUT_FORMATS = (".parquet", ".csv")


def progress_bar(enabled: bool, **kwargs: Any) -> Any:
    from tqdm.auto import tqdm

    return tqdm(disable=not enabled, mininterval=0.5, **kwargs)


@dataclass
class PassRoleMatrix:
    """The matrix as (group × role) code arrays; :meth:`to_frame` and :meth:`write` make the rows."""

    account: MatrixAccount
    service: str
    mfa: str
    decision: np.ndarray  # (groups, roles) int8 codes into DECISIONS
    blocked_by: np.ndarray  # (groups, roles) codes into blocked_labels
    statements: np.ndarray  # (groups, roles) codes into statement_labels
    blocked_labels: list[str]
    statement_labels: list[str]
    evaluations: int  # evaluator calls it took
    problems: list[str] = field(default_factory=list)

    @property
    def principals(self) -> list[str]:
        return self.account.principal_arns

    @property
    def roles(self) -> list[str]:
        return self.account.roles

    @property
    def pairs(self) -> int:
        return len(self.account.principals) * len(self.account.roles)

    def decision_counts(self) -> dict[str, int]:
        """How many pairs got each decision."""
        sizes = self.account.group_sizes
        return {name: int(sizes @ (self.decision == code).sum(axis=1)) for code, name in enumerate(DECISIONS)}

    def for_service(self, service: str) -> PassRoleMatrix:
        """The same account's matrix for another service (cheap: the grouping is reused)."""
        return self.account.decide(service, self.mfa)

    def _rows(self, first: int, last: int) -> dict[str, np.ndarray]:
        """Codes of every column for principals first..last-1 (rows principal-major)."""
        n_roles = len(self.roles)
        groups = self.account.group_of[first:last]
        return {
            "principal_arn": np.repeat(np.arange(first, last, dtype=np.int32), n_roles),
            "role_arn": np.tile(np.arange(n_roles, dtype=np.int32), last - first),
            "decision": self.decision[groups].ravel(),
            "blocked_by": self.blocked_by[groups].ravel(),
            "statements": self.statements[groups].ravel(),
        }

    def _dictionaries(self) -> dict[str, list[str]]:
        return {"principal_arn": self.principals, "role_arn": self.roles, "decision": list(DECISIONS),
                "blocked_by": self.blocked_labels, "statements": self.statement_labels}

    def to_frame(self) -> Any:
        """The whole matrix as a DataFrame with :data:`MATRIX_COLUMNS` (categorical columns: compact)."""
        import pandas as pd

        codes = self._rows(0, len(self.account.principals))
        dictionaries = self._dictionaries()
        return pd.DataFrame({name: pd.Categorical.from_codes(codes[name], categories=dictionaries[name],
                                                             validate=False) for name in MATRIX_COLUMNS})

    def record_batches(self, rows_per_batch: int = 1 << 20) -> Iterator[Any]:
        """The rows as pyarrow record batches with dictionary-encoded columns, principal by principal."""
        import pyarrow as pa

        dictionaries = {name: pa.array(labels, type=pa.string()) for name, labels in self._dictionaries().items()}
        step = max(1, rows_per_batch // max(1, len(self.roles)))
        total = len(self.account.principals)
        for first in range(0, total, step):
            codes = self._rows(first, min(total, first + step))
            yield pa.RecordBatch.from_arrays(
                [pa.DictionaryArray.from_arrays(pa.array(codes[name].astype(np.int32, copy=False)),
                                                dictionaries[name]) for name in MATRIX_COLUMNS],
                names=MATRIX_COLUMNS)

    def write(self, path: str | os.PathLike[str], progress: bool = False, rows_per_batch: int = 1 << 20) -> Path:
        """Write the rows to ``.parquet`` or ``.csv`` (by suffix), streaming in batches; atomic."""
        import pyarrow as pa

        out = check_output_path(path)
        schema = pa.schema([(name, pa.dictionary(pa.int32(), pa.string())) for name in MATRIX_COLUMNS])
        with atomic_path(out) as tmp:
            with progress_bar(progress, total=self.pairs, desc="writing", unit="decision", unit_scale=True) as bar:
                if out.suffix.lower() == ".parquet":
                    import pyarrow.parquet as pq

                    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
                        for batch in self.record_batches(rows_per_batch):
                            writer.write_batch(batch)
                            bar.update(batch.num_rows)
                else:
                    import pyarrow.csv as pacsv

                    plain = pa.schema([(name, pa.string()) for name in MATRIX_COLUMNS])
                    # CSV wants plain strings; a smaller batch keeps the decoded text small.
                    with pacsv.CSVWriter(tmp, plain) as writer:
                        for batch in self.record_batches(max(1, rows_per_batch // 4)):
                            writer.write_table(pa.Table.from_batches([batch]).cast(plain))
                            bar.update(batch.num_rows)
        return out


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """*path* as a Path when the matrix can be written there (a known suffix, an existing directory)."""
    out = Path(path)
    if out.suffix.lower() not in OUTPUT_FORMATS:
        raise KitError(f"--out must end in {' or '.join(OUTPUT_FORMATS)}, not {out.name!r}")
    if not out.absolute().parent.is_dir():
        raise KitError(f"cannot write {out}: directory {out.absolute().parent} does not exist")
    return out


