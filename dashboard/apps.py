from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class DashboardConfig(AppConfig):
    """The staff dashboard: its templates, static files (the vendored Chart.js) and selectors."""

    default = True
    name = "dashboard"
    verbose_name = "Dashboard"


class DashboardAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the dashboard's site as the default `admin.site` (every
    `@admin.register` in the project registers on it). Listed in INSTALLED_APPS instead of
    "django.contrib.admin"."""

    default = False
    default_site = "dashboard.site.DashboardAdminSite"
