"""glue-iam-kit: investigate AWS Glue ``iam:PassRole`` AccessDenied failures.

Nothing heavy is imported here: start-up time is part of every papermill run and every CLI call.
"""

__version__ = "0.1.0"
