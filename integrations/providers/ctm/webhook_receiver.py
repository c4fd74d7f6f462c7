"""CTM's webhook receiver: find whose delivery it is, check its credentials and signature."""

import hashlib
import json
import uuid

from django.conf import settings
from django.http import HttpRequest

from integrations.models import Campaign, Key, Provider, SigningSecret, WebhookEndpoint
from integrations.phone_numbers import to_e164
from integrations.providers.ctm.normalize import UnusableCallPayload, call_event, unwrap_delivery
from integrations.webhooks.base import Verdict, WebhookReceiverView
from integrations.webhooks.lookup_cache import cached
from integrations.webhooks.signatures import basic_auth_matches, ctm_signature_valid, timestamp_fresh


def signing_secrets(*, provider_account_id: str, key: Key | None) -> list[str]:
    """Every secret a delivery for this CTM account may be signed with: the account's own signing
    secret (and the previous one, during a rotation), then the API secret of the key."""
    return cached(
        ("ctm-signing-secrets", provider_account_id, getattr(key, "pk", None)),
        lambda: _signing_secrets(provider_account_id=provider_account_id, key=key),
    )


def _signing_secrets(*, provider_account_id: str, key: Key | None) -> list[str]:
    secrets: list[str] = []
    configured = SigningSecret.objects.filter(provider=Provider.CTM, provider_account_id=provider_account_id).first()
    if configured is not None:
        secrets += [configured.secret, configured.previous_secret]
    if key is not None and key.auth_scheme == Key.AuthScheme.BASIC:
        secrets.append(key.secret)
    return [s for s in secrets if s]


def endpoint_by_id(endpoint_id: str) -> WebhookEndpoint | None:
    try:
        pk = uuid.UUID(str(endpoint_id))
    except ValueError:
        return None
    return cached(("ctm-endpoint", pk), lambda: _endpoint(pk))


def _endpoint(pk: uuid.UUID) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.select_related("key", "account", "campaign")
        .filter(pk=pk, provider=Provider.CTM, status=WebhookEndpoint.Status.ACTIVE)
        .first()
    )


def endpoint_for_call(
    *, provider_account_id: str, tracking_number: str
) -> tuple[WebhookEndpoint | None, Campaign | None]:
    """For the shared URL: the endpoint registered for the CTM account, else the campaign that tracks
    the number (and one of its endpoints, if it has any)."""
    if provider_account_id:
        endpoint = (
            WebhookEndpoint.objects.select_related("key", "account", "campaign")
            .filter(
                provider=Provider.CTM, provider_account_id=provider_account_id, status=WebhookEndpoint.Status.ACTIVE
            )
            .order_by("created_at")
            .first()
        )
        if endpoint is not None:
            return endpoint, None
    if tracking_number:
        campaigns = (
            Campaign.objects.select_related("key", "account")
            .filter(integration=Provider.CTM)
            .exclude(status=Campaign.Status.DISABLED)
        )
        for campaign in campaigns.order_by("created_at"):
            if tracking_number in campaign.tracking_numbers:
                return campaign.webhook_endpoints.filter(status=WebhookEndpoint.Status.ACTIVE).first(), campaign
    return None, None


class CtmWebhookView(WebhookReceiverView):
    provider = Provider.CTM.value

    def verdict(self, request: HttpRequest, body: bytes, endpoint_id: str | None = None) -> Verdict:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return Verdict.reject(400, "INVALID_JSON", "The body is not valid JSON.")
        try:
            call, kind = unwrap_delivery(payload, event_hint=request.GET.get("event", ""))
        except UnusableCallPayload as exc:
            return Verdict.reject(400, "INVALID_PAYLOAD", str(exc))
        provider_account_id = str(call.get("account_id") or "")

        campaign = None
        if endpoint_id is not None:
            endpoint = endpoint_by_id(endpoint_id)
        else:
            try:
                tracking_number = to_e164(str(call.get("tracking_number") or ""))
            except ValueError:
                tracking_number = ""
            endpoint, campaign = endpoint_for_call(
                provider_account_id=provider_account_id, tracking_number=tracking_number
            )
        if endpoint is None and campaign is None:
            return Verdict.reject(404, "UNKNOWN_ENDPOINT", "No webhook endpoint or campaign matches this delivery.")
        account = endpoint.account if endpoint is not None else campaign.account
        matched = {"endpoint": endpoint, "account": account, "event": kind.value}

        credentials_wrong = (
            endpoint is not None
            and endpoint.basic_username
            and not basic_auth_matches(
                header=request.headers.get("Authorization", ""),
                username=endpoint.basic_username,
                password=endpoint.basic_password,
            )
        )
        if credentials_wrong:
            return Verdict.reject(401, "INVALID_CREDENTIALS", "Basic authentication failed.", **matched)

        signature = request.headers.get("X-CTM-Signature", "")
        timestamp = request.headers.get("X-CTM-Time", "").strip()
        required = endpoint.require_signature if endpoint is not None else True
        if signature or required:
            if not signature or not timestamp:
                return Verdict.reject(
                    401, "SIGNATURE_REQUIRED", "X-CTM-Signature and X-CTM-Time are required.", **matched
                )
            key = endpoint.key if endpoint is not None else campaign.key
            secrets = signing_secrets(
                provider_account_id=provider_account_id or getattr(endpoint, "provider_account_id", ""), key=key
            )
            if not secrets:
                return Verdict.reject(
                    401, "SIGNING_SECRET_UNKNOWN", "No signing secret is known for this account.", **matched
                )
            if not ctm_signature_valid(secrets=secrets, timestamp=timestamp, body=body, signature=signature):
                return Verdict.reject(401, "INVALID_SIGNATURE", "The signature does not match.", **matched)
            if not timestamp_fresh(timestamp=timestamp, tolerance=settings.WEBHOOK_TIMESTAMP_TOLERANCE):
                return Verdict.reject(401, "STALE_TIMESTAMP", "X-CTM-Time is outside the accepted window.", **matched)

        try:
            call_event(call, kind=kind, account_id=provider_account_id)
        except UnusableCallPayload as exc:
            return Verdict.reject(400, "INVALID_PAYLOAD", str(exc), **matched)
        dedupe = hashlib.sha256(b"%s:%s:" % (str(account.pk).encode(), self.provider.encode()) + body).hexdigest()
        return Verdict.accept(dedupe_key=dedupe, **matched)
