"""Logins resist guessing: lockout per username and IP (API and admin), the same hashing work for
unknown emails, refresh tokens used once, and an expired access token said to be expired."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.accounts.counting_hasher import CountingHasher
from tests.conftest import PASSWORD, owner_of

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def login(email: str, password: str = PASSWORD, ip: str = "203.0.113.7"):
    return APIClient().post("/v1/auth/token", {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def test_repeated_wrong_passwords_lock_the_api_login_out_with_429_and_retry_after(account, settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    email = owner_of(account).email

    answers = [login(email, WRONG) for _ in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]

    locked = login(email)  # the right password no longer helps
    assert locked.status_code == 429
    assert locked.json() == {
        "success": False,
        "errno": 429,
        "message": "Too many failed logins: try again in 15 minutes.",
        "code": "TOO_MANY_LOGIN_ATTEMPTS",
    }
    assert 890 <= int(locked["Retry-After"]) <= 900
    assert "access" not in locked.content.decode()


def test_the_lockout_is_per_username_and_ip(account, make_account, settings):
    settings.AXES_FAILURE_LIMIT = 3
    email = owner_of(account).email
    for _ in range(3):
        login(email, WRONG, ip="203.0.113.7")

    assert login(email, ip="203.0.113.7").status_code == 429
    assert login(email, ip="198.51.100.9").status_code == 200  # the owner, elsewhere
    assert login(owner_of(make_account("Other")).email, ip="203.0.113.7").status_code == 200


def test_the_lockout_ends_after_the_cool_off_and_a_success_clears_earlier_failures(account, settings):
    settings.AXES_FAILURE_LIMIT = 3
    email = owner_of(account).email
    for _ in range(3):
        login(email, WRONG)
    assert login(email).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert login(email).status_code == 200

    for _ in range(2):
        login(email, WRONG)
    assert login(email).status_code == 200
    for _ in range(2):
        login(email, WRONG)
    assert login(email).status_code == 200  # the success before reset the count: 2 + 2 failures, not 4


def test_retry_after_is_what_is_left_of_the_cool_off(account, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    email = owner_of(account).email
    for _ in range(2):
        login(email, WRONG)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=4))

    locked = login(email)
    assert locked.status_code == 429
    assert 355 <= int(locked["Retry-After"]) <= 360
    assert locked.json()["message"] == "Too many failed logins: try again in 6 minutes."


def test_unknown_emails_are_locked_out_too(db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        login("nobody@example.com", WRONG)
    assert login("NOBODY@example.com", WRONG).status_code == 429


def test_the_admin_login_locks_out_with_a_429_page_and_keeps_no_password(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    get_user_model().objects.create_superuser("boss", "boss@example.com", PASSWORD)

    def admin_login(password: str):
        return client.post(
            "/admin/login/?next=/admin/", {"username": "boss", "password": password}, REMOTE_ADDR="203.0.113.7"
        )

    assert admin_login(WRONG).status_code == 200  # the form again, with its error
    admin_login(WRONG)
    locked = admin_login(WRONG)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert 0 < int(locked["Retry-After"]) <= int(settings.AXES_COOLOFF_TIME.total_seconds())

    assert admin_login(PASSWORD).status_code == 429  # the right password does not get in either
    assert "_auth_user_id" not in client.session

    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert admin_login(PASSWORD).status_code == 302
    attempts_page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "boss" in attempts_page or "203.0.113.7" in attempts_page
    for attempt in AccessAttempt.objects.all():
        page = client.get(f"/admin/axes/accessattempt/{attempt.pk}/change/").content.decode()
        assert WRONG not in page and PASSWORD not in page


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.counting_hasher.CountingHasher"]
    CountingHasher.calls.clear()
    yield CountingHasher.calls
    CountingHasher.calls.clear()


def test_an_unknown_email_costs_the_same_hashing_as_a_known_one(account, counting_hasher):
    user = owner_of(account)
    user.set_password(PASSWORD)  # stored with the counting hasher
    user.save()

    counting_hasher.clear()
    assert login(user.email, WRONG).status_code == 401
    known = counting_hasher.count("encode")

    counting_hasher.clear()
    assert login("nobody@example.com", WRONG).status_code == 401
    unknown = counting_hasher.count("encode")

    assert known == unknown == 1


def test_a_refresh_token_is_used_once(account):
    first = login(owner_of(account).email).json()["data"]["refresh"]

    rotated = APIClient().post("/v1/auth/token/refresh", {"refresh": first}, format="json")
    assert rotated.status_code == 200
    second = rotated.json()["data"]["refresh"]
    assert second and second != first and rotated.json()["data"]["access"]

    replayed = APIClient().post("/v1/auth/token/refresh", {"refresh": first}, format="json")
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "INVALID_TOKEN"

    assert APIClient().post("/v1/auth/token/refresh", {"refresh": second}, format="json").status_code == 200


def test_a_refresh_token_of_a_deleted_user_is_401(account, make_account):
    user = get_user_model().objects.create_user("gone@example.com", "gone@example.com", PASSWORD)
    refresh = login("gone@example.com").json()["data"]["refresh"]
    user.delete()
    response = APIClient().post("/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 401 and response.json()["code"] == "INVALID_TOKEN"


def test_an_expired_access_token_is_401_token_expired(account):
    token = AccessToken.for_user(owner_of(account))
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.get("/v1/campaigns")
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "errno": 401,
        "message": "The access token has expired: refresh it.",
        "code": "TOKEN_EXPIRED",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")

    forged = str(token)[:-4] + ("AAAA" if not str(token).endswith("AAAA") else "BBBB")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    response = client.get("/v1/campaigns")
    assert response.status_code == 401  # expired only when the signature is ours:
    assert response.json() == {
        "success": False,
        "errno": 401,
        "message": "The access token is invalid.",
        "code": "AUTHENTICATION_FAILED",
    }


def test_a_refresh_token_replayed_concurrently_is_honoured_once(transactional_db):
    import threading

    from django.db import connection

    get_user_model().objects.create_user("racer@example.com", "racer@example.com", PASSWORD)
    refresh = login("racer@example.com").json()["data"]["refresh"]
    start, answers = threading.Barrier(6), []

    def replay():
        start.wait()
        try:
            answers.append(APIClient().post("/v1/auth/token/refresh", {"refresh": refresh}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=replay) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [200, 401, 401, 401, 401, 401]


def test_expired_refresh_tokens_are_flushed_daily(account, settings):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from accounts.tasks import jwt_tokens_flush_expired

    login(owner_of(account).email)
    login(owner_of(account).email)
    OutstandingToken.objects.filter(pk=OutstandingToken.objects.first().pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    jwt_tokens_flush_expired()
    assert OutstandingToken.objects.count() == 1
    assert "accounts.tasks.jwt_tokens_flush_expired" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
