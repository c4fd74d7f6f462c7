"""Writes for campaigns (a provider's own records, such as CTM's credentials, are written in its folder)."""

from typing import Any

from accounts.models import Account
from integrations.models import Campaign


def campaign_create(*, account: Account, **fields: Any) -> Campaign:
    campaign = Campaign(account=account, **fields)
    campaign.full_clean()
    campaign.save()
    return campaign


def campaign_update(*, campaign: Campaign, **fields: Any) -> Campaign:
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.full_clean()
    campaign.save()
    return campaign


def campaign_delete(*, campaign: Campaign) -> None:
    campaign.delete()
