"""Every API request acts for exactly one account: the caller's, picked with `X-Account-Id`."""

import uuid

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.permissions import BasePermission

from accounts.models import Membership
from accounts.selectors import memberships_for_user
from ctm_integration.api.errors import ApiError

ACCOUNT_HEADER = "X-Account-Id"
# Where the authentication leaves the membership it read together with the user.
MEMBERSHIP_FROM_AUTHENTICATION = "membership_from_authentication"


class AccountIdRequired(ApiError):
    default_detail = f"You belong to several accounts: choose one with the {ACCOUNT_HEADER} header."
    default_code = "ACCOUNT_ID_REQUIRED"


class InvalidAccountId(ApiError):
    default_detail = f"{ACCOUNT_HEADER} must be an account id (a UUID)."
    default_code = "INVALID_ACCOUNT_ID"


class AccountAccessDenied(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You are not a member of that account."
    default_code = "ACCOUNT_ACCESS_DENIED"


def membership_choose(*, memberships: QuerySet[Membership], raw_account_id: str | None) -> Membership:
    """The membership a request acts through, among `memberships` (one user's), given its
    `X-Account-Id` header (None when not sent). One query. Raises the API error the caller gets."""
    if raw_account_id is not None:  # sent, even empty: it must be a UUID, written the usual way
        try:
            account_id = uuid.UUID(raw_account_id)
        except ValueError:
            raise InvalidAccountId() from None
        if str(account_id) != raw_account_id.strip().lower():
            raise InvalidAccountId()
        membership = memberships.filter(account_id=account_id).first()
        if membership is None:
            raise AccountAccessDenied()
        return membership
    found = list(memberships[:2])
    if not found:
        raise AccountAccessDenied("You are not a member of any account.", code="NO_ACCOUNT")
    if len(found) > 1:
        raise AccountIdRequired()
    return found[0]


def membership_for_request(request) -> Membership:
    """The request's membership: the one its authentication already read with the user (the same
    choice, made in the same query as the user; see accounts.authentication), or else read now."""
    membership = getattr(request, MEMBERSHIP_FROM_AUTHENTICATION, None)
    if membership is not None and membership.user_id == request.user.pk:
        return membership
    return membership_choose(
        memberships=memberships_for_user(user=request.user), raw_account_id=request.headers.get(ACCOUNT_HEADER)
    )


class IsAccountMember(BasePermission):
    """Authenticated, and a member of the account the request acts for (sets `request.account`)."""

    # What the API schema shows for every view this permission guards (see ctm_integration.api.schema).
    schema_parameters = [
        OpenApiParameter(
            ACCOUNT_HEADER,
            OpenApiTypes.UUID,
            OpenApiParameter.HEADER,
            description="The account to act for; needed when you belong to several.",
        )
    ]
    api_errors = (AccountIdRequired, InvalidAccountId, AccountAccessDenied, (403, "NO_ACCOUNT"))

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        membership = membership_for_request(request)
        request.membership = membership
        request.account = membership.account
        return True


class AccountScopedMixin:
    """For API views: JWT authentication plus the account scope."""

    permission_classes = [IsAccountMember]
