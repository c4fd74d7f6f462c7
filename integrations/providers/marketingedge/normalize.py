"""Marketing Edge (Telmetrics) call webhooks -> `CallEvent`s (seed 004). Pure functions: payload in, events out.

A delivery is an ASP.NET WebHooks envelope: `{"Id": "<32 hex>", "Attempt": 1, "Properties": {...},
"Notifications": [{"Action": "CallDetails.CallProcessed", ...}, ...]}`. `Id` names the delivery and is
reused by its retries (with a higher `Attempt`); each notification is one call event:

- `CallDetails.CallStartCall` (first ring): a provisional, in-progress call. It has no `TelmetricsId`;
  see `start_call_event` for how the store joins it to the call's later notifications.
- `CallDetails.CallPreprocessed` (right after the call; partial, `Incomplete: true`): kind UPDATED.
- `CallDetails.CallProcessed` (later: caller data, scoring, transcript, recording): kind COMPLETED, so
  the store lets it win over the partial data and never lets a late Preprocessed regress it.
- Any other `Action` is an `IgnoredEvent` (stored, answered 2xx).

Times: `StartTime`, `AnswerTime` and `EndTime` are local times in the notification's `TimeZone`
("Eastern"...), converted with the zone's daylight-saving rules; `MonitorStartTime`, `MonitorEndTime` and
`CallDate` are UTC. The Preprocessed sample has `MonitorStartTime` twice (a time, then `null`): Python's
`json` keeps the LAST value of a duplicated key, so it parses as `null`. That is why the start is
`StartTime` in `TimeZone`, with `MonitorStartTime` only as the fallback when the zone is unknown.

Durations: in both samples `CallSeconds` is `AnswerTime` -> `EndTime` (7 s and 10 s), so it is the talk
time; `duration` is `StartTime` -> `EndTime` (ring + talk), or `CallSeconds` when there is no `EndTime`.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.events import CallDirection, CallEvent, CallEventKind, CallStatus, IgnoredEvent, NormalizedEvent
from integrations.plausible import UnusablePayload as UnusablePayload  # the one all normalizers raise
from integrations.plausible import (
    call_seconds,
    call_start,
    first_of,
    free_text,
    phone_number,
    provider_id,
    raw_object,
    url_text,
)
from integrations.untrusted import storable_json, storable_text

PROVIDER = "marketingedge"

CALL_START = "CallDetails.CallStartCall"
CALL_PREPROCESSED = "CallDetails.CallPreprocessed"
CALL_PROCESSED = "CallDetails.CallProcessed"
EVENTS: tuple[str, ...] = (CALL_START, CALL_PREPROCESSED, CALL_PROCESSED)

CALL_KINDS: dict[str, CallEventKind] = {
    CALL_PREPROCESSED: CallEventKind.UPDATED,
    CALL_PROCESSED: CallEventKind.COMPLETED,
}

# `TimeZone` (lower-cased) -> IANA zone. Anything else: `StartTime` cannot be placed, `MonitorStartTime` is used.
TIME_ZONES: dict[str, ZoneInfo] = {
    "eastern": ZoneInfo("America/New_York"),
    "central": ZoneInfo("America/Chicago"),
    "mountain": ZoneInfo("America/Denver"),
    "pacific": ZoneInfo("America/Los_Angeles"),
    "atlantic": ZoneInfo("America/Halifax"),
    "newfoundland": ZoneInfo("America/St_Johns"),
    "alaska": ZoneInfo("America/Anchorage"),
    "hawaii": ZoneInfo("Pacific/Honolulu"),
}

# `AnswerStatus` arrives as an int (1) or a string ("Answered"). A documented guess: 1 / "Answered" is
# answered, 0 is missed, anything else (null, "Busy"...) is UNKNOWN.
ANSWER_STATUS_MAP: dict[str, CallStatus] = {
    "1": CallStatus.ANSWERED,
    "answered": CallStatus.ANSWERED,
    "0": CallStatus.MISSED,
}

# Every spelling the samples use, first found wins.
LANDING_PAGE_KEYS = ("LandingPageUrl", "LandingPageURL", "LandingPagURL:", "LandingPagURL")
REFERRER_KEYS = ("ReferrerUrl", "ReferrerURL")
AD_DEFINITION_ID_KEYS = ("AdDefinitionID", "AdDefinitionId")
ORGANIZATION_KEYS = ("OrganizationId", "OrganizationID")
ORG_GROUP_KEYS = ("OrgGroupId", "OrgGroupID")
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")

SOURCE_MAX_LENGTH = 200  # the call store's `source` column
EVENT_NAME_MAX_LENGTH = 64


def delivery_events(payload: Any, *, event: str = "") -> list[NormalizedEvent]:
    """A Marketing Edge delivery (parsed by `json_parse`) -> one event per notification. The notifications
    name their event (`Action`); `event` is accepted for the common interface and not used."""
    if not isinstance(payload, dict):
        raise UnusablePayload("The body is not a JSON object.")
    delivery_id = provider_id(payload.get("Id"), name="delivery Id")
    notifications = payload.get("Notifications")
    if not isinstance(notifications, list):
        raise UnusablePayload("The delivery has no `Notifications` list.")
    properties = payload.get("Properties") if isinstance(payload.get("Properties"), dict) else {}
    events: list[NormalizedEvent] = []
    for index, notification in enumerate(notifications):
        if not isinstance(notification, dict):
            raise UnusablePayload("A notification is not a JSON object.")
        action = notification.get("Action")
        if action == CALL_START:
            account_id = _account_id(notification, properties)
            events.append(start_call_event(notification, delivery_id=delivery_id, index=index, account_id=account_id))
        elif action in CALL_KINDS:
            account_id = _account_id(notification, properties)
            events.append(call_event(notification, kind=CALL_KINDS[action], account_id=account_id))
        else:
            name = storable_text(action if isinstance(action, str) else "")[:EVENT_NAME_MAX_LENGTH]
            events.append(IgnoredEvent(provider=PROVIDER, event=name, reason="A Marketing Edge action we do not use."))
    if not events:
        return [IgnoredEvent(provider=PROVIDER, event="", reason="The delivery has no notifications.")]
    return events


def dedupe_key(payload: Any, body: bytes, *, event: str = "") -> str:
    """The envelope's `Id` alone: a retry reuses it with a higher `Attempt` (a duplicate), a later
    notification about the same call comes in a new delivery with a new `Id` (it applies). A body
    without a usable `Id` is keyed by its hash. Never raises: every stored delivery gets a key."""
    delivery_id = payload.get("Id") if isinstance(payload, dict) else None
    if isinstance(delivery_id, str | int) and not isinstance(delivery_id, bool) and delivery_id != "":
        return hashlib.sha256(f"Id\n{json.dumps(delivery_id)}".encode()).hexdigest()
    return hashlib.sha256(b"body\n" + body).hexdigest()


def start_call_event(
    notification: dict[str, Any], *, delivery_id: str, index: int = 0, account_id: str = ""
) -> CallEvent:
    """`CallDetails.CallStartCall`: a provisional call, in progress, at `CallDate` (UTC).

    It carries no `TelmetricsId`, so its id is `start:<delivery Id>` (`:<n>` after it for the n-th
    notification of one delivery): stable across retries, never equal to a `TelmetricsId`. The store
    joins it to the call's later Preprocessed/Processed event (which has the `TelmetricsId`) when the
    provider and account match, `tracking_number` (`CalledNumber`) and `caller_number` are equal and
    the start times are within a few minutes (the seeds: CallDate 14:09:45Z, StartTime 09:09:54 Eastern
    = 14:09:54Z); the later event's data then wins. Until then it is an in-progress call of its own; a
    Start that arrives after the later event adds nothing the call does not have.
    """
    notes: list[str] = []
    details = notification.get("CallerDetails") if isinstance(notification.get("CallerDetails"), dict) else {}
    suffix = f":{index}" if index else ""
    return CallEvent(
        provider=PROVIDER,
        provider_call_id=provider_id(f"start:{delivery_id}{suffix}", name="provisional call id"),
        provider_account_id=account_id,
        kind=CallEventKind.RECEIVED,
        started_at=_plausible(_utc(notification.get("CallDate"))),
        status=CallStatus.IN_PROGRESS,
        direction=CallDirection.INBOUND,
        tracking_number=phone_number(notification.get("CalledNumber")),
        caller_number=phone_number(notification.get("CallerNumber") or details.get("PhoneNumber")),
        source=_source(notification, notes=notes),
        caller_name=free_text(details.get("Name"), field="caller_name", notes=notes),
        caller_location=_location(
            {
                "address": details.get("Address"),
                "city": details.get("City"),
                "state": details.get("State"),
                "postal_code": details.get("Zip"),
            },
            notes=notes,
        ),
        attribution=_attribution(notification, notes=notes),
        provisional=True,
        raw=raw_object(notification, notes=notes),
        notes=tuple(notes),
    )


def call_event(notification: dict[str, Any], *, kind: CallEventKind, account_id: str = "") -> CallEvent:
    """`CallDetails.CallPreprocessed` (kind UPDATED) or `CallDetails.CallProcessed` (kind COMPLETED), by
    `TelmetricsId`. The kind follows the `Action`, not `Incomplete` (the Processed sample says true too)."""
    notes: list[str] = []
    zone = _zone(notification.get("TimeZone"))
    started_at = _local(notification.get("StartTime"), zone)
    if started_at is None:
        started_at = _utc(notification.get("MonitorStartTime"))
        if started_at is not None:
            notes.append("started_at: StartTime or TimeZone unreadable, MonitorStartTime (UTC) used")
    started_at = _plausible(started_at)
    status = _answer_status(notification.get("AnswerStatus"))
    answered_seconds = call_seconds(notification.get("CallSeconds"), name="CallSeconds")
    ended_at = _local(notification.get("EndTime"), zone)
    duration = answered_seconds
    if ended_at is not None and ended_at >= started_at:
        duration = call_seconds((ended_at - started_at).total_seconds(), name="call duration (StartTime to EndTime)")
    return CallEvent(
        provider=PROVIDER,
        provider_call_id=provider_id(notification.get("TelmetricsId"), name="TelmetricsId"),
        provider_account_id=account_id,
        kind=kind,
        started_at=started_at,
        status=status,
        direction=CallDirection.INBOUND,  # Telmetrics tracks calls to its tracking numbers
        tracking_number=phone_number(notification.get("CalledNumber")),
        caller_number=phone_number(notification.get("CallerNumber")),
        source=_source(notification, notes=notes),
        duration=duration,
        talk_time=answered_seconds if status is CallStatus.ANSWERED else 0,
        recording_url=url_text(notification.get("VoiceRecordingUrl"), field="recording_url", notes=notes),
        caller_name=free_text(notification.get("CallerName"), field="caller_name", notes=notes),
        caller_location=_location(
            {
                "address": notification.get("CallerStreet") or notification.get("CallerAddress"),
                "city": notification.get("CallerCity"),
                "state": notification.get("CallerState"),
                "postal_code": notification.get("CallerZip"),
            },
            notes=notes,
        ),
        transcript=free_text(notification.get("CallTranscript"), field="transcript", notes=notes),
        voicemail=notification.get("VoiceMailDetected") is True,
        keywords=_keywords(notification.get("keyword_lists"), notes=notes),
        scoring=_scoring(notification.get("VoiceTrends")),
        attribution=_attribution(notification, notes=notes),
        raw=raw_object(notification, notes=notes),
        notes=tuple(notes),
    )


def _account_id(notification: dict[str, Any], properties: dict[str, Any]) -> str:
    """The organization: the notification's `OrganizationId`, else the envelope's `Properties.Organization`,
    else the org group (the Processed sample has only `OrgGroupId`)."""
    for value in (
        *(notification.get(key) for key in ORGANIZATION_KEYS),
        properties.get("Organization"),
        *(notification.get(key) for key in ORG_GROUP_KEYS),
    ):
        if value not in (None, ""):
            return provider_id(value, name="organization id")
    return ""


def _answer_status(value: Any) -> CallStatus:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return CallStatus.UNKNOWN
    return ANSWER_STATUS_MAP.get(str(value).strip().lower(), CallStatus.UNKNOWN)


def _source(notification: dict[str, Any], *, notes: list[str]) -> str:
    """The ad (tracking number's) name, `AdDetails.AdDefinitionName`, when the notification has one."""
    ad = notification.get("AdDetails") if isinstance(notification.get("AdDetails"), dict) else {}
    return free_text(ad.get("AdDefinitionName"), field="source", notes=notes, limit=SOURCE_MAX_LENGTH)


def _attribution(notification: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    """`AttributionDetails` (utm_*, referrer, landing page, in every spelling) and the ad definition id."""
    details = notification.get("AttributionDetails")
    details = details if isinstance(details, dict) else {}
    ad = notification.get("AdDetails") if isinstance(notification.get("AdDetails"), dict) else {}
    values = {key: details.get(key) for key in UTM_KEYS} | {
        "gclid": details.get("gclid"),
        "referrer": first_of(details, REFERRER_KEYS),
        "landing_page": first_of(details, LANDING_PAGE_KEYS),
        "ad_definition_id": first_of(ad, AD_DEFINITION_ID_KEYS),
    }
    attribution = {key: free_text(value, field=f"attribution.{key}", notes=notes) for key, value in values.items()}
    return {key: value for key, value in attribution.items() if value}


def _keywords(keyword_lists: Any, *, notes: list[str]) -> tuple[str, ...]:
    """Every `keyword` of `keyword_lists[].keyword_list[].keywords[]`, once each, in order."""
    found: list[str] = []
    for group in keyword_lists if isinstance(keyword_lists, list) else []:
        lists = group.get("keyword_list") if isinstance(group, dict) else None
        for keyword_list in lists if isinstance(lists, list) else []:
            keywords = keyword_list.get("keywords") if isinstance(keyword_list, dict) else None
            for keyword in keywords if isinstance(keywords, list) else []:
                text = (
                    free_text(keyword.get("keyword"), field="keywords", notes=notes)
                    if isinstance(keyword, dict)
                    else ""
                )
                if text and text not in found:
                    found.append(text)
    return tuple(found)


def _scoring(voice_trends: Any) -> dict[str, Any]:
    """`VoiceTrends` as Telmetrics sends it (`{"Lead": ..., "VoiceMail": ...}`)."""
    if isinstance(voice_trends, dict):
        return storable_json(voice_trends)
    return {} if voice_trends is None else {"VoiceTrends": storable_json(voice_trends)}


def _location(fields: dict[str, Any], *, notes: list[str]) -> dict[str, str]:
    location = {key: free_text(value, field=f"caller_location.{key}", notes=notes) for key, value in fields.items()}
    return {key: value for key, value in location.items() if value}


def _zone(value: Any) -> ZoneInfo | None:
    return TIME_ZONES.get(value.strip().lower()) if isinstance(value, str) else None


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _local(value: Any, zone: ZoneInfo | None) -> datetime | None:
    """A local time in `zone` -> UTC. An ambiguous time (the hour repeated when daylight saving ends) is
    read as its first occurrence, a time skipped when it starts with the offset before the change
    (`zoneinfo`'s fold=0). A time that carries its own offset keeps it; without a zone -> None."""
    parsed = _parse(value)
    if parsed is None or (parsed.tzinfo is None and zone is None):
        return None
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)
    except OverflowError:
        return None


def _utc(value: Any) -> datetime | None:
    """A UTC time (`CallDate`, `MonitorStartTime`: no offset written) as an aware datetime."""
    parsed = _parse(value)
    if parsed is None:
        return None
    try:
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        return None


# --- Values made safe: the same rules as integrations/providers/ctm/normalize.py ---------------------------


def _plausible(moment: datetime | None) -> datetime:
    """`moment`, if it is a plausible time for a call: between 1990 and now (with some clock skew)."""
    if moment is None:
        raise UnusablePayload(
            "The call has no readable start time (StartTime in TimeZone, MonitorStartTime, CallDate)."
        )
    return call_start(moment)
