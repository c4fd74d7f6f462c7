"""Registering our webhook endpoints in CTM, and removing them again."""

import contextlib
import logging
import secrets
from collections.abc import Iterable

from django.urls import reverse

from integrations.events import CallEventKind
from integrations.models import Campaign, Key, SigningSecret, WebhookEndpoint
from integrations.providers.ctm.access import client_for_key, ctm_session
from integrations.providers.ctm.errors import CtmError, CtmNotFound
from integrations.providers.ctm.normalize import EVENT_POSITIONS, SLUG

logger = logging.getLogger(__name__)


def endpoint_url(*, endpoint: WebhookEndpoint, base_url: str) -> str:
    path = reverse("ctm-webhook-endpoint", kwargs={"endpoint_id": endpoint.pk})
    return f"{base_url.rstrip('/')}{path}"


def webhook_endpoint_register(
    *, key: Key, campaign: Campaign, provider_account_id: str, events: list[str], base_url: str
) -> WebhookEndpoint:
    """Create our endpoint (its own URL and Basic-auth login) and one CTM webhook per event.

    If CTM refuses any of them, what was registered is removed again and the error is raised.
    """
    knows_secret = (
        key.auth_scheme == Key.AuthScheme.BASIC
        or SigningSecret.objects.filter(provider=SLUG, provider_account_id=provider_account_id).exists()
    )
    endpoint = WebhookEndpoint.objects.create(
        account=key.account,
        key=key,
        campaign=campaign,
        provider=SLUG,
        provider_account_id=provider_account_id,
        events=events,
        basic_username=f"ctm-{secrets.token_hex(6)}",
        basic_password=secrets.token_urlsafe(24),
        require_signature=knows_secret,
    )
    url = endpoint_url(endpoint=endpoint, base_url=base_url)
    registered: dict[str, str] = {}
    try:
        with ctm_session(key=key) as ctm:
            for event in events:
                hook = ctm.create_webhook(
                    account_id=provider_account_id,
                    fields={
                        "weburl": f"{url}?event={event}",
                        "position": EVENT_POSITIONS[CallEventKind(event)],
                        "name": f"{campaign.name} ({event})"[:100],
                        "username": endpoint.basic_username,
                        "password": endpoint.basic_password,
                    },
                )
                registered[event] = str(hook["id"])
    except Exception:
        _remove_at_ctm(key=key, provider_account_id=provider_account_id, webhook_ids=registered.values())
        endpoint.delete()
        raise
    endpoint.provider_webhook_ids = registered
    endpoint.save(update_fields=["provider_webhook_ids", "updated_at"])
    return endpoint


def _remove_at_ctm(*, key: Key, provider_account_id: str, webhook_ids) -> None:
    client = client_for_key(key=key)
    for webhook_id in webhook_ids:
        try:
            client.delete_webhook(account_id=provider_account_id, webhook_id=webhook_id)
        except CtmError:
            logger.exception("ctm webhook %s could not be removed after a failed registration", webhook_id)


def webhook_endpoint_remove(*, endpoint: WebhookEndpoint) -> None:
    """Delete its webhooks at CTM (already gone there is fine), then disable it here. The row stays:
    its deliveries are the audit trail."""
    if endpoint.key is not None:
        with ctm_session(key=endpoint.key) as ctm:
            for webhook_id in endpoint.provider_webhook_ids.values():
                with contextlib.suppress(CtmNotFound):  # already gone at CTM
                    ctm.delete_webhook(account_id=endpoint.provider_account_id, webhook_id=webhook_id)
    endpoint.status = WebhookEndpoint.Status.DISABLED
    endpoint.save(update_fields=["status", "updated_at"])


def webhook_endpoints_unregister(*, endpoints: Iterable[WebhookEndpoint]) -> int:
    """Best effort, after the endpoints were closed here: delete their webhooks at CTM, so CTM stops
    sending. A failure is logged and skipped (our side already refuses the deliveries with 410).
    Returns how many CTM webhooks were removed."""
    removed = 0
    for endpoint in endpoints:
        if endpoint.key is None:
            continue
        for webhook_id in endpoint.provider_webhook_ids.values():
            try:
                with ctm_session(key=endpoint.key) as ctm:
                    ctm.delete_webhook(account_id=endpoint.provider_account_id, webhook_id=webhook_id)
                removed += 1
            except CtmNotFound:
                removed += 1  # already gone at CTM
            except CtmError:
                logger.warning("ctm webhook %s of endpoint %s could not be removed at CTM", webhook_id, endpoint.pk)
    return removed
