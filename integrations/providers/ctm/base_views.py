"""What every CTM view shares: the account scope, the caller's key from `tokenId`, CTM errors."""

from typing import Any

from rest_framework.views import APIView

from accounts.scope import AccountScopedMixin
from ctm_integration.api.errors import NotFound, TokenInvalidated
from integrations.models import Key
from integrations.providers.ctm.api_errors import CTM_ERRORS, CtmErrorsMixin
from integrations.selectors import key_for_account

# The seed's API calls the key id `tokenId`: our URLs, hence the API schema, name it `token_id`.
# In code it is `key_id`: the views' methods receive it under that name.
URL_KEY_ID = "token_id"
# What `get_key` answers for a `tokenId` that is not one of the account's keys.
KEY_NOT_FOUND = (404, "TOKEN_NOT_FOUND")
# What a view answers that calls CTM with the key of its `tokenId` (an invalidated key is refused).
CTM_KEY_ERRORS = (KEY_NOT_FOUND, TokenInvalidated, *CTM_ERRORS)


class CtmView(CtmErrorsMixin, AccountScopedMixin, APIView):
    """A CTM endpoint, for one account (every method declares its answer for the API schema)."""

    def dispatch(self, request, *args, **kwargs):
        if URL_KEY_ID in kwargs:
            kwargs["key_id"] = kwargs.pop(URL_KEY_ID)
        return super().dispatch(request, *args, **kwargs)

    def get_key(self, key_id: str) -> Key:
        try:
            return key_for_account(account=self.request.account, key_id=key_id)
        except Key.DoesNotExist:
            raise NotFound("No CTM credentials with that token.", code="TOKEN_NOT_FOUND") from None

    def valid_query(self, serializer_class: type, **context: Any) -> dict:
        serializer = serializer_class(data=self.request.query_params, context=context)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def ctm_pagination(body: dict, *, page: int, limit: int) -> dict[str, int]:
    """CTM's pager (`total_entries`, `total_pages`) in our words."""
    total = int(body.get("total_entries") or 0)
    return {
        "page": int(body.get("page") or page),
        "limit": limit,
        "total": total,
        "total_pages": int(body.get("total_pages") or (total + limit - 1) // limit),
    }
