"""CloudTrail, where real incidents are recorded: AccessDenied events of Glue and IAM calls, each with its real
request context (CloudTrail User Guide, "CloudTrail record contents": ``userIdentity`` with
``sessionContext.attributes.mfaAuthenticated``, ``sourceIPAddress``, ``userAgent``, ``errorCode``,
``errorMessage``, ``eventTime``).

Events come as ``aws cloudtrail lookup-events`` prints them (``{"EventId", "EventName", "EventTime",
"CloudTrailEvent": "<JSON text>"}``), from the aws target (``LookupEvents``: read-only, paginated, at most two
calls a second), a snapshot's ``CloudTrailEvents`` (the CLI's ``Events`` pasted in) or a sandbox scenario.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from glue_iam_kit.errors import KitError, NotFoundError

DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Client.UnauthorizedOperation"}
EVENT_SOURCES = ("glue.amazonaws.com", "iam.amazonaws.com")
EVENT_COLUMNS = ["time", "event_id", "principal", "operation", "action", "resource", "source_ip", "mfa",
                 "user_agent", "region"]
LOOKUP_INTERVAL_S = 0.5  # LookupEvents allows two calls per second per account and region


@dataclass(frozen=True)
class DeniedEvent:
    """One AccessDenied event and the request context it records."""

    event_id: str
    time: str
    operation: str
    error_code: str
    error_message: str
    principal: str  # userIdentity.arn
    identity_type: str  # IAMUser | AssumedRole | FederatedUser | Root | AWSService ...
    mfa: str  # "true" | "false" | "" (no session context: long-term access keys)
    source_ip: str
    user_agent: str
    region: str
    access_key_id: str

    @property
    def mfa_mode(self) -> str:
        """The kit's MFA mode for the request context: present, false, or absent (long-term keys)."""
        return {"true": "present", "false": "false"}.get(self.mfa, "absent")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_event(entry: dict[str, Any]) -> DeniedEvent:
    """An event as ``lookup-events`` prints it (or its CloudTrailEvent record alone)."""
    record = entry.get("CloudTrailEvent", entry)
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except ValueError:
            raise KitError(f"event {entry.get('EventId', '?')}: CloudTrailEvent is not JSON") from None
    if not isinstance(record, dict):
        raise KitError("a CloudTrail event must be an object")
    identity = record.get("userIdentity") or {}
    attributes = (identity.get("sessionContext") or {}).get("attributes") or {}
    return DeniedEvent(
        event_id=str(entry.get("EventId") or record.get("eventID") or ""),
        time=str(record.get("eventTime") or entry.get("EventTime") or ""),
        operation=str(record.get("eventName") or entry.get("EventName") or ""),
        error_code=str(record.get("errorCode") or ""), error_message=str(record.get("errorMessage") or ""),
        principal=str(identity.get("arn") or ""), identity_type=str(identity.get("type") or ""),
        mfa=str(attributes.get("mfaAuthenticated") or ""), source_ip=str(record.get("sourceIPAddress") or ""),
        user_agent=str(record.get("userAgent") or ""), region=str(record.get("awsRegion") or ""),
        access_key_id=str(identity.get("accessKeyId") or ""))


def is_denied(event: DeniedEvent) -> bool:
    return event.error_code in DENIED_CODES


def source_ip_value(event: DeniedEvent) -> str:
    """The source IP as aws:SourceIp would carry it: empty for calls AWS services made (a host name there)."""
    ip = event.source_ip
    return ip if ip and (ip.replace(".", "").isdigit() or ":" in ip) else ""


def fetch_events(target: Any, since: timedelta = timedelta(days=7)) -> list[dict[str, Any]]:
    """The Glue and IAM events of the last *since* through the aws target's client (read-only, paced)."""
    end = datetime.now(UTC)
    events: list[dict[str, Any]] = []
    for source in EVENT_SOURCES:
        token: str | None = None
        while True:
            params: dict[str, Any] = {"LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": source}],
                                      "StartTime": end - since, "EndTime": end, "MaxResults": 50}
            if token:
                params["NextToken"] = token
            page = target.call("cloudtrail", "lookup_events", **params)
            events += [{**e, "EventTime": str(e.get("EventTime", ""))} for e in page.get("Events", [])]
            token = page.get("NextToken")
            if not token:
                break
            time.sleep(LOOKUP_INTERVAL_S)
    return events


def denials(events: list[dict[str, Any]], action: str = "") -> list[DeniedEvent]:
    """The AccessDenied events among *events*, newest first; with *action*, only those whose message names it."""
    out = [e for e in map(parse_event, events) if is_denied(e)]
    if action:
        out = [e for e in out if f"perform: {action}" in e.error_message or e.operation == action]
    return sorted(out, key=lambda e: e.time, reverse=True)


def find_event(events: list[dict[str, Any]], event_id: str) -> DeniedEvent:
    for e in map(parse_event, events):
        if e.event_id == event_id:
            return e
    raise NotFoundError("CloudTrail event", event_id, "the events this target holds")


def parse_since(text: str) -> timedelta:
    """``24h``, ``7d``, ``90m`` as a timedelta (a clear error otherwise)."""
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise KitError(f"--since takes a number and a unit (m, h, d), like 24h: not {text!r}")
    return timedelta(**{units[text[-1]]: int(text[:-1])})
