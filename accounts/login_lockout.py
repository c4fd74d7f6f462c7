"""How django-axes sees a login attempt (who, from where) and what a locked-out client is told.

Failures are counted per (login name, client IP): a guesser is stopped without letting anyone
lock the owner out from elsewhere. Axes calls these through the AXES_* settings.
"""

import math
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import update_last_login
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def login_name(request: HttpRequest, credentials: dict | None) -> str | None:
    """The name failures are counted under: the API's email or the admin's username, lower-cased."""
    credentials = credentials or {}
    name = credentials.get("email") or credentials.get("username")
    if name is None:
        data = getattr(request, "data", None) or request.POST
        name = data.get("email") or data.get("username")
    return str(name).strip().lower() if name else None


def lockout_seconds_left(*, request: HttpRequest, credentials: dict | None) -> int:
    """Seconds until this login name may try again from this address (at least 1)."""
    AxesProxyHandler.update_request(request)
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    latest: datetime | None = max(
        (last for last in (qs.aggregate(last=Max("attempt_time"))["last"] for qs in attempts) if last),
        default=None,
    )
    if latest is None:
        return 1
    left = (latest + get_cool_off(request) - timezone.now()).total_seconds()
    return max(1, math.ceil(left))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many failed logins: try again in {minutes} minute{'s' if minutes != 1 else ''}."


def admin_lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The admin login's lockout page: 429 with Retry-After."""
    seconds = lockout_seconds_left(request=request, credentials=credentials)
    response = render(
        request,
        "accounts/login_locked_out.html",
        {"message": lockout_message(seconds), "title": "Too many failed logins"},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def login_succeeded(*, request: HttpRequest, user: AbstractBaseUser, credentials: dict) -> None:
    """An API login worked: its earlier failures from this address no longer count, and the user's
    last login is now (the admin gets both from Django's user_logged_in signal)."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=login_name(request, credentials))
    update_last_login(None, user)
