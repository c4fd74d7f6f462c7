"""The base receiver for every provider's webhooks (DESIGN.md, "The webhook path").

1. cheap checks (size, content type, empty body): 413/415/400, nothing stored;
2. the provider's `verdict()` runs every validator, reading but never writing;
3. the raw delivery is stored with that verdict, in one INSERT, whatever the verdict;
4. for a valid one, once the row has committed, a drain of waiting deliveries is requested (one
   Celery task per burst, not per delivery); the answer follows in milliseconds.
Never 200 without a stored row: if the row cannot be written, the answer is 503 so the provider
retries. If the broker is down the row is still there, and the sweeper enqueues it later.
"""

import logging
import traceback
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Account
from ctm_integration.api.envelope import error_body
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks.health import webhook_failing_check

logger = logging.getLogger(__name__)

JSON_TYPES = ("application/json", "text/json")
REDACTED_HEADERS = {"authorization", "proxy-authorization", "cookie"}


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
        name: ("[REDACTED]" if name.lower() in REDACTED_HEADERS else value) for name, value in request.headers.items()
    }


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(status=status, message=message, code=code), status=status)


@method_decorator(csrf_exempt, name="dispatch")
class WebhookReceiverView(View):
    provider: str = ""
    http_method_names = ["post", "head"]

    def verdict(self, request: HttpRequest, body: bytes, **kwargs) -> Verdict:
        raise NotImplementedError

    def head(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return HttpResponse(status=200)  # providers' reachability pings

    def post(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        cap = settings.WEBHOOK_MAX_BODY_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _error(400, "BAD_CONTENT_LENGTH", "Content-Length is not a number.")
        if declared > cap:
            return _error(413, "BODY_TOO_LARGE", f"The body is larger than {cap} bytes.")
        body = request.body
        if len(body) > cap:
            return _error(413, "BODY_TOO_LARGE", f"The body is larger than {cap} bytes.")
        if not body.strip():
            return _error(400, "EMPTY_BODY", "The delivery has no body.")
        content_type = request.content_type or ""
        if not (content_type in JSON_TYPES or content_type.endswith("+json")):
            return _error(415, "UNSUPPORTED_MEDIA_TYPE", "Deliveries must be JSON (Content-Type: application/json).")

        crash = ""
        try:
            verdict = self.verdict(request, body, **kwargs)
        except DatabaseError:
            logger.exception("webhook %s: database unavailable while validating", self.provider)
            return _error(503, "STORAGE_UNAVAILABLE", "The delivery could not be stored; please retry.")
        except Exception:
            logger.exception("webhook %s: validation crashed", self.provider)
            crash = traceback.format_exc()
            verdict = Verdict(
                status=WebhookDelivery.Status.FAILED,
                http_status=500,
                code="INTERNAL_ERROR",
                message="The delivery was stored but could not be validated; please retry.",
            )

        try:
            delivery = self.store(request, body, verdict, crash=crash)
        except DatabaseError:
            logger.exception("webhook %s: could not store a delivery", self.provider)
            return _error(503, "STORAGE_UNAVAILABLE", "The delivery could not be stored; please retry.")

        if verdict.http_status >= 400:
            if delivery.endpoint_id is not None:
                webhook_failing_check(endpoint_id=delivery.endpoint_id)
            return _error(verdict.http_status, verdict.code, verdict.message)
        return JsonResponse(
            {"success": True, "message": "SUCCESS", "data": {"delivery_id": delivery.pk, "status": delivery.status}}
        )

    def store(self, request: HttpRequest, body: bytes, verdict: Verdict, *, crash: str = "") -> WebhookDelivery:
        # One autocommitted INSERT: the row is durable before the answer, and before any enqueue.
        delivery = WebhookDelivery.objects.create(
            provider=self.provider,
            endpoint=verdict.endpoint,
            account=verdict.account,
            remote_ip=request.META.get("REMOTE_ADDR") or None,
            path=request.path[:500],
            query_string=request.META.get("QUERY_STRING", "")[:1000],
            headers=stored_headers(request),
            body=body,
            valid=verdict.status == WebhookDelivery.Status.PENDING,
            error_code=verdict.code,
            last_error=verdict.message if verdict.http_status >= 400 else "",
            traceback=crash,
            event=verdict.event,
            dedupe_key=verdict.dedupe_key,
            status=verdict.status,
        )
        if delivery.valid:
            from integrations.tasks import webhook_drain_request

            # robust: a broker failure is logged, never raised; the sweeper asks again later.
            transaction.on_commit(webhook_drain_request, robust=True)
        return delivery
