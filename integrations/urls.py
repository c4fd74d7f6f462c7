from django.urls import include, path
from rest_framework.routers import SimpleRouter

from integrations.activity_views import LeadsView, MessagesView
from integrations.call_views import CallsView, CallView
from integrations.campaign_views import CampaignViewSet
from integrations.endpoint_views import WebhookEndpointsView, WebhookEndpointView
from integrations.provider_views import ProvidersView
from integrations.providers.registry import PROVIDERS
from integrations.webhooks.routing import provider_webhook

router = SimpleRouter(trailing_slash=False)
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = [
    # each provider's own routes (registration, proxied data, its receivers) under /v1/e/<slug>/
    *(path(f"e/{provider.slug}/", include(provider.urls)) for provider in PROVIDERS if provider.urls),
    path("e/<slug:provider>/webhook/<uuid:endpoint_id>/", provider_webhook, name="provider-webhook"),
    path("providers", ProvidersView.as_view(), name="providers"),
    path("calls", CallsView.as_view(), name="calls"),
    path("calls/<int:call_id>", CallView.as_view(), name="call"),
    path("webhook-endpoints", WebhookEndpointsView.as_view(), name="webhook-endpoints"),
    path("webhook-endpoints/<uuid:endpoint_id>", WebhookEndpointView.as_view(), name="webhook-endpoint"),
    path("messages", MessagesView.as_view(), name="messages"),
    path("leads", LeadsView.as_view(), name="leads"),
    *router.urls,
]
