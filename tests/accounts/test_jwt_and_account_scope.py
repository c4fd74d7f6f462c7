"""JWT login, refresh, and which account a request acts for."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership
from tests.conftest import PASSWORD, api_client_for, owner_of

pytestmark = pytest.mark.django_db


def login(email: str, password: str = PASSWORD):
    return APIClient().post("/v1/auth/token", {"email": email, "password": password}, format="json")


def test_login_with_email_returns_tokens_and_the_users_accounts(account):
    response = login(owner_of(account).email.upper())

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["access"] and data["refresh"]
    assert data["accounts"] == [{"id": str(account.id), "name": account.name, "role": "owner"}]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {data['access']}")
    assert client.get("/v1/campaigns").status_code == 200


@pytest.mark.parametrize("email", ["nobody@example.com", None])
def test_wrong_login_is_401(account, email):
    response = login(email or owner_of(account).email, "wrong-password")
    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "errno": 401,
        "message": "Email or password is wrong.",
        "code": "INVALID_LOGIN",
    }


def test_login_validation_errors():
    response = APIClient().post("/v1/auth/token", {"email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"email", "password"}


def test_refresh_gives_a_new_access_token_and_rejects_garbage(account):
    refresh = login(owner_of(account).email).json()["data"]["refresh"]

    response = APIClient().post("/v1/auth/token/refresh", {"refresh": refresh}, format="json")
    assert response.status_code == 200 and response.json()["data"]["access"]

    bad = APIClient().post("/v1/auth/token/refresh", {"refresh": "garbage"}, format="json")
    assert bad.status_code == 401 and bad.json()["code"] == "INVALID_TOKEN"


def test_a_bad_bearer_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    response = client.get("/v1/campaigns")
    assert response.status_code == 401
    assert response.json()["success"] is False


def test_a_single_membership_needs_no_header(account):
    client = api_client_for(owner_of(account))
    assert client.get("/v1/campaigns").status_code == 200


def test_several_memberships_need_x_account_id(account, make_account):
    user = owner_of(account)
    second = make_account("Second")
    Membership.objects.create(user=user, account=second, role="member")
    client = api_client_for(user)

    response = client.get("/v1/campaigns")
    assert response.status_code == 400
    assert response.json()["code"] == "ACCOUNT_ID_REQUIRED"

    client.post("/v1/campaigns", {"name": "In second"}, format="json", HTTP_X_ACCOUNT_ID=str(second.id))
    names = client.get("/v1/campaigns", HTTP_X_ACCOUNT_ID=str(second.id)).json()["data"]
    assert [c["name"] for c in names] == ["In second"]
    assert client.get("/v1/campaigns", HTTP_X_ACCOUNT_ID=str(account.id)).json()["data"] == []


def test_an_account_the_user_is_not_a_member_of_is_refused(account, make_account):
    stranger = make_account("Stranger")
    client = api_client_for(owner_of(account), stranger)
    response = client.get("/v1/campaigns")
    assert response.status_code == 403
    assert response.json()["code"] == "ACCOUNT_ACCESS_DENIED"


@pytest.mark.parametrize("header", ["42", "", "{12345678-1234-5678-1234-567812345678}"])
def test_a_malformed_account_header_is_400(account, header):
    response = api_client_for(owner_of(account)).get("/v1/campaigns", HTTP_X_ACCOUNT_ID=header)
    assert response.status_code == 400 and response.json()["code"] == "INVALID_ACCOUNT_ID"


def test_a_user_without_membership_is_refused(db):
    from django.contrib.auth import get_user_model

    loner = get_user_model().objects.create_user("loner@example.com", "loner@example.com", PASSWORD)
    response = api_client_for(loner).get("/v1/campaigns")
    assert response.status_code == 403 and response.json()["code"] == "NO_ACCOUNT"


def test_a_deactivated_users_token_is_401_even_with_a_membership(account):
    user = owner_of(account)
    client = api_client_for(user, account)
    assert client.get("/v1/campaigns").status_code == 200
    user.is_active = False
    user.save()

    response = client.get("/v1/campaigns")
    assert response.status_code == 401 and response.json()["success"] is False


def test_a_deleted_users_token_is_401(account):
    user = owner_of(account)
    client = api_client_for(user)
    user.delete()

    assert client.get("/v1/campaigns").status_code == 401


def test_a_membership_removed_takes_effect_on_the_next_request(account, make_account):
    user = owner_of(account)
    second = make_account("Second")
    Membership.objects.create(user=user, account=second, role="member")
    client = api_client_for(user, second)
    assert client.get("/v1/campaigns").status_code == 200

    Membership.objects.filter(user=user, account=second).delete()

    response = client.get("/v1/campaigns")
    assert response.status_code == 403 and response.json()["code"] == "ACCOUNT_ACCESS_DENIED"
    assert api_client_for(user, account).get("/v1/campaigns").status_code == 200


def test_the_scope_is_the_callers_own_membership(account, make_account):
    """The user and the membership come from one query: the membership is the token user's."""
    other = make_account("Other")
    mine = api_client_for(owner_of(account)).get("/v1/campaigns", HTTP_X_ACCOUNT_ID=str(other.id))
    assert mine.status_code == 403 and mine.json()["code"] == "ACCOUNT_ACCESS_DENIED"
