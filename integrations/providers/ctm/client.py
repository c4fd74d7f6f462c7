"""The one way this service talks to the CallTrackingMetrics REST API (v1). No database here."""

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import requests
from django.conf import settings

from integrations.providers.ctm.errors import (
    CtmBadRequest,
    CtmConnectionError,
    CtmError,
    CtmInvalidCredentials,
    CtmNotFound,
    CtmRateLimited,
    CtmServerError,
    CtmTimeout,
    CtmUnauthorized,
)
from integrations.providers.ctm.transport import HEADERS, http_session_for_thread

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
MAX_PER_PAGE = 150  # CTM answers 400 above this


@dataclass(frozen=True)
class CtmCredentials:
    """What CTM issued: an access key and secret (Basic auth), or a session token, sent as
    `auth_token`, which `access_key` holds (as the Key row stores it)."""

    access_key: str
    secret: str = ""
    scheme: str = "basic"  # "basic" | "session_token" (Key.AuthScheme)

    @property
    def session_token(self) -> str:
        return self.access_key if self.scheme == "session_token" else ""


@dataclass(frozen=True)
class Authentication:
    credentials: CtmCredentials
    expires_at: datetime | None = None
    default_account_id: str = ""


def _parse_expiry(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_authentication(body: Any) -> Authentication:
    """Read the answer of `POST /authentication` in every shape seen in the wild.

    - `{"access_key": ..., "secret": ...}`: API credentials, used with HTTP Basic.
    - `{"success": true, "token": ..., "expires": ..., "first_account": {"id": ...}}`: a session token.
    - `{"success": false, "message": ...}` / `{"status": "error", "reason": ...}` / `{"error": ...}`: refused.
    """
    if not isinstance(body, dict):
        raise CtmServerError("CTM's authentication answer is not a JSON object.")
    first_account = body.get("first_account") if isinstance(body.get("first_account"), dict) else {}
    default_account_id = str(first_account.get("id") or body.get("account_id") or "")
    refused = body.get("success") is False or body.get("status") == "error"
    if not refused and body.get("access_key") and body.get("secret"):
        return Authentication(
            credentials=CtmCredentials(access_key=str(body["access_key"]), secret=str(body["secret"])),
            default_account_id=default_account_id,
        )
    session_token = "" if refused else str(body.get("token") or "")
    if session_token:
        return Authentication(
            credentials=CtmCredentials(access_key=session_token, scheme="session_token"),
            expires_at=_parse_expiry(body.get("expires")),
            default_account_id=default_account_id,
        )
    reason = body.get("message") or body.get("reason") or body.get("error") or "CTM refused the credentials."
    raise CtmInvalidCredentials(str(reason), status=401)


class CtmClient:
    def __init__(
        self,
        *,
        credentials: CtmCredentials | None = None,
        base_url: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] | None = None,
        max_retries: int | None = None,
        backoff: float | None = None,
        max_retry_after: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.credentials = credentials
        self.base_url = (base_url or settings.CTM_API_BASE_URL).rstrip("/")
        # By default the thread's kept-alive session, shared with other keys: the credentials go
        # with each request, never on the session.
        self.session = session or http_session_for_thread()
        if session is not None:
            self.session.headers.update(HEADERS)
        self.auth = (
            (credentials.access_key, credentials.secret) if credentials and credentials.scheme == "basic" else None
        )
        self.timeout = timeout or (settings.CTM_CONNECT_TIMEOUT, settings.CTM_READ_TIMEOUT)
        self.max_retries = settings.CTM_MAX_RETRIES if max_retries is None else max_retries
        self.backoff = settings.CTM_RETRY_BACKOFF if backoff is None else backoff
        self.max_retry_after = settings.CTM_MAX_RETRY_AFTER if max_retry_after is None else max_retry_after
        self.sleep = sleep

    # --- endpoints --------------------------------------------------------------------------

    def authenticate(self, *, username: str, password: str) -> Authentication:
        """Exchange a CTM login for API credentials (`POST /authentication`)."""
        try:
            body = self._request(
                "POST", "/authentication", data={"user": username, "password": password}, authenticated=False
            )
        except (CtmUnauthorized, CtmBadRequest, CtmNotFound) as exc:
            raise CtmInvalidCredentials(str(exc), status=exc.status) from None
        return parse_authentication(body)

    def get_account(self, *, account_id: str) -> dict[str, Any]:
        return self._request("GET", f"/accounts/{account_id}.json")

    def list_accounts(self, *, page: int = 1, per_page: int = MAX_PER_PAGE) -> dict[str, Any]:
        return self._request("GET", "/accounts.json", params=_paging(page, per_page))

    # calls ("activities")

    def list_calls(
        self,
        *,
        account_id: str,
        page: int = 1,
        per_page: int = MAX_PER_PAGE,
        start_date: date | None = None,
        end_date: date | None = None,
        directions: list[str] | None = None,
        dial_statuses: list[str] | None = None,
        sources: list[str] | None = None,
        search: str = "",
    ) -> dict[str, Any]:
        params: dict[str, Any] = _paging(page, per_page)
        if start_date:
            params["start_date"] = start_date.isoformat()
        if end_date:
            params["end_date"] = end_date.isoformat()
        if directions:
            params["direction[]"] = directions
        if dial_statuses:
            params["dial_status[]"] = dial_statuses
        if sources:
            params["multi_sources[]"] = sources
            params["multi_sources_operator"] = "includes"
        if search:
            params["filter"] = search
        return self._request("GET", f"/accounts/{account_id}/calls.json", params=params)

    def iter_calls(self, *, account_id: str, day: date) -> Iterator[list[dict[str, Any]]]:
        """Every call of one day, a page (150) at a time, following CTM's `next_page`."""
        page = 1
        while True:
            body = self.list_calls(account_id=account_id, page=page, start_date=day, end_date=day)
            calls = body.get("calls") or []
            if calls:
                yield calls
            if not calls or not body.get("next_page") or page >= int(body.get("total_pages") or page):
                return
            page += 1

    def get_call(self, *, account_id: str, call_id: str) -> dict[str, Any]:
        return self._request("GET", f"/accounts/{account_id}/calls/{call_id}.json")

    # tracking sources and numbers (our "trackers")

    def list_sources(self, *, account_id: str, page: int = 1, per_page: int = MAX_PER_PAGE) -> dict[str, Any]:
        return self._request("GET", f"/accounts/{account_id}/sources.json", params=_paging(page, per_page))

    def get_source(self, *, account_id: str, source_id: str) -> dict[str, Any]:
        return self._request("GET", f"/accounts/{account_id}/sources/{source_id}.json")

    def create_source(self, *, account_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        body = self._request("POST", f"/accounts/{account_id}/sources.json", json=fields)
        return body.get("source", body)

    def update_source(self, *, account_id: str, source_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        body = self._request("PUT", f"/accounts/{account_id}/sources/{source_id}.json", json=fields)
        return body.get("source", body)

    def delete_source(self, *, account_id: str, source_id: str) -> None:
        self._request("DELETE", f"/accounts/{account_id}/sources/{source_id}.json")

    def source_numbers(self, *, account_id: str, source_id: str) -> list[dict[str, Any]]:
        body = self._request(
            "GET", f"/accounts/{account_id}/sources/{source_id}/numbers.json", params=_paging(1, MAX_PER_PAGE)
        )
        return body.get("numbers") or []

    def add_number_to_source(self, *, account_id: str, source_id: str, number_id: str) -> None:
        self._request("POST", f"/accounts/{account_id}/sources/{source_id}/numbers/{number_id}/add.json")

    def get_number(self, *, account_id: str, number_id: str) -> dict[str, Any]:
        return self._request("GET", f"/accounts/{account_id}/numbers/{number_id}.json")

    def search_numbers(
        self, *, account_id: str, area_code: str = "", country_code: str = "US", toll_free: bool = False
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"country_code": country_code}
        if toll_free:
            params["searchby"] = "tollfree"
        else:
            params["area_code"] = area_code
        return self._request("GET", f"/accounts/{account_id}/numbers/search.json", params=params).get("results") or []

    def buy_number(self, *, account_id: str, phone_number: str, name: str = "") -> dict[str, Any]:
        fields = {"phone_number": phone_number, **({"name": name} if name else {})}
        return self._request("POST", f"/accounts/{account_id}/numbers.json", json=fields)["number"]

    def release_number(self, *, account_id: str, number_id: str) -> None:
        self._request("DELETE", f"/accounts/{account_id}/numbers/{number_id}.json")

    # webhooks

    def create_webhook(self, *, account_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """`fields`: weburl, position, name, username/password (sent back to us as Basic auth)."""
        body = self._request("POST", f"/accounts/{account_id}/webhooks.json", json=fields)
        return body.get("webhook", body)

    def delete_webhook(self, *, account_id: str, webhook_id: str) -> None:
        self._request("DELETE", f"/accounts/{account_id}/webhooks/{webhook_id}.json")

    # --- transport --------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json: Any = None,
        authenticated: bool = True,
    ) -> Any:
        params = dict(params or {})
        if authenticated:
            if self.credentials is None:
                raise CtmUnauthorized("No CTM credentials were given to the client.", status=401)
            if self.credentials.scheme == "session_token":
                params["auth_token"] = self.credentials.session_token
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params or None,
                    data=data,
                    json=json,
                    timeout=self.timeout,
                    auth=self.auth if authenticated and self.auth else False,
                )
            except requests.Timeout:
                failure: CtmError = CtmTimeout(f"CTM at {self.base_url} did not answer {method} {path} in time.")
            except requests.ConnectionError:
                failure = CtmConnectionError(f"CTM could not be reached at {self.base_url} ({method} {path}).")
            else:
                logger.info(
                    "ctm %s %s -> %s in %.0f ms",
                    method,
                    path,
                    response.status_code,
                    (time.monotonic() - started) * 1000,
                )
                try:
                    return self._interpret(response, method=method, path=path)
                except (CtmRateLimited, CtmServerError) as exc:
                    failure = exc
            delay = self._retry_delay(failure, method=method, attempt=attempt)
            if delay is None:
                raise failure
            attempt += 1
            logger.warning("ctm %s %s failed (%s); retry %d in %.1f s", method, path, failure, attempt, delay)
            self.sleep(delay)

    def _retry_delay(self, failure: CtmError, *, method: str, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None to give up now."""
        if attempt >= self.max_retries:
            return None
        if isinstance(failure, CtmRateLimited):
            # A 429 was not processed, so any method may be retried; honour Retry-After if bearable.
            if failure.retry_after is not None:
                return failure.retry_after if failure.retry_after <= self.max_retry_after else None
        elif method not in IDEMPOTENT_METHODS:
            return None  # a POST that failed mid-way may have happened: never repeat it blindly
        return self.backoff * (2**attempt) * (0.5 + random.random())

    @staticmethod
    def _interpret(response: requests.Response, *, method: str, path: str) -> Any:
        status = response.status_code
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = None
        reason = ""
        if isinstance(body, dict):
            reason = str(body.get("reason") or body.get("message") or body.get("error") or "")
        where = f"{method} {path}"
        if status in (401, 403):
            raise CtmUnauthorized(f"CTM refused the credentials for {where}. {reason}".strip(), status=status)
        if status == 404:
            raise CtmNotFound(f"CTM has no such object ({where}).", status=404)
        if status == 429:
            raise CtmRateLimited(f"CTM rate limit reached ({where}).", retry_after=_retry_after(response))
        if status >= 500:
            raise CtmServerError(f"CTM answered {status} to {where}.", status=status)
        if status >= 400:
            raise CtmBadRequest(reason or f"CTM refused {where} ({status}).", status=status)
        if body is None:
            raise CtmServerError(f"CTM answered {where} with something that is not JSON.", status=status)
        if isinstance(body, dict) and body.get("status") == "error":
            raise CtmBadRequest(reason or f"CTM refused {where}.", status=status)
        return body


def _paging(page: int, per_page: int) -> dict[str, int]:
    return {"page": max(1, page), "per_page": max(1, min(per_page, MAX_PER_PAGE))}


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(tz=UTC)).total_seconds())
