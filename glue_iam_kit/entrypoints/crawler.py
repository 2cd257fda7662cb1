"""Glue crawlers: ``CreateCrawler`` / ``UpdateCrawler`` pass the crawler's ``Role`` (AWS Glue API reference,
Crawlers)."""

from __future__ import annotations

from glue_iam_kit.entrypoints.base import EntryPoint, name_lister, resource_fetcher

ENTRY_POINT = EntryPoint("crawler", "Glue crawler", ("CreateCrawler", "UpdateCrawler"), "glue:UpdateCrawler",
                         resource_fetcher("crawler", "Role", "Name"), name_lister("crawler", "Name"), "crawlers")
