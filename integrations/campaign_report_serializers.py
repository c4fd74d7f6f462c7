"""A campaign's summary and chart across providers: its query (a report's, plus `?provider=`) and its `meta`.
`data` is what every call report answers (integrations.report_response_serializers)."""

from rest_framework import serializers

from integrations.call_selectors import Interval
from integrations.providers.registry import PROVIDERS, provider_choices
from integrations.report_query_serializers import ChartQuerySerializer, DateRangeSerializer

PROVIDER_SLUGS = [provider.slug for provider in PROVIDERS]


class ProviderFilterSerializer(serializers.Serializer):
    provider = serializers.ChoiceField(
        choices=provider_choices(),
        required=False,
        help_text="A provider slug (GET /v1/providers): only its calls. Default: every provider's.",
        error_messages={"invalid_choice": f'No provider "{{input}}": one of {", ".join(PROVIDER_SLUGS)}.'},
    )


class CampaignSummaryQuerySerializer(ProviderFilterSerializer, DateRangeSerializer):
    pass


class CampaignChartQuerySerializer(ProviderFilterSerializer, ChartQuerySerializer):
    pass


class CampaignReportMetaSerializer(serializers.Serializer):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    timezone = serializers.CharField(help_text="The account's time zone: dates are its local days.")
    provider = serializers.ChoiceField(
        choices=provider_choices(),
        allow_null=True,
        help_text="The provider the figures are limited to; null: every one.",
    )
    providers = serializers.ListField(
        child=serializers.CharField(),
        help_text="The slugs of the providers with calls in this campaign (any day): what `provider` may pick.",
    )


class CampaignChartMetaSerializer(CampaignReportMetaSerializer):
    interval = serializers.ChoiceField(choices=[i.value for i in Interval])
