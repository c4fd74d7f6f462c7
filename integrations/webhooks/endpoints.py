"""Creating and changing webhook endpoints of any provider (those that only send webhooks; a provider
that registers its webhooks itself, like CTM, creates its endpoints through its own route).

The credential depends on the endpoint's `auth` scheme, one the provider lists; whatever we generate
is returned once, to be shown once, and is encrypted at rest.
"""

import base64
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from integrations.models import Campaign, WebhookEndpoint
from integrations.providers.registry import UnknownProvider, provider_for

ROTATION_GRACE = timedelta(hours=24)
UNCHANGED = object()  # "leave the campaign as it is" (None detaches it)
DEFAULT_HEADER_NAME = "X-Webhook-Token"
# What each auth scheme needs on the endpoint (schemes are the providers' words, not providers).
SECRET_SCHEMES = {"signature", "standard_webhooks"}
TOKEN_SCHEMES = {"query_token", "header_token"}


@dataclass(frozen=True)
class EndpointWithSecrets:
    endpoint: WebhookEndpoint
    revealed: dict[str, str] = field(default_factory=dict)  # generated credentials: shown once


def _new_secret(scheme: str) -> str:
    if scheme == "standard_webhooks":
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_hex(24)  # 48 characters: within the 32-64 that HMAC senders expect


def _field_map(clean, value) -> dict:
    try:
        return clean(value)
    except ValidationError as exc:
        raise ValidationError({"field_map": exc.messages}) from None


def _events_of(spec, field_map: dict) -> list[str]:
    """The events an endpoint receives: the provider's, or those its field map describes (a custom
    source's map describes a call or a form lead)."""
    events_of = spec.features.get("field_map_events")
    return list(events_of(field_map)) if events_of is not None else list(spec.events)


def webhook_endpoint_create(
    *,
    account: Account,
    provider: str,
    campaign: Campaign | None = None,
    name: str = "",
    auth: str = "",
    signing_secret: str = "",
    public_key: str = "",
    field_map: dict | None = None,
    header_name: str = "",
) -> EndpointWithSecrets:
    try:
        spec = provider_for(provider)
    except UnknownProvider:
        raise ValidationError({"provider": "No such provider: see GET /v1/providers."}) from None
    if spec.features.get("registration"):
        raise ValidationError(
            {"provider": f"{spec.name} webhooks are registered at {spec.name}: use {spec.features['registration']}."}
        )
    auth = auth or spec.auth[0]
    if auth not in spec.auth:
        raise ValidationError({"auth": f"{spec.name} deliveries authenticate with one of: {', '.join(spec.auth)}."})
    clean_field_map = spec.features.get("field_map")
    events = list(spec.events)
    if clean_field_map is not None:
        field_map = _field_map(clean_field_map, field_map)
        events = _events_of(spec, field_map)
    elif field_map:
        raise ValidationError({"field_map": f"{spec.name} deliveries have a fixed shape: no field map."})
    if campaign is not None and campaign.account_id != account.pk:
        raise ValidationError({"campaign_id": "No campaign with that id in this account."})

    revealed: dict[str, str] = {}
    endpoint = WebhookEndpoint(
        account=account,
        provider=spec.slug,
        campaign=campaign,
        name=name,
        auth=auth,
        events=events,
        public_key=public_key,
        field_map=field_map or {},
        require_signature=auth in SECRET_SCHEMES,
    )
    if auth in SECRET_SCHEMES:
        endpoint.signing_secret = signing_secret or _new_secret(auth)
        if not signing_secret:
            revealed["signing_secret"] = endpoint.signing_secret
    elif signing_secret:
        raise ValidationError({"signing_secret": f"The {auth} scheme uses no signing secret."})
    if auth in TOKEN_SCHEMES:
        endpoint.credential = secrets.token_urlsafe(32)
        endpoint.header_name = (header_name or DEFAULT_HEADER_NAME) if auth == "header_token" else ""
        revealed["credential"] = endpoint.credential
    if auth == "basic":
        endpoint.basic_username = f"hook-{secrets.token_hex(6)}"
        endpoint.basic_password = secrets.token_urlsafe(24)
        revealed.update(basic_username=endpoint.basic_username, basic_password=endpoint.basic_password)
    endpoint.save()
    return EndpointWithSecrets(endpoint=endpoint, revealed=revealed)


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    name: str | None = None,
    campaign: Campaign | object | None = UNCHANGED,
    active: bool | None = None,
    signing_secret: str | None = None,
    field_map: dict | None = None,
) -> EndpointWithSecrets:
    """Change what people may change. A new signing secret (given, or generated when empty) starts a
    rotation: the previous one keeps working for 24 hours."""
    revealed: dict[str, str] = {}
    if any(v is not None for v in (active, signing_secret, field_map)):
        _not_registered_at_the_provider(endpoint)
    if name is not None:
        endpoint.name = name
    if campaign is not UNCHANGED:
        if campaign is not None and campaign.account_id != endpoint.account_id:
            raise ValidationError({"campaign_id": "No campaign with that id in this account."})
        endpoint.campaign = campaign
    if active is not None:
        endpoint.status = WebhookEndpoint.Status.ACTIVE if active else WebhookEndpoint.Status.DISABLED
    if signing_secret is not None:
        if endpoint.auth not in SECRET_SCHEMES:
            raise ValidationError(
                {"signing_secret": f"The {endpoint.auth or 'endpoint'}'s scheme uses no signing secret."}
            )
        new_secret = signing_secret or _new_secret(endpoint.auth)
        endpoint.previous_signing_secret = endpoint.signing_secret
        endpoint.previous_secret_expires_at = timezone.now() + ROTATION_GRACE
        endpoint.signing_secret = new_secret
        if not signing_secret:
            revealed["signing_secret"] = new_secret
    if field_map is not None:
        spec = provider_for(endpoint.provider)
        clean_field_map = spec.features.get("field_map")
        if clean_field_map is None:
            raise ValidationError({"field_map": "This provider's deliveries have a fixed shape: no field map."})
        endpoint.field_map = _field_map(clean_field_map, field_map)
        endpoint.events = _events_of(spec, endpoint.field_map)
    endpoint.save()
    return EndpointWithSecrets(endpoint=endpoint, revealed=revealed)


def _not_registered_at_the_provider(endpoint: WebhookEndpoint) -> None:
    """An endpoint the provider registered itself is switched and removed there (its own route)."""
    route = provider_for(endpoint.provider).features.get("registration")
    if route:
        raise ValidationError(f"This endpoint is registered at the provider: change or remove it with {route}.")


def webhook_endpoint_deactivate(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Deliveries to it answer 410 from now on (in every process at once: see lookup_cache)."""
    _not_registered_at_the_provider(endpoint)
    endpoint.status = WebhookEndpoint.Status.DISABLED
    endpoint.save(update_fields=["status", "updated_at"])
    return endpoint
