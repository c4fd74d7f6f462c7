"""The base receiver for every provider's webhooks (DESIGN.md, "The webhook path").

1. cheap checks (size, content type, empty body): 413/415/400, nothing stored;
2. the provider's `verdict()` runs every validator, reading but never writing;
3. a rejection (cheap or not) counts against the client IP's and the endpoint's budget: past it,
   the answer is 429 with Retry-After and nothing is stored (see rejection_limits);
4. the delivery is stored with its verdict, in one INSERT: an accepted one whole, a rejected one as
   its headers, the first 4 KiB of its body, its size and its sha256 (enough to debug, never a way
   for someone without credentials to fill the database);
5. for an accepted one, once the row has committed, a drain of waiting deliveries is requested (one
   Celery task per burst, not per delivery); the answer follows in milliseconds.
Never 200 without a stored row: if the row cannot be written, the answer is 503 so the provider
retries. If the broker is down the row is still there, and the sweeper enqueues it later.
"""

import hashlib
import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Account
from ctm_integration.api.envelope import error_body
from ctm_integration.api.outages import outage_body, outage_headers
from ctm_integration.client_ip import client_ip
from ctm_integration.redaction import CREDENTIAL_HEADERS, redact_query
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.untrusted import storable_text
from integrations.webhooks.delivery_insert import delivery_insert
from integrations.webhooks.drain import webhook_drain_request
from integrations.webhooks.health import webhook_failing_check
from integrations.webhooks.rejection_limits import rejection_count

logger = logging.getLogger(__name__)

JSON_TYPES = ("application/json", "text/json")
REDACTED_HEADERS = CREDENTIAL_HEADERS  # never stored
REJECTED_BODY_BYTES = 4096  # what a rejected delivery keeps of its body


@dataclass(frozen=True)
class Verdict:
    """What the validators concluded about a delivery, and how to answer it."""

    status: str
    http_status: int = 200
    code: str = ""
    message: str = ""
    endpoint: WebhookEndpoint | None = None
    account: Account | None = None
    event: str = ""
    dedupe_key: str = ""

    @classmethod
    def accept(cls, **kwargs) -> "Verdict":
        return cls(status=WebhookDelivery.Status.PENDING, **kwargs)

    @classmethod
    def reject(cls, http_status: int, code: str, message: str, **kwargs) -> "Verdict":
        status = WebhookDelivery.Status.UNMATCHED if http_status == 404 else WebhookDelivery.Status.INVALID
        return cls(status=status, http_status=http_status, code=code, message=message, **kwargs)


def stored_headers(request: HttpRequest) -> dict[str, str]:
    """The request's headers as received, except credentials (kept out of the database)."""
    return {
        storable_text(name): ("[REDACTED]" if name.lower() in REDACTED_HEADERS else storable_text(value))
        for name, value in request.headers.items()
    }


def _error(status: int, code: str, message: str, *, headers: dict[str, str] | None = None) -> JsonResponse:
    return JsonResponse(error_body(status=status, message=message, code=code), status=status, headers=headers)


def _storage_unavailable() -> JsonResponse:
    return JsonResponse(outage_body(), status=503, headers=outage_headers())


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def request_body(request: HttpRequest) -> bytes:
    """The raw body, at most WEBHOOK_MAX_BODY_BYTES, with or without a Content-Length.

    A chunked body has no Content-Length, so Django reads nothing; when the server has de-chunked
    the stream and marks it terminated (gunicorn's `wsgi.input_terminated`), it is read from the
    WSGI input directly, still capped. Raises `BodyRefused` for what the cheap checks refuse.
    """
    cap = settings.WEBHOOK_MAX_BODY_BYTES
    declared_text = request.META.get("CONTENT_LENGTH") or ""
    try:
        declared = int(declared_text or 0)
    except ValueError:
        raise BodyRefused(400, "BAD_CONTENT_LENGTH", "Content-Length is not a number.") from None
    if declared > cap:
        raise BodyRefused(413, "BODY_TOO_LARGE", f"The body is larger than {cap} bytes.")
    chunked = "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    if not declared_text and chunked and request.META.get("wsgi.input_terminated"):
        body = request.META["wsgi.input"].read(cap + 1)
    else:
        body = request.body
    if len(body) > cap:
        raise BodyRefused(413, "BODY_TOO_LARGE", f"The body is larger than {cap} bytes.")
    if not body.strip():
        raise BodyRefused(400, "EMPTY_BODY", "The delivery has no body.")
    content_type = request.content_type or ""
    if not (content_type in JSON_TYPES or content_type.endswith("+json")):
        raise BodyRefused(415, "UNSUPPORTED_MEDIA_TYPE", "Deliveries must be JSON (Content-Type: application/json).")
    return body


@method_decorator(csrf_exempt, name="dispatch")
class WebhookReceiverView(View):
    provider: str = ""
    http_method_names = ["post", "head"]
    # (failures, within) after which a rejecting endpoint raises `webhook_failing`; None: the default.
    # A provider that deactivates an endpoint after a few refused retries needs to be told sooner.
    failing_after: tuple[int, timedelta] | None = None

    def verdict(self, request: HttpRequest, body: bytes, **kwargs) -> Verdict:
        raise NotImplementedError

    def head(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return HttpResponse(status=200)  # providers' reachability pings

    def post(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        try:
            body = request_body(request)
        except BodyRefused as refused:
            return self.refuse(request, refused.status, refused.code, refused.message, endpoint_key=request.path)

        crash = ""
        try:
            verdict = self.verdict(request, body, **kwargs)
        except DatabaseError:
            logger.exception("webhook %s: database unavailable while validating", self.provider)
            return _storage_unavailable()
        except Exception:
            logger.exception("webhook %s: validation crashed", self.provider)
            crash = traceback.format_exc()
            verdict = Verdict(
                status=WebhookDelivery.Status.FAILED,
                http_status=500,
                code="INTERNAL_ERROR",
                message="The delivery was stored but could not be validated; please retry.",
            )

        if verdict.http_status >= 400:
            endpoint_key = str(verdict.endpoint.pk) if verdict.endpoint else str(kwargs.get("endpoint_id") or "")
            budget = rejection_count(request, endpoint_key=endpoint_key or request.path)
            if budget.exhausted:
                return self.too_many(budget.retry_after)
        try:
            delivery = self.store(request, body, verdict, crash=crash)
        except DatabaseError:
            logger.exception("webhook %s: could not store a delivery", self.provider)
            return _storage_unavailable()

        if verdict.http_status >= 400:
            endpoint = verdict.endpoint
            if endpoint is not None and endpoint.status == WebhookEndpoint.Status.ACTIVE:
                threshold, window = self.failing_after or (None, None)
                webhook_failing_check(endpoint_id=endpoint.pk, threshold=threshold, window=window)
            return _error(verdict.http_status, verdict.code, verdict.message)
        return JsonResponse(
            {"success": True, "message": "SUCCESS", "data": {"delivery_id": delivery.pk, "status": delivery.status}}
        )

    def refuse(self, request: HttpRequest, status: int, code: str, message: str, *, endpoint_key: str) -> JsonResponse:
        """A cheap-check refusal: nothing stored, but it counts against the budget like any other."""
        budget = rejection_count(request, endpoint_key=endpoint_key)
        if budget.exhausted:
            return self.too_many(budget.retry_after)
        return _error(status, code, message)

    def too_many(self, retry_after: int) -> JsonResponse:
        return _error(
            429,
            "TOO_MANY_REJECTED_DELIVERIES",
            "Too many rejected deliveries; nothing was stored. Valid deliveries are always accepted.",
            headers={"Retry-After": str(retry_after)},
        )

    def store(self, request: HttpRequest, body: bytes, verdict: Verdict, *, crash: str = "") -> WebhookDelivery:
        # One autocommitted INSERT: the row is durable before the answer, and before any enqueue.
        accepted = verdict.status == WebhookDelivery.Status.PENDING
        delivery = delivery_insert(
            WebhookDelivery(
                provider=self.provider,
                endpoint=verdict.endpoint,
                account=verdict.account,
                remote_ip=client_ip(request),
                path=storable_text(request.path)[:500],
                query_string=storable_text(redact_query(request.META.get("QUERY_STRING", "")))[:1000],
                headers=stored_headers(request),
                body=body if accepted else body[:REJECTED_BODY_BYTES],
                body_size=len(body),
                body_sha256=hashlib.sha256(body).hexdigest(),
                valid=accepted,
                error_code=verdict.code,
                last_error=verdict.message if verdict.http_status >= 400 else "",
                traceback=crash,
                event=verdict.event,
                dedupe_key=verdict.dedupe_key,
                status=verdict.status,
            )
        )
        if delivery.valid:
            # robust: a broker failure is logged, never raised; the sweeper asks again later.
            transaction.on_commit(webhook_drain_request, robust=True)
        return delivery
