"""Creating, changing and operating outbound webhooks: every rule of a webhook's configuration is
checked here (the API and the admin both come through), and so are rerun, reactivate and test."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from integrations.models import Campaign
from outbound.dispatch import deliveries_enqueue
from outbound.models import OutboundAttempt, OutboundDelivery, OutboundWebhook
from outbound.rendering import TemplateInvalid, template_check
from outbound.selectors import latest_subject_for_webhook
from outbound.sending import attempt_send, outcome_record
from outbound.signing import signing_secret_new
from outbound.ssrf import url_check_at_save
from outbound.triggers import (
    ACTIVITY_TRIGGERS,
    DIRECTION_FILTER,
    FILTER_KEYS,
    LIST_FILTERS,
    NUMBER_FILTERS,
    AuthType,
    BodyType,
    Method,
    Trigger,
)

# Headers the service sets itself: an auth header cannot replace them.
RESERVED_HEADERS = frozenset(
    {"host", "content-type", "content-length", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"}
)
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$")
EDITABLE = (
    "name",
    "description",
    "active",
    "url",
    "method",
    "trigger",
    "keywords",
    "body_type",
    "body_template",
    "content_type",
    "filters",
)


class NothingToTest(Exception):
    """The account has no activity the webhook would send."""


class DeliveryInFlight(Exception):
    """A worker is sending it right now."""


class WebhookDeactivated(Exception):
    """It must be reactivated first."""


@dataclass(frozen=True)
class CreatedWebhook:
    webhook: OutboundWebhook
    signing_secret: str  # shown once, in the answer to the creation


def _filters_clean(filters: Mapping[str, Any] | None, *, account_id) -> dict[str, Any]:
    filters = dict(filters or {})
    unknown = sorted(set(filters) - set(FILTER_KEYS))
    if unknown:
        raise ValidationError({"filters": f"Unknown filter(s): {', '.join(unknown)}."})
    clean: dict[str, Any] = {}
    for key in LIST_FILTERS:
        values = filters.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise ValidationError({"filters": f"{key} must be a list of non-empty strings."})
        clean[key] = [v.strip() for v in values]
    for key in NUMBER_FILTERS:
        value = filters.get(key) or 0
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError({"filters": f"{key} must be a whole number of seconds, 0 or more."})
        clean[key] = value
    direction = filters.get(DIRECTION_FILTER) or ""
    if direction not in ("", "inbound", "outbound"):
        raise ValidationError({"filters": "direction must be inbound or outbound (omit it for both)."})
    if direction:
        clean[DIRECTION_FILTER] = direction
    if clean["campaign_id"]:
        wanted = {str(c).lower() for c in clean["campaign_id"]}
        try:
            campaigns = Campaign.objects.filter(account_id=account_id, pk__in=wanted)
            known = {str(pk) for pk in campaigns.values_list("pk", flat=True)}
        except ValidationError:
            known = set()
        if wanted - known:
            raise ValidationError({"filters": "campaign_id: no campaign with that id in this account."})
        clean["campaign_id"] = sorted(wanted)
    return clean


def outbound_webhook_check(webhook: OutboundWebhook) -> None:
    """Every rule of a configuration (raises ValidationError, or UrlNotAllowed for where the URL points)."""
    errors: dict[str, str] = {}
    if not webhook.name.strip():
        errors["name"] = "A name is required."
    if webhook.method == Method.GET and webhook.body_type != BodyType.PIXEL:
        errors["method"] = "Only pixel webhooks may use GET."
    keywords = webhook.keywords or []
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        errors["keywords"] = "A list of words."
    elif webhook.trigger == Trigger.KEYWORD and not keywords:
        errors["keywords"] = "The keyword trigger needs at least one keyword."
    else:
        webhook.keywords = [k.strip() for k in keywords]
    if webhook.body_type == BodyType.MUSTACHE:
        if not webhook.body_template:
            errors["body_template"] = "A mustache webhook needs a body_template."
        else:
            try:
                template_check(webhook.body_template)
            except TemplateInvalid as exc:
                errors["body_template"] = str(exc)
    if webhook.body_type == BodyType.RESOURCE and webhook.trigger in ACTIVITY_TRIGGERS:
        errors["body_type"] = "Resource links are for calls: texts and forms are sent as log, pixel or mustache."
    if not CONTENT_TYPE.match(webhook.content_type or ""):
        errors["content_type"] = "A media type, e.g. application/json."
    try:
        template_check(webhook.url)
    except TemplateInvalid as exc:
        errors["url"] = str(exc)
    if webhook.auth_type == AuthType.BASIC and not (webhook.auth_username and webhook.auth_password):
        errors["auth"] = "Basic auth needs a username and a password."
    if webhook.auth_type == AuthType.HEADER:
        if not HEADER_NAME.match(webhook.auth_header_name or "") or not webhook.auth_header_value:
            errors["auth"] = "Header auth needs a header_name (a header's name) and a header_value."
        elif webhook.auth_header_name.lower() in RESERVED_HEADERS:
            errors["auth"] = f"{webhook.auth_header_name} is set by the service; choose another header."
    if errors:
        raise ValidationError(errors)
    webhook.filters = _filters_clean(webhook.filters, account_id=webhook.account_id)
    url_check_at_save(webhook.url)


def _auth_apply(webhook: OutboundWebhook, auth: Mapping[str, Any]) -> None:
    kind = auth.get("type") or AuthType.NONE
    if kind not in AuthType.__members__.values():
        raise ValidationError({"auth": "type is none, basic or header."})
    webhook.auth_type = kind
    webhook.auth_username = auth.get("username", "") if kind == AuthType.BASIC else ""
    webhook.auth_password = auth.get("password", "") if kind == AuthType.BASIC else ""
    webhook.auth_header_name = auth.get("header_name", "") if kind == AuthType.HEADER else ""
    webhook.auth_header_value = auth.get("header_value", "") if kind == AuthType.HEADER else ""


def outbound_webhook_create(
    *, account: Account, auth: Mapping[str, Any] | None = None, **config: Any
) -> CreatedWebhook:
    """A new webhook, with its signing secret (returned once)."""
    unknown = set(config) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown webhook fields: {sorted(unknown)}")
    webhook = OutboundWebhook(account=account, signing_secret=signing_secret_new(), **config)
    _auth_apply(webhook, auth or {})
    outbound_webhook_check(webhook)
    webhook.save()
    return CreatedWebhook(webhook=webhook, signing_secret=webhook.signing_secret)


def outbound_webhook_update(
    *, webhook: OutboundWebhook, auth: Mapping[str, Any] | None = None, **changes: Any
) -> OutboundWebhook:
    """Change what people may change (auth, when given, replaces the stored credentials)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown webhook fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(webhook, name, value)
    if auth is not None:
        _auth_apply(webhook, auth)
    outbound_webhook_check(webhook)
    webhook.save()
    return webhook


def outbound_webhook_delete(*, webhook: OutboundWebhook) -> None:
    webhook.delete()  # its deliveries and their attempts with it


def _rerun(deliveries, *, now) -> int:
    ids = list(deliveries.values_list("webhook_id", "pk"))
    OutboundDelivery.objects.filter(pk__in=[pk for _, pk in ids]).update(
        status=OutboundDelivery.Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        lease_until=None,
        sender=None,
        finished_at=None,
        last_error="",
        updated_at=now,
    )
    deliveries_enqueue(deliveries=ids)
    return len(ids)


@transaction.atomic
def outbound_delivery_rerun(*, delivery: OutboundDelivery) -> OutboundDelivery:
    """Send it again now, with a new round of retries (its attempts so far are kept)."""
    webhook = OutboundWebhook.objects.select_for_update(no_key=True).get(pk=delivery.webhook_id)
    if webhook.status == OutboundWebhook.Status.DEACTIVATED:
        raise WebhookDeactivated("The webhook is deactivated: reactivate it (with rerun_failed) first.")
    now = timezone.now()
    delivery = OutboundDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.lease_until and delivery.lease_until > now:
        raise DeliveryInFlight("It is being sent right now.")
    _rerun(OutboundDelivery.objects.filter(pk=delivery.pk), now=now)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def outbound_webhook_reactivate(*, webhook: OutboundWebhook, rerun_failed: bool = False) -> int:
    """Active again; with `rerun_failed`, everything that failed while it was down is sent again
    (the delivery whose last retry failed included). Returns how many deliveries were rerun."""
    webhook = OutboundWebhook.objects.select_for_update(no_key=True).get(pk=webhook.pk)
    was_down_since = webhook.deactivated_at
    now = timezone.now()
    webhook.status = OutboundWebhook.Status.ACTIVE
    webhook.deactivated_at = None
    webhook.save(update_fields=["status", "deactivated_at", "updated_at"])
    if not (rerun_failed and was_down_since):
        return 0
    failed = OutboundDelivery.objects.filter(
        webhook=webhook, status=OutboundDelivery.Status.FAILED, test=False, finished_at__gte=was_down_since
    )
    return _rerun(failed, now=now)


def outbound_webhook_test(*, webhook: OutboundWebhook) -> OutboundAttempt:
    """Send the account's latest matching activity to the webhook now, whatever its state (never
    retried; it changes nothing on the webhook). Returns the attempt."""
    subject = latest_subject_for_webhook(webhook=webhook)
    if subject is None:
        raise NothingToTest("The account has no activity this webhook would send (its filters let nothing through).")
    now = timezone.now()
    delivery = OutboundDelivery.objects.create(
        webhook=webhook,
        trigger=webhook.trigger,
        test=True,
        attempts=1,
        next_attempt_at=now,
        lease_until=now + timedelta(seconds=settings.OUTBOUND_LEASE_SECONDS),  # ours: the sweep keeps off
        call=subject if subject._meta.model_name == "call" else None,
        message=subject if subject._meta.model_name == "message" else None,
        lead=subject if subject._meta.model_name == "lead" else None,
    )
    delivery.webhook = webhook
    outcome_record(delivery, attempt_send(delivery))
    return delivery.attempts_made.order_by("-started_at", "-pk").first()
