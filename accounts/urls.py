from django.urls import path

from accounts.auth_views import TokenObtainView, TokenRefreshView

urlpatterns = [
    path("token", TokenObtainView.as_view(), name="auth-token"),
    path("token/refresh", TokenRefreshView.as_view(), name="auth-token-refresh"),
]
