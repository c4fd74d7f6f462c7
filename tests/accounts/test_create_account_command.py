import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.models import Account, Membership

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue().strip()


def test_creates_the_account_its_owner_and_prints_the_id():
    account_id = run("--name", "Acme Agency", "--owner-email", "Boss@Acme.example", "--owner-password", "Str0ng-pass!")

    account = Account.objects.get(pk=account_id)
    assert account.name == "Acme Agency" and account.parent is None
    membership = Membership.objects.get(account=account)
    assert membership.role == "owner"
    assert membership.user.email == "boss@acme.example"
    assert membership.user.check_password("Str0ng-pass!")


def test_sub_account_under_a_parent():
    parent = run("--name", "Agency", "--owner-email", "a@x.example", "--owner-password", "Str0ng-pass!")
    child = run(
        "--name", "Client", "--owner-email", "c@x.example", "--owner-password", "Str0ng-pass!", "--parent", parent
    )
    assert str(Account.objects.get(pk=child).parent_id) == parent


@pytest.mark.parametrize("parent", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_unknown_parent_is_a_clear_error(parent):
    with pytest.raises(CommandError, match="No account with id"):
        run("--name", "X", "--owner-email", "x@x.example", "--owner-password", "Str0ng-pass!", "--parent", parent)
    assert not Account.objects.exists()


def test_weak_password_and_bad_timezone_are_refused_and_nothing_is_created():
    with pytest.raises(CommandError, match="too short"):
        run("--name", "X", "--owner-email", "x@x.example", "--owner-password", "abc")
    with pytest.raises(CommandError, match="IANA"):
        run(
            "--name", "X", "--owner-email", "y@x.example", "--owner-password", "Str0ng-pass!", "--timezone", "Mars/Base"
        )
    assert not Account.objects.exists()
    assert not get_user_model().objects.exists()


def test_sub_accounts_cannot_nest():
    agency = run("--name", "Agency", "--owner-email", "a@x.example", "--owner-password", "Str0ng-pass!")
    client = run("--name", "C", "--owner-email", "c@x.example", "--owner-password", "Str0ng-pass!", "--parent", agency)
    with pytest.raises(CommandError, match="cannot have sub-accounts"):
        run("--name", "G", "--owner-email", "g@x.example", "--owner-password", "Str0ng-pass!", "--parent", client)
