"""The admin site: Django's, with the dashboard on its index page."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from dashboard.panels import dashboard_panels
from dashboard.query import dashboard_query


class DashboardAdminSite(admin.AdminSite):
    site_header = "CTM integration"
    site_title = "CTM integration admin"
    index_title = "Dashboard"
    index_template = "dashboard/admin_index.html"

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        query = dashboard_query(params=request.GET)
        context = {"dashboard": {"query": query, "panels": dashboard_panels(query=query)}, **(extra_context or {})}
        return super().index(request, extra_context=context)
