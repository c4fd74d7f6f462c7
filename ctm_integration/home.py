"""The page at `/`: links to the admin, the API documentation and the health endpoints."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ctm_integration.health import LIVENESS_PATH, READINESS_PATH


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {
        **admin.site.each_context(request),  # the admin's header, theme toggle and user links
        "title": "CTM integration service",
        "api_docs_public": settings.API_DOCS_PUBLIC,
        "liveness_path": LIVENESS_PATH,
        "readiness_path": READINESS_PATH,
    }
    return render(request, "home.html", context)
