"""Glue development endpoints: ``CreateDevEndpoint`` passes ``RoleArn`` (AWS Glue API reference, Development
endpoints)."""

from __future__ import annotations

from glue_iam_kit.entrypoints.base import EntryPoint, name_lister, resource_fetcher

ENTRY_POINT = EntryPoint("dev-endpoint", "Glue development endpoint", ("CreateDevEndpoint",),
                         "glue:CreateDevEndpoint", resource_fetcher("dev-endpoint", "RoleArn", "EndpointName"),
                         name_lister("dev-endpoint", "EndpointName"), "dev_endpoints")
