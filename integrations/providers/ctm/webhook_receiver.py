"""CTM's webhook receiver: decide whose delivery it is first, then accept only that tenant's credentials.

- At our per-endpoint URL the endpoint is the tenant. A disabled endpoint answers 410; its Basic-auth
  login (registered with CTM for that URL only) and, when present or required, the signature are checked.
- At the shared URL the payload only points at candidates: endpoints registered for its CTM account
  and campaigns tracking its number (an index lookup, never a scan). A candidate owns the delivery
  only if `X-CTM-Signature` verifies with one of its own secrets: that is all the shared URL needs.
- Either way, a payload CTM account that is not one of the tenant's is `401 ACCOUNT_MISMATCH`.
The secrets of a tenant are its live keys' API secrets and the signing secrets of its CTM accounts.
"""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from integrations.models import Campaign, Key, SigningSecret, TrackedNumber, UserConfig, WebhookEndpoint
from integrations.phone_numbers import to_e164
from integrations.providers.ctm.normalize import (
    SLUG,
    UnusableCallPayload,
    call_event,
    named_event,
    provider_id,
    unwrap_delivery,
)
from integrations.untrusted import UntrustedJson, json_parse, storable_text
from integrations.webhooks.base import Verdict, WebhookReceiverView
from integrations.webhooks.lookup_cache import cached, lookup_generation
from integrations.webhooks.signatures import basic_auth_matches, ctm_signature_valid, timestamp_fresh

MAX_CANDIDATES = 10  # tenants tried at the shared URL for one delivery
EVENT_MAX_LENGTH = 32  # the delivery's `event` column


@dataclass(frozen=True)
class TenantCredentials:
    """What a tenant's CTM deliveries may be signed with, and which CTM accounts are its own."""

    secrets: tuple[str, ...]
    ctm_account_ids: frozenset[str]


def tenant_credentials(*, account_id: uuid.UUID, generation: object) -> TenantCredentials:
    return cached(("ctm-tenant", account_id), lambda: _tenant_credentials(account_id), generation=generation)


def _tenant_credentials(account_id: uuid.UUID) -> TenantCredentials:
    keys = list(Key.objects.alive().filter(account_id=account_id))
    ctm_ids = {key.ctm_default_account_id for key in keys}
    ctm_ids.update(
        WebhookEndpoint.objects.filter(account_id=account_id, provider=SLUG).values_list(
            "provider_account_id", flat=True
        )
    )
    ctm_ids.update(
        Campaign.objects.filter(account_id=account_id, integration=SLUG).values_list("ctm_account_id", flat=True)
    )
    for config in UserConfig.objects.alive().filter(account_id=account_id, provider=SLUG):
        ctm_ids.update((config.calltracking_account_id, config.calltracking_sub_account_id))
    ctm_ids.discard("")
    secrets = [key.secret for key in keys if key.auth_scheme == Key.AuthScheme.BASIC]
    for signing in SigningSecret.objects.filter(provider=SLUG, provider_account_id__in=ctm_ids):
        secrets += [signing.secret, signing.previous_secret]
    return TenantCredentials(secrets=tuple(s for s in secrets if s), ctm_account_ids=frozenset(ctm_ids))


def endpoint_by_id(endpoint_id: str, *, generation: object) -> WebhookEndpoint | None:
    """Our CTM endpoint with that id, whatever its status (a disabled one answers 410)."""
    try:
        pk = uuid.UUID(str(endpoint_id))
    except ValueError:
        return None
    return cached(("ctm-endpoint", pk), lambda: _endpoint(pk), generation=generation)


def _endpoint(pk: uuid.UUID) -> WebhookEndpoint | None:
    return WebhookEndpoint.objects.select_related("key", "account", "campaign").filter(pk=pk, provider=SLUG).first()


@dataclass(frozen=True)
class Candidate:
    account_id: uuid.UUID
    endpoint: WebhookEndpoint | None
    campaign: Campaign | None


def shared_url_candidates(*, provider_account_id: str, tracking_number: str) -> list[Candidate]:
    """Who the payload says it is for: tenants with an endpoint for its CTM account, then tenants
    with a campaign tracking its number; one candidate per tenant, oldest first. Indexed lookups."""
    found: list[Candidate] = []
    if provider_account_id:
        endpoints = (
            WebhookEndpoint.objects.select_related("account", "campaign")
            .filter(provider=SLUG, provider_account_id=provider_account_id, status=WebhookEndpoint.Status.ACTIVE)
            .order_by("created_at")[:MAX_CANDIDATES]
        )
        found += [Candidate(e.account_id, e, e.campaign) for e in endpoints]
    if tracking_number:
        tracked = (
            TrackedNumber.objects.select_related("campaign__account")
            .filter(number=tracking_number, campaign__integration=SLUG)
            .exclude(campaign__status=Campaign.Status.DISABLED)
            .order_by("campaign__created_at")[:MAX_CANDIDATES]
        )
        found += [Candidate(t.campaign.account_id, None, t.campaign) for t in tracked]
    unique: dict[uuid.UUID, Candidate] = {}
    for candidate in found:
        unique.setdefault(candidate.account_id, candidate)
    return list(unique.values())[:MAX_CANDIDATES]


def _tracking_number(call: dict[str, Any]) -> str:
    try:
        return to_e164(str(call.get("tracking_number") or ""))
    except ValueError:
        return ""


class CtmWebhookView(WebhookReceiverView):
    provider = SLUG

    def verdict(self, request: HttpRequest, body: bytes, endpoint_id: str | None = None) -> Verdict:
        try:
            payload = json_parse(body)
        except UntrustedJson as exc:
            return Verdict.reject(400, "INVALID_JSON", str(exc))
        event_hint = request.GET.get("event", "")
        try:
            call, kind = unwrap_delivery(payload, event_hint=event_hint)
            provider_account_id = provider_id(call.get("account_id"), name="account_id", required=False)
        except UnusableCallPayload as exc:
            return Verdict.reject(400, "INVALID_PAYLOAD", str(exc))
        # An event that is not a call's (kind None) is checked like any delivery, then stored and ignored.
        event = kind.value if kind else storable_text(named_event(payload, event_hint=event_hint))[:EVENT_MAX_LENGTH]

        generation = lookup_generation()
        signature = request.headers.get("X-CTM-Signature", "")
        timestamp = request.headers.get("X-CTM-Time", "").strip()
        if endpoint_id is not None:
            owner = self._endpoint_owner(request, endpoint_id, generation=generation)
            if isinstance(owner, Verdict):
                return owner
            endpoint, signature_required = owner, owner.require_signature
            credentials = tenant_credentials(account_id=endpoint.account_id, generation=generation)
            campaign = endpoint.campaign
            account = endpoint.account
        else:
            owner = self._shared_url_owner(call, body, provider_account_id, signature, timestamp, generation=generation)
            if isinstance(owner, Verdict):
                return owner
            candidate, credentials = owner
            endpoint, campaign, signature_required = candidate.endpoint, candidate.campaign, True
            if endpoint is None and campaign is not None:
                endpoint = (
                    campaign.webhook_endpoints.filter(status=WebhookEndpoint.Status.ACTIVE)
                    .order_by("created_at")
                    .first()
                )
            account = campaign.account if campaign is not None else endpoint.account
        matched = {"endpoint": endpoint, "account": account, "event": event}

        if signature or signature_required:
            if not signature or not timestamp:
                return Verdict.reject(
                    401, "SIGNATURE_REQUIRED", "X-CTM-Signature and X-CTM-Time are required.", **matched
                )
            if not credentials.secrets:
                return Verdict.reject(
                    401, "SIGNING_SECRET_UNKNOWN", "No signing secret is known for this account.", **matched
                )
            if not ctm_signature_valid(
                secrets=credentials.secrets, timestamp=timestamp, body=body, signature=signature
            ):
                return Verdict.reject(401, "INVALID_SIGNATURE", "The signature does not match.", **matched)
            if not timestamp_fresh(timestamp=timestamp, tolerance=settings.WEBHOOK_TIMESTAMP_TOLERANCE):
                return Verdict.reject(401, "STALE_TIMESTAMP", "X-CTM-Time is outside the accepted window.", **matched)
        if provider_account_id and provider_account_id not in credentials.ctm_account_ids:
            return Verdict.reject(
                401, "ACCOUNT_MISMATCH", "The payload's CTM account is not one of this account's.", **matched
            )

        if kind is not None:
            try:
                call_event(call, kind=kind, account_id=provider_account_id)
            except UnusableCallPayload as exc:
                return Verdict.reject(400, "INVALID_PAYLOAD", str(exc), **matched)
        dedupe = hashlib.sha256(b"%s:%s:" % (str(account.pk).encode(), self.provider.encode()) + body).hexdigest()
        return Verdict.accept(dedupe_key=dedupe, **matched)

    def _endpoint_owner(
        self, request: HttpRequest, endpoint_id: str, *, generation: object
    ) -> WebhookEndpoint | Verdict:
        endpoint = endpoint_by_id(endpoint_id, generation=generation)
        if endpoint is None:
            return Verdict.reject(404, "UNKNOWN_ENDPOINT", "No webhook endpoint matches this delivery.")
        matched = {"endpoint": endpoint, "account": endpoint.account}
        if endpoint.status != WebhookEndpoint.Status.ACTIVE:
            return Verdict.reject(
                410, "ENDPOINT_DISABLED", "This webhook endpoint is disabled; stop sending.", **matched
            )
        credentials_wrong = endpoint.basic_username and not basic_auth_matches(
            header=request.headers.get("Authorization", ""),
            username=endpoint.basic_username,
            password=endpoint.basic_password,
        )
        if credentials_wrong:
            return Verdict.reject(401, "INVALID_CREDENTIALS", "Basic authentication failed.", **matched)
        return endpoint

    def _shared_url_owner(
        self, call: dict, body: bytes, provider_account_id: str, signature: str, timestamp: str, *, generation: object
    ) -> tuple[Candidate, TenantCredentials] | Verdict:
        """The one candidate whose own secret signed the delivery. Nothing is attributed to a tenant
        before that: anyone can send a tenant's (public) tracking number."""
        candidates = shared_url_candidates(
            provider_account_id=provider_account_id, tracking_number=_tracking_number(call)
        )
        if not candidates:
            return Verdict.reject(404, "UNKNOWN_ENDPOINT", "No webhook endpoint or campaign matches this delivery.")
        if not signature or not timestamp:
            return Verdict.reject(401, "SIGNATURE_REQUIRED", "X-CTM-Signature and X-CTM-Time are required.")
        any_secret = False
        for candidate in candidates:
            credentials = tenant_credentials(account_id=candidate.account_id, generation=generation)
            any_secret = any_secret or bool(credentials.secrets)
            if ctm_signature_valid(secrets=credentials.secrets, timestamp=timestamp, body=body, signature=signature):
                return candidate, credentials
        if not any_secret:
            return Verdict.reject(401, "SIGNING_SECRET_UNKNOWN", "No signing secret is known for this account.")
        return Verdict.reject(401, "INVALID_SIGNATURE", "The signature does not match.")
