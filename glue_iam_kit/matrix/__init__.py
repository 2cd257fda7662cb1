"""Who can pass which role to a service: the account-wide PassRole matrix (compute), its rows (table), and what
it says (summary)."""

from glue_iam_kit.matrix.compute import MatrixAccount, compute_matrix, evaluate_matrix, open_matrix_snapshot
from glue_iam_kit.matrix.table import MATRIX_COLUMNS, PassRoleMatrix, check_output_path

__all__ = ["MATRIX_COLUMNS", "MatrixAccount", "PassRoleMatrix", "check_output_path", "compute_matrix",
           "evaluate_matrix", "open_matrix_snapshot"]
