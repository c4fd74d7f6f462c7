"""The HTTP sessions the CTM client sends with: one per thread, kept between requests, so that a
request to CTM reuses an open (TLS) connection instead of opening one every time.

A session is shared by every key a thread calls CTM for, so it holds nothing of any one caller: the
client sends each request's credentials with the request itself, and the session keeps no cookies
(one tenant's CTM cookie is never sent on another's request).
"""

import os
import threading
from http.cookiejar import DefaultCookiePolicy

import requests

HEADERS = {"Accept": "application/json", "User-Agent": "ctm-integration/1.0"}


class NoCookies(DefaultCookiePolicy):
    """Accepts no cookie and sends none."""

    def set_ok(self, cookie, request) -> bool:
        return False

    def return_ok(self, cookie, request) -> bool:
        return False


def http_session_new() -> requests.Session:
    session = requests.Session()
    session.headers.update(HEADERS)
    session.cookies.set_policy(NoCookies())
    return session


_local = threading.local()


def http_session_for_thread() -> requests.Session:
    """This thread's session (a new one in a forked child: its parent's sockets are not its own)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = http_session_new()
    return session


def _forget_after_fork() -> None:
    global _local
    _local = threading.local()


os.register_at_fork(after_in_child=_forget_after_fork)
