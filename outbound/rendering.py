"""What a webhook sends for one call (or text message, or form lead): method, URL, headers, body.

Body types: `log` (the call as GET /v1/calls/<id> answers it), `resource` (a link to it that works
for 7 days without a JWT), `pixel` (a GET or POST whose URL has :callid, :duration, :direction,
:source and :sale_value replaced) and `mustache` (the webhook's template). The URL may hold mustache
tokens in its path and query, always URL-encoded. Mustache values are escaped for the content type:
JSON-escaped in JSON (never HTML entities), URL-encoded in a form, HTML-escaped in XML and HTML, as
they are in plain text. The context is every call field plus `payload`, the provider's latest raw
object. Rendering is done when a delivery is sent, so a retry carries what is known by then.
"""

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

import pystache
from django.core.serializers.json import DjangoJSONEncoder
from pystache.parsed import ParsedTemplate

from integrations.activity_views import lead_representation, message_representation
from integrations.call_views import StoredCallDetailSerializer
from integrations.models import Call, Lead, Message
from outbound.call_links import call_link_url
from outbound.triggers import BodyType

USER_AGENT = "ctm-integration-outbound/1"
JSON = "application/json"
# Call fields people edit by hand; in every call body even while GET /v1/calls/<id> does not list them.
HAND_EDITED = ("tags", "sale_value", "notes")


class TemplateInvalid(ValueError):
    """A mustache template that does not parse."""


@dataclass(frozen=True)
class OutboundRequest:
    method: str
    url: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


# --- the record as data ---------------------------------------------------------------------------


def _plain(data: Any) -> Any:
    """JSON types only (strings for decimals and times): what templates and bodies are made of, and
    nothing a template could call methods on."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@lru_cache(maxsize=1)
def _call_serializer() -> StoredCallDetailSerializer:
    """One serializer, reused: DRF builds a serializer's fields on first use, which costs more than
    the representation itself (reading its fields after that is safe from several threads)."""
    serializer = StoredCallDetailSerializer()
    serializer.fields  # noqa: B018 - built now, once
    return serializer


def record_data(subject: Call | Message | Lead) -> dict[str, Any]:
    """The record as the API shows it (a call: GET /v1/calls/<id>'s fields)."""
    if isinstance(subject, Call):
        data = dict(_call_serializer().to_representation(subject))
        for name in HAND_EDITED:
            data.setdefault(name, getattr(subject, name))
        return _plain(data)
    if isinstance(subject, Message):
        return _plain(message_representation(subject))
    return _plain(lead_representation(subject))


def mustache_context(subject: Call | Message | Lead, *, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every field, `id` (ours), `provider_call_id` (the provider's id of a call) and `payload`."""
    return {**(data if data is not None else record_data(subject)), "payload": _plain(subject.raw or {})}


# --- mustache -------------------------------------------------------------------------------------


def _json_escape(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]


def escape_for(content_type: str) -> Callable[[str], str]:
    """How `{{value}}` is escaped in a body of this content type (`{{{value}}}` never is)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == JSON or kind.endswith("+json"):
        return _json_escape
    if kind == "application/x-www-form-urlencoded":
        return lambda text: quote_plus(text, safe="")
    if "xml" in kind or "html" in kind:
        return lambda text: html.escape(text, quote=True)
    return lambda text: text


def url_escape(text: str) -> str:
    return quote(text, safe="")


class _Renderer(pystache.Renderer):
    """pystache with values written as JSON writes them (true, false; null as nothing), no partials
    from disk, and missing names rendered empty."""

    def __init__(self, escape: Callable[[str], str]) -> None:
        super().__init__(escape=escape, partials={}, missing_tags="ignore")

    def str_coerce(self, val: Any) -> str:
        if val is None:
            return ""
        if isinstance(val, bool):
            return "true" if val else "false"
        if isinstance(val, dict | list):
            return json.dumps(val, ensure_ascii=False)
        return str(val)


def template_check(template: str) -> None:
    """Refuses a template that does not parse (unclosed or mismatched sections, bad delimiters)."""
    try:
        pystache.parse(template, raise_on_mismatch=True)
        _Renderer(escape=lambda text: text).render(template, {})
    except Exception as exc:  # ParsingError, and plain Exceptions for bad delimiters
        raise TemplateInvalid(f"The template does not parse: {exc}") from None


@lru_cache(maxsize=1024)
def _parsed(template: str) -> ParsedTemplate:
    return pystache.parse(template)


def mustache_render(template: str, context: dict[str, Any], *, escape: Callable[[str], str]) -> str:
    if "{{" not in template:
        return template  # nothing to render (most URLs)
    return _Renderer(escape=escape).render(_parsed(template), context)


# --- URLs -----------------------------------------------------------------------------------------

PIXEL_TOKEN = re.compile(r":(callid|duration|direction|source|sale_value)(?![A-Za-z0-9_])")


def _pixel_values(subject: Call | Message | Lead) -> dict[str, str]:
    if isinstance(subject, Call):
        callid = subject.provider_call_id
    elif isinstance(subject, Message):
        callid = subject.provider_message_id
    else:
        callid = subject.provider_lead_id
    sale_value = getattr(subject, "sale_value", None)
    return {
        "callid": callid,
        "duration": str(getattr(subject, "duration", 0) or 0),
        "direction": getattr(subject, "direction", "") or "",
        "source": getattr(subject, "source", "") or "",
        "sale_value": "" if sale_value is None else str(sale_value),
    }


def _in_path_and_query(url: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the URL's path and query only: its scheme and host are never templated."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, change(parts.path), change(parts.query), parts.fragment))


def url_render(url: str, subject: Call | Message | Lead, *, context: dict[str, Any], pixel: bool) -> str:
    rendered = _in_path_and_query(url, lambda text: mustache_render(text, context, escape=url_escape))
    if pixel:
        values = _pixel_values(subject)
        rendered = _in_path_and_query(
            rendered, lambda text: PIXEL_TOKEN.sub(lambda m: url_escape(values[m.group(1)]), text)
        )
    return rendered


# --- the request ----------------------------------------------------------------------------------


def request_render(*, webhook, subject: Call | Message | Lead) -> OutboundRequest:
    """The request `webhook` sends for `subject` (without its signature and credentials: see sending)."""
    data = record_data(subject)
    context = mustache_context(subject, data=data)
    body_type = BodyType(webhook.body_type)
    url = url_render(webhook.url, subject, context=context, pixel=body_type is BodyType.PIXEL)
    headers = {"User-Agent": USER_AGENT}
    body = b""
    if body_type is BodyType.LOG:
        body = json.dumps(data, ensure_ascii=False).encode()
        headers["Content-Type"] = JSON
    elif body_type is BodyType.RESOURCE:
        body = json.dumps({"resource_url": call_link_url(call_id=subject.pk)}).encode()
        headers["Content-Type"] = JSON
    elif body_type is BodyType.MUSTACHE:
        content_type = webhook.content_type or JSON
        body = mustache_render(webhook.body_template, context, escape=escape_for(content_type)).encode()
        headers["Content-Type"] = content_type
    return OutboundRequest(method=webhook.method, url=url, body=body, headers=headers)
