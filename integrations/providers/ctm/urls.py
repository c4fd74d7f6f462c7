from django.urls import path

from integrations.providers.ctm.views import CtmAuthView, CtmConfigView

urlpatterns = [
    path("auth", CtmAuthView.as_view(), name="ctm-auth"),
    path("auth/config", CtmConfigView.as_view(), name="ctm-auth-config"),
]
