"""Calling CTM on behalf of an account, with its stored key, and the 401 invalidation flow."""

from collections.abc import Iterator
from contextlib import contextmanager

from integrations.models import Key
from integrations.providers.ctm.client import CtmClient, CtmCredentials
from integrations.providers.ctm.credentials import key_invalidate_account
from integrations.providers.ctm.errors import CtmKeyInvalidated, CtmUnauthorized


def client_for_key(*, key: Key) -> CtmClient:
    return CtmClient(credentials=CtmCredentials(access_key=key.access_key, secret=key.secret, scheme=key.auth_scheme))


@contextmanager
def ctm_session(*, key: Key) -> Iterator[CtmClient]:
    """A client for `key`. An invalidated key is refused without calling CTM; a CTM 401/403
    marks every key of the account invalidated. Both raise `CtmKeyInvalidated`."""
    if key.token_invalidated:
        raise CtmKeyInvalidated("These CTM credentials were rejected before; reconnect them.", status=401)
    try:
        yield client_for_key(key=key)
    except CtmUnauthorized as exc:
        key_invalidate_account(account=key.account)
        raise CtmKeyInvalidated(str(exc), status=401) from exc


def key_verify(*, key: Key) -> bool:
    """Ask CTM whether the key still works (even one marked invalidated), and record the answer.

    True: valid (its invalidation, if any, is cleared). False: CTM refused it and the account's keys
    are now invalidated. Other CTM failures raise: they say nothing about the key.
    """
    try:
        client_for_key(key=key).list_accounts(per_page=1)
    except CtmUnauthorized:
        key_invalidate_account(account=key.account)
        return False
    if key.token_invalidated:
        Key.objects.filter(pk=key.pk).update(token_invalidated=False, invalidated_at=None)
    return True
