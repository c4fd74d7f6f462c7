from django.urls import include, path
from rest_framework.routers import SimpleRouter

from integrations.campaign_views import CampaignViewSet
from integrations.provider_views import ProvidersView
from integrations.providers.registry import PROVIDERS

router = SimpleRouter(trailing_slash=False)
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = [
    # each provider's own routes (registration, proxied data, its receivers) under /v1/e/<slug>/
    *(path(f"e/{provider.slug}/", include(provider.urls)) for provider in PROVIDERS if provider.urls),
    path("providers", ProvidersView.as_view(), name="providers"),
    *router.urls,
]
