"""What an outbound webhook can be configured with: its trigger, its body type and its filters.

Plain vocabulary (no database): the models, the matching rules, the renderers and the API share it.
CTM's phases that nothing here can feed yet (`session`, `paid`, `cost`, `geokey`, `route`,
`status_change`) are left out on purpose.
"""

from enum import StrEnum


class Trigger(StrEnum):
    START = "start"  # a call appears (inbound or outbound: the `direction` filter separates them)
    ANSWERED = "answered"  # its status became answered
    HANGUP = "hangup"  # the caller hung up while it was ringing (status canceled)
    UPDATE = "update"  # any change
    END_IMMEDIATE = "end_immediate"  # it ended (a final status), before any later enrichment
    END = "end"  # final data: the provider said the call is complete
    END_DELAYED = "end_delayed"  # OUTBOUND_END_DELAYED_SECONDS (an hour) after `end`
    MANUAL_UPDATE = "manual_update"  # a person edited it (the API's PATCH, the admin)
    RECORDING = "recording"  # a recording became available
    VOICEMAIL = "voicemail"  # the caller left a voicemail
    INBOUND_TEXT = "inbound_text"  # a text message was received
    OUTBOUND_TEXT = "outbound_text"  # a text message was sent
    FORM = "form"  # a form lead was created
    KEYWORD = "keyword"  # its transcript (or spotted keywords) contains one of the webhook's keywords
    SALE = "sale"  # a sale value was set


TEXT_TRIGGERS = frozenset({Trigger.INBOUND_TEXT, Trigger.OUTBOUND_TEXT})
ACTIVITY_TRIGGERS = TEXT_TRIGGERS | {Trigger.FORM}  # fired by messages and leads; the rest by calls
CALL_TRIGGERS = frozenset(Trigger) - ACTIVITY_TRIGGERS


class BodyType(StrEnum):
    LOG = "log"  # the whole call as JSON (GET /v1/calls/<id>'s fields)
    RESOURCE = "resource"  # {"resource_url": a link to the call that works for 7 days without a JWT}
    PIXEL = "pixel"  # GET or POST to the URL, :callid :duration :direction :source :sale_value replaced
    MUSTACHE = "mustache"  # body_template rendered with the call as context


class Method(StrEnum):
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    GET = "GET"  # pixels only


class AuthType(StrEnum):
    NONE = "none"
    BASIC = "basic"
    HEADER = "header"


# Filter keys (all optional: an omitted key matches everything) and what each holds.
LIST_FILTERS = ("tracking_source", "tracking_number", "tag", "campaign_id", "provider")
NUMBER_FILTERS = ("min_talk_time", "min_total_time")
DIRECTION_FILTER = "direction"  # "inbound" or "outbound"
FILTER_KEYS = (*LIST_FILTERS, *NUMBER_FILTERS, DIRECTION_FILTER)


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


# (value, label) lists for model fields, serializers and the API schema's enum names.
TRIGGER_CHOICES = _choices(Trigger)
BODY_TYPE_CHOICES = _choices(BodyType)
METHOD_CHOICES = _choices(Method)
AUTH_TYPE_CHOICES = _choices(AuthType)
