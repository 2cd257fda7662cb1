"""The Glue resources that run as a role, as the Glue API returns them (AWS Glue API reference): how each is
read and listed, and where a snapshot keeps them. One table for the aws target and the snapshot."""

from __future__ import annotations

from typing import NamedTuple


class GlueKind(NamedTuple):
    get: str  # the Get* operation (snake_case) and its name parameter
    name_param: str
    item: str  # the response key of Get*
    list_op: str  # the list operation and its response key
    list_key: str
    snapshot_key: str  # where a snapshot keeps them (each as Get* returns it)
    name_field: str  # the resource's own name field


GLUE_KINDS: dict[str, GlueKind] = {
    "job": GlueKind("get_job", "JobName", "Job", "get_jobs", "Jobs", "Jobs", "Name"),
    "crawler": GlueKind("get_crawler", "Name", "Crawler", "get_crawlers", "Crawlers", "Crawlers", "Name"),
    "session": GlueKind("get_session", "Id", "Session", "list_sessions", "Sessions", "Sessions", "Id"),
    "dev-endpoint": GlueKind("get_dev_endpoint", "EndpointName", "DevEndpoint", "get_dev_endpoints", "DevEndpoints",
                             "DevEndpoints", "EndpointName"),
    # ML transforms are read by id; the kit finds one by its name in the listing.
    "ml-transform": GlueKind("get_ml_transforms", "", "", "get_ml_transforms", "Transforms", "MLTransforms", "Name"),
}
