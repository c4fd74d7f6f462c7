from django.contrib import admin
from django.urls import include, path

from ctm_integration.api.docs import RedocView, SchemaView, SwaggerView
from ctm_integration.home import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("v1/auth/", include("accounts.urls")),
    path("v1/", include("notifications.urls")),
    path("v1/", include("integrations.urls")),
    path("v1/", include("outbound.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
]

handler500 = "ctm_integration.api.outages.server_error"
