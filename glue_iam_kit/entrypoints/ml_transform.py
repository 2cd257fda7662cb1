"""Glue ML transforms: ``CreateMLTransform`` / ``UpdateMLTransform`` pass the transform's ``Role`` (AWS Glue API
reference, Machine learning)."""

from __future__ import annotations

from glue_iam_kit.entrypoints.base import EntryPoint, name_lister, resource_fetcher

ENTRY_POINT = EntryPoint("ml-transform", "Glue ML transform", ("CreateMLTransform", "UpdateMLTransform"),
                         "glue:UpdateMLTransform", resource_fetcher("ml-transform", "Role", "Name"),
                         name_lister("ml-transform", "Name"), "ml_transforms")
