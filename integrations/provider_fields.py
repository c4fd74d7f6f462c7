"""API fields for ids that belong to a provider, whichever it is."""

from ctm_integration.api.fields import StrictRegexField

PROVIDER_ACCOUNT_ID = r"^[A-Za-z0-9_-]{1,64}$"


class ProviderAccountIdField(StrictRegexField):
    """A provider's account id: letters, digits, '_' or '-' (what can never change a provider's URL)."""

    default_error_messages = {"invalid": "Must be a provider account id (letters, digits, '_' or '-')."}

    def __init__(self, **kwargs) -> None:
        super().__init__(PROVIDER_ACCOUNT_ID, max_length=64, **kwargs)
