"""Glue interactive sessions: ``CreateSession`` passes the session's ``Role`` (AWS Glue API reference,
Interactive sessions)."""

from __future__ import annotations

from glue_iam_kit.entrypoints.base import EntryPoint, name_lister, resource_fetcher

ENTRY_POINT = EntryPoint("session", "Glue interactive session", ("CreateSession",), "glue:CreateSession",
                         resource_fetcher("session", "Role", "Id"), name_lister("session", "Id"), "glue_sessions")
