from django.urls import include, path
from rest_framework.routers import SimpleRouter

from integrations.campaign_views import CampaignViewSet

router = SimpleRouter(trailing_slash=False)
router.register("campaigns", CampaignViewSet, basename="campaign")

urlpatterns = [
    path("e/calltrackingmetrics/", include("integrations.providers.ctm.urls")),
    *router.urls,
]
