"""What the dashboard's address asks for: `?account=<id>` and `?provider=<slug>` (both optional).
A value that names nothing is ignored and said so on the page, never a server error."""

import uuid
from dataclasses import dataclass, field

from django.http import QueryDict

from accounts.models import Account
from dashboard.selectors import CallFilter, DayRange, dashboard_range, provider_names, providers_with_calls


@dataclass
class DashboardQuery:
    call_filter: CallFilter
    problems: list[str] = field(default_factory=list)  # parameters that were ignored, and why
    _providers: list[str] | None = None

    @property
    def providers(self) -> list[str]:
        """The providers with calls in the range (of the account asked for, if any), whatever the
        provider filter: read once, unless the calls panel already saw them (`providers_seen`)."""
        if self._providers is None:
            self._providers = providers_with_calls(day_range=self.range, account=self.account)
        return self._providers

    def providers_seen(self, providers: list[str]) -> None:
        """What an unfiltered read of the same range and account found: no need to read it again."""
        if self.provider is None:
            self._providers = providers

    @property
    def range(self) -> DayRange:
        return self.call_filter.range

    @property
    def account(self) -> Account | None:
        return self.call_filter.account

    @property
    def provider(self) -> str | None:
        return self.call_filter.provider

    @property
    def provider_choices(self) -> list[tuple[str, str]]:
        """The provider filter: offered only where more than one provider has data."""
        names = provider_names()
        return [(slug, names.get(slug, slug)) for slug in self.providers] if len(self.providers) > 1 else []

    @property
    def provider_name(self) -> str:
        return provider_names().get(self.provider or "", self.provider or "")


def _account(value: str, problems: list[str]) -> Account | None:
    if not value:
        return None
    try:
        account = Account.objects.filter(pk=uuid.UUID(value)).first()
    except ValueError:
        account = None
    if account is None:
        problems.append(f"No account {value!r}: showing every account.")
    return account


def dashboard_query(*, params: QueryDict, account: Account | None = None) -> DashboardQuery:
    """The filters asked for. `account` fixes the account (an account's own page)."""
    problems: list[str] = []
    day_range = dashboard_range()
    if account is None:
        account = _account(params.get("account", ""), problems)
    provider = params.get("provider", "") or None
    if provider and provider not in provider_names():
        problems.append(f"No provider {provider!r}: showing every provider.")
        provider = None
    return DashboardQuery(
        call_filter=CallFilter(range=day_range, account=account, provider=provider),
        problems=problems,
    )
