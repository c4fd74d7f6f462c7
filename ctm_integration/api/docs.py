"""OpenAPI schema, Swagger UI and ReDoc: served from the installed drf-spectacular-sidecar (no CDN),
public when API_DOCS_PUBLIC (the development default), otherwise for a JWT or a staff session.

Without credentials the schema is a 401 envelope, and the HTML pages send the browser to the admin
login (a browser cannot send a JWT when it opens a page).
"""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer

from accounts.authentication import AccessTokenAuthentication


class DocsAccess(BasePermission):
    """Anyone when API_DOCS_PUBLIC; otherwise a caller with a valid JWT, or a staff member signed in
    to the admin."""

    def has_permission(self, request, view) -> bool:
        if settings.API_DOCS_PUBLIC:
            return True
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return isinstance(request.successful_authenticator, AccessTokenAuthentication) or user.is_staff


class DocsAccessMixin:
    permission_classes = [DocsAccess]
    redirect_to_login = False

    def get_authenticators(self):
        if settings.API_DOCS_PUBLIC:
            return []
        return [AccessTokenAuthentication(), SessionAuthentication()]

    def handle_exception(self, exc):
        if self.redirect_to_login and isinstance(exc, exceptions.NotAuthenticated):
            return redirect_to_login(self.request.get_full_path(), login_url=reverse("admin:login"))
        # Errors are the JSON envelope, whatever the page renders when it works (YAML, HTML).
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)


class SchemaView(DocsAccessMixin, SpectacularAPIView):
    pass


class SwaggerView(DocsAccessMixin, SpectacularSwaggerView):
    redirect_to_login = True


class RedocView(DocsAccessMixin, SpectacularRedocView):
    redirect_to_login = True
    template_name = "api_docs/redoc.html"
